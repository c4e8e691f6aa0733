// What kind of user-data a blob is, decided on its first line as coreos-cloudinit does
// (reference cloudinit.md §1): `#cloud-config` (trailing whitespace trimmed), a `#!`
// script, an Ignition JSON config (skipped), empty, or unrecognised.
#pragma once

#include <string>
#include <string_view>

namespace corestack::cloudinit {

enum class Format { Empty, CloudConfig, Script, Ignition, Unknown };

Format detect_format(std::string_view user_data);
std::string_view format_name(Format format);

}  // namespace corestack::cloudinit
