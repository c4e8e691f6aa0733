// Registry: all of fleet's etcd I/O (docs/fleet.md "Registry keys", "Registry and
// engine"). Every key, value and write condition is the reference's (fleet registry/):
// content-addressed units created once, jobs as plain sets, the engine's target written
// create-only and deleted with prevValue, TTL'd presence (machines, job-state, unit
// states), the engine lease CAS'd on its modifiedIndex. Values come from registry_codec.h.
//
// Reads the engine and agents use are one recursive, sorted, quorum GET per subtree, so a
// round costs a handful of requests however many units there are; requests() counts every
// request sent (for logs and the benchmark).
//
// Errors are values: etcd answers the caller should branch on get their own kind (a
// duplicate machine ID, a lost lease, a compare that failed); everything else is kind
// etcd or transport with the client's error as cause. Bad values found while listing are
// skipped with a warning, never fatal.
//
// Borrows a KeysApi (and so its Client): one thread at a time; each call blocks for at
// most the Client's timeouts per request.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/etcdclient/keys_api.h"
#include "agents/etcdclient/result.h"
#include "agents/fleet/expected.h"
#include "agents/fleet/job_state.h"
#include "agents/fleet/registry_codec.h"
#include "agents/fleet/unit_file.h"

namespace corestack::fleet {

enum class RegistryErrorKind {
  not_found,           // the key (job, lease, machine object) does not exist (etcd 100)
  already_registered,  // register_machine: the machine ID has a live object (105)
  exists,              // schedule: the job already has a target (105)
  compare_failed,      // a CAS / compare-and-delete condition did not hold (101)
  lease_lost,          // renew/steal/release: the lease changed hands or expired
  invalid,             // a refused value (e.g. an unpublishable unit state), a bad lease steal
  decode,              // a value read back does not parse
  etcd,                // any other etcd answer
  transport,           // no endpoint answered, or the call timed out
};

struct RegistryError {
  RegistryErrorKind kind = RegistryErrorKind::etcd;
  std::string message;        // for logs, e.g. "105: Key already exists (/...) [12]"
  etcd::client::Error cause;  // the client's error, when there was one
};

template <typename T>
using RegistryResult = Expected<T, RegistryError>;

// One job as get_jobs() reads it from job/<name>/.
struct RegistryJob {
  std::string name;
  UnitHash unit_hash;                          // object.UnitHash
  JobState target_state = JobState::inactive;  // an invalid value reads as inactive (fleet)
  std::optional<std::string> target;           // job/<name>/target: the machine it is placed on
  std::string job_state;                       // job/<name>/job-state: machine ID, or ""
  std::optional<std::string> unschedulable;    // job/<name>/unschedulable (corestack addition)
  int64_t unschedulable_ttl_s = 0;             // its remaining TTL
};

// One states/<name>/<machine> entry.
struct UnitStateEntry {
  std::string name;
  std::string machine_id;  // from the key
  UnitStateRecord record;
};

// A live machine: its object plus the effective metadata (object.Metadata overlaid with
// machines/<id>/metadata/).
struct MachineRecord {
  MachineState state;
  std::map<std::string, std::string> metadata;
};

// lease/engine-leader as read or written: holder, version, the modifiedIndex every CAS
// compares against, and the seconds left on its TTL when read.
struct EngineLease {
  std::string machine_id;
  int version = 0;
  uint64_t index = 0;
  int64_t ttl_s = 0;
};

class Registry {
 public:
  // `prefix`: etcd_key_prefix (default /_coreos.com/fleet/).
  explicit Registry(etcd::client::KeysApi& keys, std::string_view prefix = kDefaultKeyPrefix);

  const KeySchema& keys() const { return schema_; }
  // Requests sent so far (every KeysApi call counts one).
  uint64_t requests() const { return requests_; }
  // The highest X-Etcd-Index any answer carried (errors included): everything up to it
  // happened before this registry's last call returned.
  uint64_t last_index() const { return last_index_; }

  // ---- units: unit/<sha1> ----
  // Creates unit/<hash> = {"Raw": canonical form}, create-only; an existing one is fine.
  RegistryResult<UnitHash> create_unit(const UnitFile& unit);
  // One recursive quorum GET of unit/. Values that do not parse, or whose canonical hash
  // differs from their key, are skipped with a warning. No unit/ yet = empty.
  RegistryResult<std::map<UnitHash, UnitFile>> get_units();
  // One unit; nullopt when absent.
  RegistryResult<std::optional<UnitFile>> get_unit(const UnitHash& hash);

  // ---- jobs: job/<name>/ ----
  // Plain sets of object (--replace overwrites) then target-state.
  RegistryResult<void> create_job(std::string_view name, const UnitHash& hash, JobState desired);
  RegistryResult<void> set_target_state(std::string_view name, JobState desired);
  // Recursive delete of job/<name> (not_found when it was not there), then every unit
  // state of the job (states/<name>/, state/<name>; absent is fine).
  RegistryResult<void> destroy_job(std::string_view name);
  // One recursive sorted quorum GET of job/, name order. Directories without a readable
  // object are skipped (with a warning when the object is bad). `etcd_index` (optional)
  // receives the X-Etcd-Index of the read.
  RegistryResult<std::vector<RegistryJob>> get_jobs(uint64_t* etcd_index = nullptr);
  // job/<name>/target = machine, create-only: exists when the job already has a target.
  RegistryResult<void> schedule(std::string_view name, std::string_view machine_id);
  // Deletes job/<name>/target only while it still names `machine_id`: compare_failed
  // (another machine) or not_found otherwise.
  RegistryResult<void> unschedule(std::string_view name, std::string_view machine_id);
  // job/<name>/job-state = machine with TTL (the agent's heartbeat for a launched unit).
  RegistryResult<void> set_job_state_heartbeat(std::string_view name, std::string_view machine_id,
                                               std::chrono::seconds ttl);
  // Deletes job/<name>/job-state; absent is fine.
  RegistryResult<void> clear_job_state(std::string_view name);
  // job/<name>/unschedulable = text with TTL (so a reason dies with the engine that wrote
  // it). refresh: only reset the TTL of the existing value (watchers are not woken).
  RegistryResult<void> set_unschedulable_reason(std::string_view name, std::string_view text,
                                                std::chrono::seconds ttl);
  RegistryResult<void> refresh_unschedulable_reason(std::string_view name,
                                                    std::chrono::seconds ttl);
  // Deletes it; absent is fine.
  RegistryResult<void> clear_unschedulable_reason(std::string_view name);

