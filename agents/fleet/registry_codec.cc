#include "agents/fleet/registry_codec.h"

#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

#include "agents/fleet/go_text.h"

namespace corestack::fleet {
namespace {

using Json = nlohmann::ordered_json;
using Error = std::string;

// ---- encoding ----

std::string field(std::string_view name, std::string_view encoded_value) {
  return go_json_quote(name) + ":" + std::string(encoded_value);
}

std::string encode_string_map(const std::optional<std::map<std::string, std::string>>& m) {
  if (!m) return "null";
  std::string out = "{";
  for (const auto& [k, v] : *m) {
    if (out.size() > 1) out += ',';
    out += go_json_quote(k) + ":" + go_json_quote(v);
  }
  return out + "}";
}

std::string encode_bool_map(const std::optional<std::map<std::string, bool>>& m) {
  if (!m) return "null";
  std::string out = "{";
  for (const auto& [k, v] : *m) {
    if (out.size() > 1) out += ',';
    out += go_json_quote(k) + ":" + (v ? "true" : "false");
  }
  return out + "}";
}

// ---- decoding ----

Expected<Json, Error> parse_json(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::string detail = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag; keep the position.
    if (auto end = detail.find("] "); detail.starts_with('[') && end != std::string::npos) {
      detail.erase(0, end + 2);
    }
    return unexpected("invalid " + std::string(what) + " JSON: " + detail);
  }
}

Error type_error(std::string_view what, std::string_view field_name, std::string_view go_type) {
  return "invalid " + std::string(what) + " JSON: field " + std::string(field_name) + " is not " +
         std::string(go_type);
}

// Go's json.Unmarshal into a string: null keeps the old value.
Expected<void, Error> read_string(const Json& v, std::string& out, std::string_view what,
                                  std::string_view name) {
  if (v.is_null()) return {};
  if (!v.is_string()) return unexpected(type_error(what, name, "a string"));
  out = v.get<std::string>();
  return {};
}

Expected<void, Error> read_int(const Json& v, int& out, std::string_view what,
                               std::string_view name) {
  if (v.is_null()) return {};
  if (!v.is_number_integer()) return unexpected(type_error(what, name, "an int"));
  if (v.is_number_unsigned() ? v.get<std::uint64_t>() > std::numeric_limits<int>::max()
                             : v.get<std::int64_t>() < std::numeric_limits<int>::min() ||
                                   v.get<std::int64_t>() > std::numeric_limits<int>::max()) {
    return unexpected(type_error(what, name, "an int"));
  }
  out = v.get<int>();
  return {};
}

template <typename Value, typename Read>
Expected<void, Error> read_map(const Json& v, std::optional<std::map<std::string, Value>>& out,
                               std::string_view what, std::string_view name, Read read_value) {
  if (v.is_null()) return {};
  if (!v.is_object()) return unexpected(type_error(what, name, "an object"));
  if (!out) out.emplace();
  for (const auto& [key, item] : v.items()) {
    Value value{};
    if (!item.is_null() && !read_value(item, value)) {
      return unexpected(type_error(what, name, "a map of the right type"));
    }
    (*out)[key] = value;
  }
  return {};
}

Expected<void, Error> read_hash(const Json& v, UnitHash& out) {
  if (v.is_null()) return {};
  if (!v.is_array()) return unexpected(type_error("job object", "UnitHash", "a [20]byte array"));
  UnitHash h;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const Json& b = v[i];
    if (!b.is_number_unsigned() || b.get<std::uint64_t>() > 255) {
      return unexpected(type_error("job object", "UnitHash", "a [20]byte array"));
    }
    if (i < h.bytes.size()) h.bytes[i] = static_cast<std::uint8_t>(b.get<std::uint64_t>());
  }
  out = h;
  return {};
}

// Calls `member(name, value)` for each member of an object, in document order, with the
// struct field it maps to (exact name preferred, then case-insensitive; "" when none).
template <typename Member>
Expected<void, Error> for_each_field(const Json& doc, std::initializer_list<std::string_view> names,
                                     std::string_view what, Member member) {
  if (!doc.is_object()) return unexpected("invalid " + std::string(what) + " JSON: not an object");
  for (const auto& [key, value] : doc.items()) {
    std::string_view matched;
    for (std::string_view n : names) {
      if (n == key) matched = n;
    }
    for (std::string_view n : names) {
      if (matched.empty() && equal_fold(n, key)) matched = n;
    }
    if (matched.empty()) continue;  // unknown fields are ignored
    if (auto ok = member(matched, value); !ok) return ok;
  }
  return {};
}

