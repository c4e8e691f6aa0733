#include "agents/fleet/registry.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace corestack::fleet {
namespace {

using etcd::client::DeleteOptions;
using etcd::client::ErrorKind;
using etcd::client::Node;
using etcd::client::PrevExist;
using etcd::client::SetOptions;

RegistryError error_of(RegistryErrorKind kind, std::string message) {
  return RegistryError{kind, std::move(message), {}};
}

uint64_t seconds(std::chrono::seconds ttl) {
  return ttl.count() > 0 ? static_cast<uint64_t>(ttl.count()) : 0;
}

// A recursive read of a directory that may not exist yet: an empty node then.
RegistryResult<Node> read_dir(etcd::client::Result<etcd::client::Response> got,
                              uint64_t* etcd_index) {
  if (!got) {
    if (got.error().is(etcd::client::kKeyNotFound)) {
      if (etcd_index != nullptr) *etcd_index = got.error().index;
      return Node{};
    }
    return unexpected(registry_error(got.error()));
  }
  if (etcd_index != nullptr) *etcd_index = got->etcd_index;
  return std::move(got->node);
}

RegistryResult<void> done(const etcd::client::Result<etcd::client::Response>& r) {
  if (!r) return unexpected(registry_error(r.error()));
  return {};
}

EngineLease lease_of(const Node& node) {
  LeaseRecord record = decode_lease(node.value);
  return EngineLease{record.machine_id, record.version, node.modified_index, node.ttl};
}

// Fills `job` from one child of job/<name>/; false when the object is unreadable.
bool read_job_field(const Node& field, RegistryJob& job) {
  std::string_view leaf = key_base(field.key);
  if (leaf == "object") {
    auto object = decode_job_object(field.value);
    if (!object) {
      spdlog::warn("Ignoring job {}: {}", job.name, object.error());
      return false;
    }
    job.unit_hash = object->unit_hash;
  } else if (leaf == "target-state") {
    auto state = parse_job_state(field.value);
    if (!state) spdlog::warn("invalid value {:?} for JobState", field.value);
    job.target_state = state.value_or(JobState::inactive);
  } else if (leaf == "target") {
    job.target = field.value;
  } else if (leaf == "job-state") {
    job.job_state = field.value;
  } else if (leaf == "unschedulable") {
    job.unschedulable = field.value;
    job.unschedulable_ttl_s = field.ttl;
  }
  return true;
}

std::optional<RegistryJob> job_from_dir(const Node& dir) {
  RegistryJob job;
  job.name = std::string(key_base(dir.key));
  bool has_object = false;
  for (const Node& field : dir.nodes) {
    if (field.dir) continue;
    if (!read_job_field(field, job)) return std::nullopt;
    has_object |= key_base(field.key) == "object";
  }
  if (!has_object) return std::nullopt;
  return job;
}

std::optional<MachineRecord> machine_from_dir(const Node& dir) {
  std::optional<MachineState> state;
  std::map<std::string, std::string> dynamic;
  for (const Node& child : dir.nodes) {
    if (!child.dir && key_base(child.key) == "object") {
      auto decoded = decode_machine_state(child.value);
      if (!decoded) {
        spdlog::warn("Ignoring machine {}: {}", key_base(dir.key), decoded.error());
        return std::nullopt;
      }
      state = std::move(*decoded);
    } else if (child.dir && key_base(child.key) == "metadata") {
      for (const Node& m : child.nodes) {
        if (!m.dir) dynamic[std::string(key_base(m.key))] = m.value;
      }
    }
  }
  if (!state) return std::nullopt;  // only metadata/ left: the machine is gone
  MachineRecord record{std::move(*state), {}};
  record.metadata = effective_metadata(record.state.metadata, dynamic);
  return record;
}

std::optional<UnitFile> unit_from_node(const Node& node) {
  const std::string_view key_hash = key_base(node.key);
  auto raw = decode_unit_model(node.value);
  auto unit =
      raw ? UnitFile::parse(*raw) : Expected<UnitFile, std::string>(unexpected(raw.error()));
  if (!unit) {
    spdlog::warn("Ignoring unit {}: {}", key_hash, unit.error());
    return std::nullopt;
  }
  if (unit->hash().hex() != key_hash) {
    spdlog::warn("Ignoring unit {}: its contents hash to {}", key_hash, unit->hash().hex());
    return std::nullopt;
  }
  return std::move(*unit);
}

}  // namespace

RegistryError registry_error(const etcd::client::Error& error) {
  RegistryErrorKind kind = RegistryErrorKind::etcd;
  if (error.is(etcd::client::kKeyNotFound)) kind = RegistryErrorKind::not_found;
  if (error.is(etcd::client::kTestFailed)) kind = RegistryErrorKind::compare_failed;
  if (error.kind == ErrorKind::transport || error.kind == ErrorKind::timeout) {
    kind = RegistryErrorKind::transport;
  }
  if (error.kind == ErrorKind::decode) kind = RegistryErrorKind::decode;
  return RegistryError{kind, error.to_string(), error};
}

