// The #cloud-config schema as coreos-cloudinit's Go structs define it (reference
// cloudinit.md §2): every key with its type, the environment variable it becomes (for the
// etcd, etcd2, fleet, flannel and locksmith sections, in struct declaration order, which is
// the order of the Environment= lines), the regex its raw value must match and why it is
// deprecated. The decoder and the validator both read these tables.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace corestack::cloudinit {

enum class Kind { String, Bool, Int, Float, Struct, StringList, StructList };

// Go's name for the kind, as the validator prints it: string, bool, int, float64, struct,
// []string, []struct.
std::string_view kind_name(Kind kind);

struct Schema;

struct Field {
  std::string_view key;  // normalised (`_`)
  Kind kind = Kind::String;
  std::string_view env = {};    // environment variable (env sections only)
  std::string_view valid = {};  // ECMAScript regex the raw scalar must match
  std::string_view deprecated = {};
  const Schema* child = nullptr;  // Struct and StructList
  bool urls = false;              // a comma-separated list of http(s) URLs with a host
};

struct Schema {
  std::string_view name;
  std::span<const Field> fields;
  const Field* find(std::string_view key) const;
};

const Schema& root_schema();
const Schema& coreos_schema();
const Schema& etcd_schema();  // legacy etcd 0.4 (etcd.service)
const Schema& etcd2_schema();
const Schema& fleet_schema();
const Schema& flannel_schema();
const Schema& locksmith_schema();
const Schema& update_schema();
const Schema& oem_schema();
const Schema& unit_schema();
const Schema& drop_in_schema();
const Schema& write_file_schema();
const Schema& user_schema();

}  // namespace corestack::cloudinit
