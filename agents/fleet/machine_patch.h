// The body of PATCH /fleet/v1/machines (docs/fleet.md "HTTP API"; fleet api/machines.go): a
// JSON list of {"op": "add"|"remove"|"replace", "path": "/<machineID>/metadata/<key>",
// "value": "<string>"}, turned into the metadata writes the registry performs
// (machines/<id>/metadata/<key>; a removal is the empty value). Every operation is checked
// before any is applied; the first problem is the 400's message, with fleet's texts:
//   invalid op: expect add, remove, or replace
//   machine metadata path invalid              (key must match [A-Za-z0-9_.-]+)
//   invalid value: add and replace require a value   (an empty string counts as missing)
// Decoding follows json.Unmarshal into fleet's struct: field names case-insensitive, unknown
// fields ignored, null = zero value, a wrong type is an error (`json: cannot unmarshal number
// into Go struct field machineMetadataOp.Value of type string`). A machine need not exist.
//
// Pure; no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/expected.h"

namespace corestack::fleet {

struct MetadataChange {
  std::string machine_id;
  std::string key;
  std::optional<std::string> value;  // nullopt: remove the key

  bool operator==(const MetadataChange&) const = default;
};

// The changes in request order, or the 400 message.
Expected<std::vector<MetadataChange>, std::string> parse_machine_patch(std::string_view body);

// `/<machineID>/metadata/<key>` -> {machineID, key}; nullopt when it does not match fleet's
// ^/([^/]+)/metadata/([A-Za-z0-9_.-]+)$.
std::optional<std::pair<std::string, std::string>> parse_metadata_path(std::string_view path);

}  // namespace corestack::fleet