Expected<MachineState, Error> machine_from_json(const Json& doc) {
  MachineState m;
  constexpr std::string_view what = "machine state";
  auto ok = for_each_field(
      doc, {"ID", "PublicIP", "Metadata", "Capabilities", "Version"}, what,
      [&](std::string_view name, const Json& v) -> Expected<void, Error> {
        if (name == "ID") return read_string(v, m.id, what, name);
        if (name == "PublicIP") return read_string(v, m.public_ip, what, name);
        if (name == "Version") return read_string(v, m.version, what, name);
        if (name == "Metadata") {
          return read_map(v, m.metadata, what, name, [](const Json& item, std::string& out) {
            if (!item.is_string()) return false;
            out = item.get<std::string>();
            return true;
          });
        }
        return read_map(v, m.capabilities, what, name, [](const Json& item, bool& out) {
          if (!item.is_boolean()) return false;
          out = item.get<bool>();
          return true;
        });
      });
  if (!ok) return unexpected(ok.error());
  return m;
}

}  // namespace

// ---- keys ----

KeySchema::KeySchema(std::string_view prefix) : root_(prefix) {
  while (!root_.empty() && root_.back() == '/')
    root_.pop_back();
}

std::string KeySchema::join(std::initializer_list<std::string_view> parts) const {
  std::string key = root_;
  for (std::string_view p : parts) {
    key += '/';
    key += p;
  }
  return key;
}

std::string KeySchema::units_dir() const {
  return join({"unit"});
}
std::string KeySchema::unit(const UnitHash& hash) const {
  return join({"unit", hash.hex()});
}
std::string KeySchema::jobs_dir() const {
  return join({"job"});
}
std::string KeySchema::job_dir(std::string_view name) const {
  return join({"job", name});
}
std::string KeySchema::job_object(std::string_view name) const {
  return join({"job", name, "object"});
}
std::string KeySchema::job_target_state(std::string_view name) const {
  return join({"job", name, "target-state"});
}
std::string KeySchema::job_target(std::string_view name) const {
  return join({"job", name, "target"});
}
std::string KeySchema::job_state(std::string_view name) const {
  return join({"job", name, "job-state"});
}
std::string KeySchema::states_dir() const {
  return join({"states"});
}
std::string KeySchema::unit_states_dir(std::string_view name) const {
  return join({"states", name});
}
std::string KeySchema::unit_state(std::string_view name, std::string_view machine_id) const {
  return join({"states", name, machine_id});
}
std::string KeySchema::legacy_unit_state(std::string_view name) const {
  return join({"state", name});
}
std::string KeySchema::machines_dir() const {
  return join({"machines"});
}
std::string KeySchema::machine_object(std::string_view machine_id) const {
  return join({"machines", machine_id, "object"});
}
std::string KeySchema::machine_metadata_dir(std::string_view machine_id) const {
  return join({"machines", machine_id, "metadata"});
}
std::string KeySchema::machine_metadata(std::string_view machine_id, std::string_view key) const {
  return join({"machines", machine_id, "metadata", key});
}
std::string KeySchema::engine_leader_lease() const {
  return join({"lease", "engine-leader"});
}
std::string KeySchema::engine_version() const {
  return join({"engine", "version"});
}

std::string_view key_base(std::string_view key) {
  while (key.size() > 1 && key.back() == '/')
    key.remove_suffix(1);
  if (auto slash = key.rfind('/'); slash != std::string_view::npos && key.size() > 1) {
    key.remove_prefix(slash + 1);
  }
  return key;
}

// ---- unit/<hash> ----

std::string encode_unit_model(std::string_view raw) {
  return "{" + field("Raw", go_json_quote(raw)) + "}";
}

Expected<std::string, std::string> decode_unit_model(std::string_view json) {
  auto doc = parse_json(json, "unit");
  if (!doc) return unexpected(doc.error());
  std::string raw;
  auto ok = for_each_field(*doc, {"Raw"}, "unit", [&](std::string_view name, const Json& v) {
    return read_string(v, raw, "unit", name);
  });
  if (!ok) return unexpected(ok.error());
  return raw;
}

// ---- job/<name>/object ----

std::string encode_job_object(const JobObject& job) {
  std::string hash = "[";
  for (std::size_t i = 0; i < job.unit_hash.bytes.size(); ++i) {
    if (i > 0) hash += ',';
    hash += std::to_string(job.unit_hash.bytes[i]);
  }
  hash += ']';
  return "{" + field("Name", go_json_quote(job.name)) + "," + field("UnitHash", hash) + "}";
}

Expected<JobObject, std::string> decode_job_object(std::string_view json) {
  auto doc = parse_json(json, "job object");
  if (!doc) return unexpected(doc.error());
  JobObject job;
  auto ok = for_each_field(*doc, {"Name", "UnitHash"}, "job object",
                           [&](std::string_view name, const Json& v) -> Expected<void, Error> {
                             if (name == "Name")
                               return read_string(v, job.name, "job object", name);
                             return read_hash(v, job.unit_hash);
                           });
  if (!ok) return unexpected(ok.error());
  return job;
}

