// $public_ipv4, $private_ipv4, $public_ipv6 and $private_ipv6 in the raw user-data,
// replaced before YAML parsing (reference cloudinit.md §1). Values come from the datasource's
// metadata, else from COREOS_PUBLIC_IPV4 & co. in the environment. `\$private_ipv4` is the
// literal text `$private_ipv4`. Unlike coreos-cloudinit, a variable without a value is an
// error (with its line) rather than an empty string that turns into `http://:2379`.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace corestack::cloudinit {

// Addresses a datasource knows (configdrive metadata); empty strings mean unknown.
struct Addresses {
  std::string public_ipv4;
  std::string private_ipv4;
  std::string public_ipv6;
  std::string private_ipv6;
};

struct UnknownVariable {
  int line = 0;
  std::string variable;  // e.g. "private_ipv4"
  std::string env;       // e.g. "COREOS_PRIVATE_IPV4"
};

struct Substituted {
  std::string text;
  std::vector<UnknownVariable> unknown;  // empty: every variable had a value
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The four variables' values: metadata first, then the environment.
std::map<std::string, std::string> variable_values(const Addresses& metadata, const EnvLookup& env);

// `values` maps "private_ipv4" & co. to their values; a missing or empty one is unknown and
// becomes "" or, with `placeholders` (the validator, so one missing address is one error
// and not also a bad URL), a documentation address: 192.0.2.1 or 2001:db8::1.
Substituted substitute(const std::string& text, const std::map<std::string, std::string>& values,
                       bool placeholders = false);

}  // namespace corestack::cloudinit
