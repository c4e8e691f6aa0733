// The host's machine ID (machine-id(5)), which the agents use as their identity in etcd
// (locksmith's lock holder, fleet's machine). No state; any thread.
#pragma once

#include <string>

namespace corestack::systemd {

// The contents of `path` with surrounding whitespace trimmed. Throws std::runtime_error
// "Cannot read machine-id" when the file is unreadable or blank (locksmith's text), and
// "Invalid machine-id in <path>: ..." when it is not 32 lowercase hex digits.
std::string read_machine_id(const std::string& path = "/etc/machine-id");

}  // namespace corestack::systemd