// ---- machines/<id>/object ----

std::string encode_machine_state(const MachineState& m) {
  return "{" + field("ID", go_json_quote(m.id)) + "," +
         field("PublicIP", go_json_quote(m.public_ip)) + "," +
         field("Metadata", encode_string_map(m.metadata)) + "," +
         field("Capabilities", encode_bool_map(m.capabilities)) + "," +
         field("Version", go_json_quote(m.version)) + "}";
}

Expected<MachineState, std::string> decode_machine_state(std::string_view json) {
  auto doc = parse_json(json, "machine state");
  if (!doc) return unexpected(doc.error());
  return machine_from_json(*doc);
}

// ---- states/<name>/<machine> ----

UnitStateRecord make_unit_state(std::string_view load_state, std::string_view active_state,
                                std::string_view sub_state, std::string_view machine_id,
                                std::string_view unit_hash) {
  UnitStateRecord s{std::string(load_state), std::string(active_state), std::string(sub_state),
                    std::nullopt, std::string(unit_hash)};
  if (!machine_id.empty()) s.machine_state = MachineState{.id = std::string(machine_id)};
  return s;
}

std::string encode_unit_state(const UnitStateRecord& s) {
  std::string machine = s.machine_state ? encode_machine_state(*s.machine_state) : "null";
  return "{" + field("loadState", go_json_quote(s.load_state)) + "," +
         field("activeState", go_json_quote(s.active_state)) + "," +
         field("subState", go_json_quote(s.sub_state)) + "," + field("machineState", machine) +
         "," + field("unitHash", go_json_quote(s.unit_hash)) + "}";
}

Expected<UnitStateRecord, std::string> decode_unit_state(std::string_view json) {
  auto doc = parse_json(json, "unit state");
  if (!doc) return unexpected(doc.error());
  UnitStateRecord s;
  constexpr std::string_view what = "unit state";
  auto ok =
      for_each_field(*doc, {"loadState", "activeState", "subState", "machineState", "unitHash"},
                     what, [&](std::string_view name, const Json& v) -> Expected<void, Error> {
                       if (name == "loadState") return read_string(v, s.load_state, what, name);
                       if (name == "activeState") return read_string(v, s.active_state, what, name);
                       if (name == "subState") return read_string(v, s.sub_state, what, name);
                       if (name == "unitHash") return read_string(v, s.unit_hash, what, name);
                       if (v.is_null()) return {};
                       auto machine = machine_from_json(v);
                       if (!machine) return unexpected(machine.error());
                       s.machine_state = std::move(*machine);
                       return {};
                     });
  if (!ok) return unexpected(ok.error());
  return s;
}

Expected<void, std::string> check_publishable(const UnitStateRecord& state) {
  if (state.unit_hash.empty())
    return unexpected(std::string("refusing to publish a unit state without a unit hash"));
  if (!state.machine_state || state.machine_state->id.empty()) {
    return unexpected(std::string("refusing to publish a unit state without a machine ID"));
  }
  return {};
}

// ---- lease/engine-leader, engine/version ----

std::string encode_lease(const LeaseRecord& lease) {
  return "{" + field("MachineID", go_json_quote(lease.machine_id)) + "," +
         field("Version", std::to_string(lease.version)) + "}";
}

LeaseRecord decode_lease(std::string_view value) {
  LeaseRecord legacy{std::string(value), 0};
  Json doc;
  try {
    doc = Json::parse(value);
  } catch (const Json::parse_error&) {
    return legacy;
  }
  LeaseRecord lease;
  if (doc.is_null()) return lease;  // Go: null unmarshals to the zero value
  auto ok = for_each_field(doc, {"MachineID", "Version"}, "lease",
                           [&](std::string_view name, const Json& v) -> Expected<void, Error> {
                             if (name == "MachineID")
                               return read_string(v, lease.machine_id, "lease", name);
                             return read_int(v, lease.version, "lease", name);
                           });
  return ok ? lease : legacy;
}

std::string encode_engine_version(int version) {
  return std::to_string(version);
}

Expected<int, std::string> decode_engine_version(std::string_view value) {
  int version = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), version);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
    return unexpected("invalid engine version " + go_quote(value));
  }
  return version;
}

std::map<std::string, std::string> effective_metadata(
    const std::optional<std::map<std::string, std::string>>& object_metadata,
    const std::map<std::string, std::string>& dynamic_metadata) {
  std::map<std::string, std::string> out =
      object_metadata.value_or(std::map<std::string, std::string>{});
  for (const auto& [key, value] : dynamic_metadata) {
    if (value.empty()) {
      out.erase(key);
    } else {
      out[key] = value;
    }
  }
  return out;
}

}  // namespace corestack::fleet
