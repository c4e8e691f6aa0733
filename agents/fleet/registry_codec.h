// fleet's etcd v2 keyspace (docs/fleet.md "Registry keys"): the key schema under the
// prefix (default /_coreos.com/fleet/) and every value stored there, byte-compatible with
// Go's encoding/json of fleet's structs (field order as declared, map keys sorted, strings
// escaped as Go does, HTML-safe).
//
// Decoding follows json.Unmarshal: unknown fields are ignored, field names match
// case-insensitively, a missing or null field keeps its zero value; a field of the wrong
// type is an error.
//
// Pure: strings in, strings out. The etcd options each value is written with (create-only,
// prevIndex, TTL) belong to the registry layer; docs/fleet.md lists them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "agents/fleet/expected.h"
#include "agents/fleet/sha1.h"

namespace corestack::fleet {

constexpr std::string_view kDefaultKeyPrefix = "/_coreos.com/fleet/";

// Keys as fleet builds them with path.Join(prefix, ...): no trailing slash, one '/' between
// parts. Names and IDs are used as given (validate them first).
class KeySchema {
 public:
  explicit KeySchema(std::string_view prefix = kDefaultKeyPrefix);

  // The prefix without its trailing '/', e.g. "/_coreos.com/fleet".
  const std::string& root() const { return root_; }

  std::string units_dir() const;                              // unit
  std::string unit(const UnitHash& hash) const;               // unit/<sha1hex>
  std::string jobs_dir() const;                               // job
  std::string job_dir(std::string_view name) const;           // job/<name>
  std::string job_object(std::string_view name) const;        // job/<name>/object
  std::string job_target_state(std::string_view name) const;  // job/<name>/target-state
  std::string job_target(std::string_view name) const;        // job/<name>/target
  std::string job_state(std::string_view name) const;         // job/<name>/job-state
  std::string states_dir() const;                             // states
  std::string unit_states_dir(std::string_view name) const;   // states/<name>
  std::string unit_state(std::string_view name, std::string_view machine_id) const;
  std::string legacy_unit_state(std::string_view name) const;  // state/<name>
  std::string machines_dir() const;                            // machines
  std::string machine_object(std::string_view machine_id) const;
  std::string machine_metadata_dir(std::string_view machine_id) const;
  std::string machine_metadata(std::string_view machine_id, std::string_view key) const;
  std::string engine_leader_lease() const;  // lease/engine-leader
  std::string engine_version() const;       // engine/version

 private:
  std::string join(std::initializer_list<std::string_view> parts) const;

  std::string root_;
};

// The last element of a key (Go's path.Base): "/a/b/c" -> "c".
std::string_view key_base(std::string_view key);

// unit/<hash>: {"Raw":"<canonical unit file>"}.
std::string encode_unit_model(std::string_view raw);
// The Raw text; errors when the value is not such an object.
Expected<std::string, std::string> decode_unit_model(std::string_view json);

// job/<name>/object: {"Name":"foo.service","UnitHash":[20 numbers]}.
struct JobObject {
  std::string name;
  UnitHash unit_hash;

  bool operator==(const JobObject&) const = default;
};
std::string encode_job_object(const JobObject& job);
// A UnitHash array shorter than 20 leaves the rest zero, a longer one is cut (Go arrays).
Expected<JobObject, std::string> decode_job_object(std::string_view json);

// machines/<id>/object: Go's machine.MachineState. A null map is JSON null.
struct MachineState {
  std::string id;
  std::string public_ip;
  std::optional<std::map<std::string, std::string>> metadata;
  std::optional<std::map<std::string, bool>> capabilities;  // DISABLE_ENGINE, GRPC
  std::string version;

  bool operator==(const MachineState&) const = default;
};
std::string encode_machine_state(const MachineState& machine);
Expected<MachineState, std::string> decode_machine_state(std::string_view json);

// states/<name>/<machine> (and the legacy state/<name>): lowercase tags, machineState is
// null when no machine ID is known; only machineState.ID is meaningful when read back.
struct UnitStateRecord {
  std::string load_state;
  std::string active_state;
  std::string sub_state;
  std::optional<MachineState> machine_state;
  std::string unit_hash;  // 40 hex characters

  bool operator==(const UnitStateRecord&) const = default;
};
// The record an agent publishes (machineState carries only the ID; none when it is empty).
UnitStateRecord make_unit_state(std::string_view load_state, std::string_view active_state,
                                std::string_view sub_state, std::string_view machine_id,
                                std::string_view unit_hash);
std::string encode_unit_state(const UnitStateRecord& state);
Expected<UnitStateRecord, std::string> decode_unit_state(std::string_view json);
// fleet refuses to publish a state without a unit hash or machine ID.
Expected<void, std::string> check_publishable(const UnitStateRecord& state);

// lease/engine-leader: {"MachineID":"…","Version":1}.
struct LeaseRecord {
  std::string machine_id;
  int version = 0;

  bool operator==(const LeaseRecord&) const = default;
};
std::string encode_lease(const LeaseRecord& lease);
// Never fails: a value that is not a lease object is a pre-versioning lease whose whole
// value is the holder's machine ID, version 0 (fleet's leaseFromResult).
LeaseRecord decode_lease(std::string_view value);

// engine/version: a bare decimal int.
std::string encode_engine_version(int version);
Expected<int, std::string> decode_engine_version(std::string_view value);

// The machine's effective metadata: its object's map overlaid with the
// machines/<id>/metadata/ values; an empty dynamic value deletes the key.
std::map<std::string, std::string> effective_metadata(
    const std::optional<std::map<std::string, std::string>>& object_metadata,
    const std::map<std::string, std::string>& dynamic_metadata);

}  // namespace corestack::fleet