  // ---- unit states: states/<name>/<machine>, state/<name> ----
  // Writes both with TTL. invalid (nothing written) without a unit hash or machine ID.
  RegistryResult<void> publish_unit_state(std::string_view name, std::string_view machine_id,
                                          const UnitStateRecord& state, std::chrono::seconds ttl);
  // Deletes states/<name>/<machine> and the legacy state/<name>; absent is fine.
  RegistryResult<void> remove_unit_state(std::string_view name, std::string_view machine_id);
  // Deletes states/<name>/<machine> only (a dead machine's record; the legacy state/<name>
  // may be another machine's by now); absent is fine.
  RegistryResult<void> remove_stale_unit_state(std::string_view name, std::string_view machine_id);
  // Deletes states/<name>/ (every machine) and state/<name>; absent is fine.
  RegistryResult<void> remove_unit_states(std::string_view name);
  // One recursive sorted GET of states/: (name, machine) order; bad values skipped.
  RegistryResult<std::vector<UnitStateEntry>> get_unit_states();

  // ---- machines: machines/<id>/ ----
  // Create-only machines/<id>/object with TTL: already_registered when a live object has
  // this ID (another host with the same machine ID, or our own previous run's).
  RegistryResult<void> register_machine(const MachineState& machine, std::chrono::seconds ttl);
  // Update (prevExist=true) with TTL, or create when it expired meanwhile.
  RegistryResult<void> refresh_machine(const MachineState& machine, std::chrono::seconds ttl);
  // Deletes machines/<id>/object (metadata/ stays); absent is fine.
  RegistryResult<void> remove_machine(std::string_view machine_id);
  // One recursive sorted quorum GET of machines/: machines with an object, ID order.
  // `etcd_index` (optional) receives the X-Etcd-Index of the read.
  RegistryResult<std::vector<MachineRecord>> get_machines(uint64_t* etcd_index = nullptr);
  // machines/<id>/metadata/<key> (the API's PATCH; works for unknown machines too).
  RegistryResult<void> set_machine_metadata(std::string_view machine_id, std::string_view key,
                                            std::string_view value);
  RegistryResult<void> delete_machine_metadata(std::string_view machine_id, std::string_view key);

  // ---- engine: lease/engine-leader, engine/version ----
  // Create-only: nullopt when someone holds it.
  RegistryResult<std::optional<EngineLease>> acquire_lease(std::string_view machine_id, int version,
                                                           std::chrono::seconds ttl);
  // CAS on lease.index with a fresh TTL: lease_lost when it changed or expired.
  RegistryResult<EngineLease> renew_lease(const EngineLease& lease, std::chrono::seconds ttl);
  // Takes `held` (as read by get_lease) over for (machine_id, version), only when
  // held.version < version (else invalid); TTL = ttl + held.ttl_s, CAS on held.index
  // (lease_lost when it moved). The caller must not act for held.ttl_s seconds: the old
  // holder may still be mid-round.
  RegistryResult<EngineLease> steal_lease(const EngineLease& held, std::string_view machine_id,
                                          int version, std::chrono::seconds ttl);
  // Delete with prevIndex: lease_lost when it changed hands or expired.
  RegistryResult<void> release_lease(const EngineLease& lease);
  RegistryResult<std::optional<EngineLease>> get_lease();
  // engine/version; nullopt when never written.
  RegistryResult<std::optional<int>> engine_version();
  // CAS from -> to (prevValue), or create when there is none: compare_failed when
  // another engine changed it first.
  RegistryResult<void> set_engine_version(std::optional<int> from, int to);

 private:
  using Response = etcd::client::Response;

  // Counts the request and notes the answer's index.
  etcd::client::Result<Response> seen(etcd::client::Result<Response> answer);
  etcd::client::Result<Response> get(const std::string& key, bool quorum);
  etcd::client::Result<Response> put(const std::string& key, std::string_view value,
                                     const etcd::client::SetOptions& options);
  etcd::client::Result<Response> remove(const std::string& key,
                                        const etcd::client::DeleteOptions& options);
  // remove() where a missing key is fine.
  RegistryResult<void> remove_if_present(const std::string& key,
                                         const etcd::client::DeleteOptions& options);

  etcd::client::KeysApi& etcd_;
  KeySchema schema_;
  uint64_t requests_ = 0;
  uint64_t last_index_ = 0;
};

// An etcd error as a RegistryError (100 -> not_found, 101 -> compare_failed, transport
// and timeout -> transport, other -> etcd).
RegistryError registry_error(const etcd::client::Error& error);

}  // namespace corestack::fleet