Registry::Registry(etcd::client::KeysApi& keys, std::string_view prefix)
    : etcd_(keys), schema_(prefix) {}

// ---- plumbing: every request goes through these, so requests_ counts them all ----

etcd::client::Result<etcd::client::Response> Registry::seen(
    etcd::client::Result<etcd::client::Response> answer) {
  ++requests_;
  const uint64_t index = answer ? answer->etcd_index : answer.error().index;
  last_index_ = std::max(last_index_, index);
  return answer;
}

etcd::client::Result<etcd::client::Response> Registry::get(const std::string& key, bool quorum) {
  return seen(etcd_.get(key, {.recursive = true, .sorted = true, .quorum = quorum}));
}

etcd::client::Result<etcd::client::Response> Registry::put(const std::string& key,
                                                           std::string_view value,
                                                           const SetOptions& options) {
  return seen(etcd_.set(key, std::string(value), options));
}

etcd::client::Result<etcd::client::Response> Registry::remove(const std::string& key,
                                                              const DeleteOptions& options) {
  return seen(etcd_.remove(key, options));
}

RegistryResult<void> Registry::remove_if_present(const std::string& key,
                                                 const DeleteOptions& options) {
  auto r = remove(key, options);
  if (!r && !r.error().is(etcd::client::kKeyNotFound)) {
    return unexpected(registry_error(r.error()));
  }
  return {};
}

// ---- units ----

RegistryResult<UnitHash> Registry::create_unit(const UnitFile& unit) {
  const UnitHash hash = unit.hash();
  auto r = put(schema_.unit(hash), encode_unit_model(unit.serialize()),
               {.prev_exist = PrevExist::must_not_exist});
  // Content-addressed: an existing key holds the same text.
  if (!r && !r.error().is(etcd::client::kNodeExist)) return unexpected(registry_error(r.error()));
  return hash;
}

RegistryResult<std::map<UnitHash, UnitFile>> Registry::get_units() {
  auto dir = read_dir(get(schema_.units_dir(), true), nullptr);
  if (!dir) return unexpected(dir.error());
  std::map<UnitHash, UnitFile> units;
  for (const Node& node : dir->nodes) {
    if (node.dir) continue;
    if (auto unit = unit_from_node(node)) units.emplace(unit->hash(), std::move(*unit));
  }
  return units;
}

RegistryResult<std::optional<UnitFile>> Registry::get_unit(const UnitHash& hash) {
  auto r = get(schema_.unit(hash), true);
  if (!r && r.error().is(etcd::client::kKeyNotFound)) return std::optional<UnitFile>();
  if (!r) return unexpected(registry_error(r.error()));
  auto unit = unit_from_node(r->node);
  if (!unit) return unexpected(error_of(RegistryErrorKind::decode, "bad unit " + hash.hex()));
  return std::optional<UnitFile>(std::move(*unit));
}

// ---- jobs ----

RegistryResult<void> Registry::create_job(std::string_view name, const UnitHash& hash,
                                          JobState desired) {
  auto object = put(schema_.job_object(name), encode_job_object({std::string(name), hash}), {});
  if (!object) return unexpected(registry_error(object.error()));
  return set_target_state(name, desired);
}

RegistryResult<void> Registry::set_target_state(std::string_view name, JobState desired) {
  return done(put(schema_.job_target_state(name), to_string(desired), {}));
}

RegistryResult<void> Registry::destroy_job(std::string_view name) {
  auto r = remove(schema_.job_dir(name), {.dir = true, .recursive = true});
  if (!r) return unexpected(registry_error(r.error()));
  return remove_unit_states(name);
}

RegistryResult<std::vector<RegistryJob>> Registry::get_jobs(uint64_t* etcd_index) {
  auto dir = read_dir(get(schema_.jobs_dir(), true), etcd_index);
  if (!dir) return unexpected(dir.error());
  std::vector<RegistryJob> jobs;
  for (const Node& job_dir : dir->nodes) {
    if (!job_dir.dir) continue;
    if (auto job = job_from_dir(job_dir)) jobs.push_back(std::move(*job));
  }
  return jobs;
}

RegistryResult<void> Registry::schedule(std::string_view name, std::string_view machine_id) {
  auto r = put(schema_.job_target(name), machine_id, {.prev_exist = PrevExist::must_not_exist});
  if (!r && r.error().is(etcd::client::kNodeExist)) {
    return unexpected(RegistryError{RegistryErrorKind::exists, r.error().to_string(), r.error()});
  }
  return done(r);
}

