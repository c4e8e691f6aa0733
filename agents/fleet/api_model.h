// fleet's HTTP API v1 entities (docs/fleet.md "HTTP API"; fleet schema/v1-gen.go,
// schema/mapper.go, api/units.go, api/serialization.go, registry/job_state.go), the
// decision behind PUT /units/<name>, and how a unit's current state is derived.
//
// JSON is byte-compatible with fleet's json.Marshal of its generated schema: every field is
// `omitempty` and the generator declared them alphabetically, so a Unit is
// {"currentState","desiredState","machineID","name","options":[{"name","section","value"}]};
// empty strings, lists and maps are left out; strings escaped as Go does. An error body is
// {"error":{"code":N,"message":"..."}} (both always present). Decoding follows json.Unmarshal
// (case-insensitive names, unknown fields ignored, null = zero, wrong type = error).
//
// Pure; no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/expected.h"
#include "agents/fleet/job_state.h"
#include "agents/fleet/page_token.h"
#include "agents/fleet/sha1.h"
#include "agents/fleet/unit_file.h"

namespace corestack::fleet {

// schema.Unit. States are the bare strings ("" = not known / not sent).
struct ApiUnit {
  std::string name;
  std::vector<UnitOption> options;
  std::string desired_state;
  std::string current_state;
  std::string machine_id;
  // corestack addition, "unschedulableReason" (omitted when empty): why the engine cannot
  // place the unit (job/<name>/unschedulable). Clients that do not know it ignore it.
  std::string unschedulable_reason;

  bool operator==(const ApiUnit&) const = default;
};

// schema.UnitState: one row of GET /state.
struct ApiUnitState {
  std::string name;
  std::string hash;  // 40 hex characters
  std::string machine_id;
  std::string systemd_load_state;
  std::string systemd_active_state;
  std::string systemd_sub_state;

  bool operator==(const ApiUnitState&) const = default;
};

// schema.Machine.
struct ApiMachine {
  std::string id;
  std::string primary_ip;
  std::map<std::string, std::string> metadata;

  bool operator==(const ApiMachine&) const = default;
};

std::string encode_unit(const ApiUnit& unit);
std::string encode_unit_state(const ApiUnitState& state);
std::string encode_machine(const ApiMachine& machine);
// {"nextPageToken":"…","units":[…]} (token first: alphabetical), each part left out when empty.
std::string encode_unit_page(const std::vector<ApiUnit>& units, std::string_view next_page_token);
// {"nextPageToken":"…","states":[…]}.
std::string encode_unit_state_page(const std::vector<ApiUnitState>& states,
                                   std::string_view next_page_token);
// {"machines":[…],"nextPageToken":"…"}.
std::string encode_machine_page(const std::vector<ApiMachine>& machines,
                                std::string_view next_page_token);
// {"error":{"code":404,"message":"unit does not exist"}}.
std::string encode_error(int code, std::string_view message);

// Decoders (fleetctl reads the API with them; fleetd reads PUT bodies). Errors are Go-like
// messages, e.g. `json: cannot unmarshal number into Go struct field Unit.name of type string`.
Expected<ApiUnit, std::string> decode_unit(std::string_view json);
struct UnitPage {
  std::vector<ApiUnit> units;
  std::string next_page_token;
};
Expected<UnitPage, std::string> decode_unit_page(std::string_view json);
struct UnitStatePage {
  std::vector<ApiUnitState> states;
  std::string next_page_token;
};
Expected<UnitStatePage, std::string> decode_unit_state_page(std::string_view json);
struct MachinePage {
  std::vector<ApiMachine> machines;
  std::string next_page_token;
};
Expected<MachinePage, std::string> decode_machine_page(std::string_view json);
// ---- GET lists ----

// The JSON of the page `token` selects from the whole list (fleet sorts units by name and
// states by name, then machine; machines come in the registry's order), with nextPageToken
// when the page is full (page_range).
std::string encode_unit_list(const std::vector<ApiUnit>& all, const PageToken& token);
std::string encode_unit_state_list(const std::vector<ApiUnitState>& all, const PageToken& token);
std::string encode_machine_list(const std::vector<ApiMachine>& all, const PageToken& token);

// GET /state?machineID=&unitName=: the states matching both filters ("" matches any),
// sorted by unit name, then machine ID.
std::vector<ApiUnitState> select_unit_states(std::vector<ApiUnitState> all,
                                             std::string_view machine_id,
                                             std::string_view unit_name);

// error.message of an error body; nullopt when the body is not one.
std::optional<std::string> decode_error_message(std::string_view json);

// A unit's options as a UnitFile (mapper.MapSchemaUnitOptionsToUnitFile) and back.
UnitFile unit_file_of(const ApiUnit& unit);
std::vector<UnitOption> options_of(const UnitFile& file);

// registry/job_state.go: `inactive` without a target or without a unit state published by
// the target machine; `loaded` with one; `launched` when also job/<name>/job-state holds the
// target machine's ID.
JobState derive_current_state(const std::optional<std::string>& target, bool target_published_state,
                              const std::optional<std::string>& job_state_machine);

// ---- PUT /fleet/v1/units/<name> ----

// What the registry already holds for the unit, if anything.
struct ExistingJob {
  UnitHash hash;  // of its unit file
  JobState desired = JobState::inactive;
};

enum class PutUnitAction {
  create,             // store the unit file, write job/<name>/object and target-state (201)
  set_desired_state,  // write job/<name>/target-state (204)
  reject,             // send error_message with status
};

struct PutUnitDecision {
  int status = 400;  // 201, 204, 400 or 409
  PutUnitAction action = PutUnitAction::reject;
  std::string name;                             // the unit's name (from the URL)
  UnitFile unit;                                // create: the unit file to store
  JobState desired_state = JobState::inactive;  // create / set_desired_state
  std::string error_message;                    // reject

  bool operator==(const PutUnitDecision&) const = default;
};

// The decision for PUT /units/<url_name> with `body` (the raw request body), given the job
// the registry has under that name. In order:
//   400 "unable to decode body: …"; 400 `name in URL "a" differs from unit name in request
//   body "b"` (an empty body name takes the URL's); 400 validate_unit_name's message;
//   no job: options empty -> 409 "unit does not exist and options field empty"; check_unit
//     fails -> 400 with its message; else create (201);
//   job exists and options given with another hash -> create again, replacing it (201);
//   desiredState missing -> 409 "must provide DesiredState to update existing unit";
//   desiredState not a job state -> 400 `invalid desiredState "x"` (fleet stored it as is);
//   a template going to loaded/launched -> 400 `cannot activate template "foo@.service"`;
//   else set_desired_state (204).
// A create takes the body's desiredState (inactive when absent), checked the same way.
PutUnitDecision decide_put_unit(std::string_view url_name, std::string_view body,
                                const std::optional<ExistingJob>& existing);

}  // namespace corestack::fleet
