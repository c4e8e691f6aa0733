// Value checks beyond the schema's regexes: write_files (path, read-only /usr, decodable
// content), units (names, drop-ins), URLs and addresses in the env sections, users' names,
// etcd2's listen/advertise pairing. The messages keep the reference's classes (`invalid
// value <v>` errors and friends); which ones the reference lacks is in docs/cloud-config.md.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "cloud-config/report.h"

namespace corestack::cloudinit {

void validate_rules(const YAML::Node& root, Report& report);

// A systemd unit name cloudinit can write and act on: [A-Za-z0-9:_.@\-]+ with a known type
// suffix, at most 255 bytes.
bool valid_unit_name(const std::string& name);

// A comma-separated list of http(s)/unix URLs, each with a host (or a path for unix).
bool valid_url_list(const std::string& text);

}  // namespace corestack::cloudinit