RegistryResult<void> Registry::unschedule(std::string_view name, std::string_view machine_id) {
  return done(remove(schema_.job_target(name), {.prev_value = std::string(machine_id)}));
}

RegistryResult<void> Registry::set_job_state_heartbeat(std::string_view name,
                                                       std::string_view machine_id,
                                                       std::chrono::seconds ttl) {
  return done(put(schema_.job_state(name), machine_id, {.ttl_s = seconds(ttl)}));
}

RegistryResult<void> Registry::clear_job_state(std::string_view name) {
  return remove_if_present(schema_.job_state(name), {});
}

RegistryResult<void> Registry::set_unschedulable_reason(std::string_view name,
                                                        std::string_view text,
                                                        std::chrono::seconds ttl) {
  return done(put(schema_.job_dir(name) + "/unschedulable", text, {.ttl_s = seconds(ttl)}));
}

RegistryResult<void> Registry::refresh_unschedulable_reason(std::string_view name,
                                                            std::chrono::seconds ttl) {
  return done(put(schema_.job_dir(name) + "/unschedulable", "",
                  {.prev_exist = PrevExist::must_exist, .ttl_s = seconds(ttl), .refresh = true}));
}

RegistryResult<void> Registry::clear_unschedulable_reason(std::string_view name) {
  return remove_if_present(schema_.job_dir(name) + "/unschedulable", {});
}

// ---- unit states ----

RegistryResult<void> Registry::publish_unit_state(std::string_view name,
                                                  std::string_view machine_id,
                                                  const UnitStateRecord& state,
                                                  std::chrono::seconds ttl) {
  if (auto ok = check_publishable(state); !ok) {
    return unexpected(error_of(RegistryErrorKind::invalid, ok.error()));
  }
  const std::string value = encode_unit_state(state);
  auto legacy = put(schema_.legacy_unit_state(name), value, {.ttl_s = seconds(ttl)});
  if (!legacy) return unexpected(registry_error(legacy.error()));
  return done(put(schema_.unit_state(name, machine_id), value, {.ttl_s = seconds(ttl)}));
}

RegistryResult<void> Registry::remove_unit_state(std::string_view name,
                                                 std::string_view machine_id) {
  if (auto legacy = remove_if_present(schema_.legacy_unit_state(name), {}); !legacy) return legacy;
  return remove_if_present(schema_.unit_state(name, machine_id), {});
}

RegistryResult<void> Registry::remove_stale_unit_state(std::string_view name,
                                                       std::string_view machine_id) {
  return remove_if_present(schema_.unit_state(name, machine_id), {});
}

RegistryResult<void> Registry::remove_unit_states(std::string_view name) {
  if (auto legacy = remove_if_present(schema_.legacy_unit_state(name), {}); !legacy) return legacy;
  return remove_if_present(schema_.unit_states_dir(name), {.dir = true, .recursive = true});
}

RegistryResult<std::vector<UnitStateEntry>> Registry::get_unit_states() {
  auto dir = read_dir(get(schema_.states_dir(), false), nullptr);
  if (!dir) return unexpected(dir.error());
  std::vector<UnitStateEntry> out;
  for (const Node& unit_dir : dir->nodes) {
    for (const Node& node : unit_dir.nodes) {
      if (node.dir) continue;
      auto record = decode_unit_state(node.value);
      if (!record) {
        spdlog::warn("Ignoring unit state {}: {}", node.key, record.error());
        continue;
      }
      out.push_back({std::string(key_base(unit_dir.key)), std::string(key_base(node.key)),
                     std::move(*record)});
    }
  }
  return out;
}

// ---- machines ----

RegistryResult<void> Registry::register_machine(const MachineState& machine,
                                                std::chrono::seconds ttl) {
  auto r = put(schema_.machine_object(machine.id), encode_machine_state(machine),
               {.prev_exist = PrevExist::must_not_exist, .ttl_s = seconds(ttl)});
  if (!r && r.error().is(etcd::client::kNodeExist)) {
    return unexpected(RegistryError{RegistryErrorKind::already_registered,
                                    "machine " + machine.id +
                                        " is already registered (another host with the same "
                                        "machine ID, or a previous run whose object has not "
                                        "expired yet)",
                                    r.error()});
  }
  return done(r);
}

RegistryResult<void> Registry::refresh_machine(const MachineState& machine,
                                               std::chrono::seconds ttl) {
  const std::string key = schema_.machine_object(machine.id);
  const std::string value = encode_machine_state(machine);
  auto r = put(key, value, {.prev_exist = PrevExist::must_exist, .ttl_s = seconds(ttl)});
  if (!r && r.error().is(etcd::client::kKeyNotFound)) {
    // Expired meanwhile (a long pause): come back, create-only as at start.
    return register_machine(machine, ttl);
  }
  return done(r);
}

RegistryResult<void> Registry::remove_machine(std::string_view machine_id) {
  return remove_if_present(schema_.machine_object(machine_id), {});
}

RegistryResult<std::vector<MachineRecord>> Registry::get_machines(uint64_t* etcd_index) {
  auto dir = read_dir(get(schema_.machines_dir(), true), etcd_index);
  if (!dir) return unexpected(dir.error());
  std::vector<MachineRecord> out;
  for (const Node& machine_dir : dir->nodes) {
    if (!machine_dir.dir) continue;
    if (auto machine = machine_from_dir(machine_dir)) out.push_back(std::move(*machine));
  }
  return out;
}

RegistryResult<void> Registry::set_machine_metadata(std::string_view machine_id,
                                                    std::string_view key, std::string_view value) {
  return done(put(schema_.machine_metadata(machine_id, key), value, {}));
}

RegistryResult<void> Registry::delete_machine_metadata(std::string_view machine_id,
                                                       std::string_view key) {
  return remove_if_present(schema_.machine_metadata(machine_id, key), {});
}

// ---- engine lease and version ----

RegistryResult<std::optional<EngineLease>> Registry::acquire_lease(std::string_view machine_id,
                                                                   int version,
                                                                   std::chrono::seconds ttl) {
  auto r = put(schema_.engine_leader_lease(), encode_lease({std::string(machine_id), version}),
               {.prev_exist = PrevExist::must_not_exist, .ttl_s = seconds(ttl)});
  if (!r && r.error().is(etcd::client::kNodeExist)) return std::optional<EngineLease>();
  if (!r) return unexpected(registry_error(r.error()));
  return std::optional<EngineLease>(lease_of(r->node));
}

RegistryResult<EngineLease> Registry::renew_lease(const EngineLease& lease,
                                                  std::chrono::seconds ttl) {
  auto r = put(schema_.engine_leader_lease(), encode_lease({lease.machine_id, lease.version}),
               {.prev_index = lease.index, .ttl_s = seconds(ttl)});
  if (!r && (r.error().is(etcd::client::kTestFailed) || r.error().is(etcd::client::kKeyNotFound))) {
    return unexpected(
        RegistryError{RegistryErrorKind::lease_lost, r.error().to_string(), r.error()});
  }
  if (!r) return unexpected(registry_error(r.error()));
  return lease_of(r->node);
}

RegistryResult<EngineLease> Registry::steal_lease(const EngineLease& held,
                                                  std::string_view machine_id, int version,
                                                  std::chrono::seconds ttl) {
  if (held.version >= version) {
    return unexpected(error_of(RegistryErrorKind::invalid,
                               "lease held at version " + std::to_string(held.version) +
                                   ", not older than " + std::to_string(version)));
  }
  // The old holder may act until its TTL runs out: the new one covers that time too.
  EngineLease stolen{std::string(machine_id), version, held.index, 0};
  return renew_lease(stolen, ttl + std::chrono::seconds(std::max<int64_t>(held.ttl_s, 0)));
}

RegistryResult<void> Registry::release_lease(const EngineLease& lease) {
  auto r = remove(schema_.engine_leader_lease(), {.prev_index = lease.index});
  if (!r && (r.error().is(etcd::client::kTestFailed) || r.error().is(etcd::client::kKeyNotFound))) {
    return unexpected(
        RegistryError{RegistryErrorKind::lease_lost, r.error().to_string(), r.error()});
  }
  return done(r);
}

RegistryResult<std::optional<EngineLease>> Registry::get_lease() {
  auto r = get(schema_.engine_leader_lease(), true);
  if (!r && r.error().is(etcd::client::kKeyNotFound)) return std::optional<EngineLease>();
  if (!r) return unexpected(registry_error(r.error()));
  return std::optional<EngineLease>(lease_of(r->node));
}

RegistryResult<std::optional<int>> Registry::engine_version() {
  auto r = get(schema_.engine_version(), true);
  if (!r && r.error().is(etcd::client::kKeyNotFound)) return std::optional<int>();
  if (!r) return unexpected(registry_error(r.error()));
  auto version = decode_engine_version(r->node.value);
  if (!version) return unexpected(error_of(RegistryErrorKind::decode, version.error()));
  return std::optional<int>(*version);
}

RegistryResult<void> Registry::set_engine_version(std::optional<int> from, int to) {
  const std::string key = schema_.engine_version();
  if (!from) {
    auto r = put(key, encode_engine_version(to), {.prev_exist = PrevExist::must_not_exist});
    if (!r && r.error().is(etcd::client::kNodeExist)) {
      return unexpected(
          RegistryError{RegistryErrorKind::compare_failed, r.error().to_string(), r.error()});
    }
    return done(r);
  }
  return done(
      put(key, encode_engine_version(to),
          {.prev_value = encode_engine_version(*from), .prev_exist = PrevExist::must_exist}));
}

}  // namespace corestack::fleet
