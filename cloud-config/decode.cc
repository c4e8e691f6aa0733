#include "cloud-config/decode.h"

#include "cloud-config/scalar.h"
#include "cloud-config/yaml_doc.h"

namespace corestack::cloudinit {
namespace {

bool is_scalar(const YAML::Node& n) {
  return n.IsDefined() && n.IsScalar();
}

std::string get_string(const YAML::Node& map, const std::string& key) {
  YAML::Node v = map_get(map, key);
  if (!is_scalar(v) || resolve_scalar(v) == ScalarType::Null) return {};
  return v.Scalar();
}

bool get_bool(const YAML::Node& map, const std::string& key) {
  YAML::Node v = map_get(map, key);
  if (!is_scalar(v) || resolve_scalar(v) != ScalarType::Bool) return false;
  return parse_yaml_bool(v.Scalar()).value_or(false);
}

std::vector<std::string> get_strings(const YAML::Node& map, const std::string& key) {
  std::vector<std::string> out;
  YAML::Node v = map_get(map, key);
  if (!v.IsDefined() || !v.IsSequence()) return out;
  for (const auto& item : v)
    if (is_scalar(item)) out.push_back(item.Scalar());
  return out;
}

// Go's %v of the typed value; "" for a zero value or a value of the wrong type.
std::string format_value(const YAML::Node& v, Kind kind) {
  if (!is_scalar(v)) return {};
  const ScalarType type = resolve_scalar(v);
  if (type == ScalarType::Null) return {};
  switch (kind) {
    case Kind::String:
      return v.Scalar();
    case Kind::Bool:
      return type == ScalarType::Bool && *parse_yaml_bool(v.Scalar()) ? "true" : "";
    case Kind::Int: {
      if (type != ScalarType::Int) return {};
      const int64_t n = *parse_yaml_int(v.Scalar());
      return n == 0 ? "" : std::to_string(n);
    }
    case Kind::Float: {
      double d = 0;
      if (type == ScalarType::Int)
        d = static_cast<double>(*parse_yaml_int(v.Scalar()));
      else if (type == ScalarType::Float)
        d = *parse_yaml_float(v.Scalar());
      return d == 0 ? "" : format_float(d);
    }
    default:
      return {};
  }
}

Unit decode_unit(const YAML::Node& n) {
  Unit u;
  u.name = get_string(n, "name");
  u.runtime = get_bool(n, "runtime");
  u.enable = get_bool(n, "enable");
  u.mask = get_bool(n, "mask");
  u.content = get_string(n, "content");
  u.command = get_string(n, "command");
  u.line = line_of(n);
  YAML::Node drop_ins = map_get(n, "drop_ins");
  if (drop_ins.IsDefined() && drop_ins.IsSequence()) {
    for (const auto& d : drop_ins)
      if (d.IsMap()) u.drop_ins.push_back({get_string(d, "name"), get_string(d, "content")});
  }
  return u;
}

WriteFile decode_write_file(const YAML::Node& n) {
  WriteFile f;
  f.path = get_string(n, "path");
  f.content = get_string(n, "content");
  f.encoding = get_string(n, "encoding");
  f.permissions = get_string(n, "permissions");
  f.owner = get_string(n, "owner");
  YAML::Node content = map_get(n, "content");
  f.binary = content.IsDefined() && content.Tag() == "tag:yaml.org,2002:binary";
  f.line = line_of(n);
  return f;
}

User decode_user(const YAML::Node& n) {
  User u;
  u.name = get_string(n, "name");
  u.passwd = get_string(n, "passwd");
  u.ssh_authorized_keys = get_strings(n, "ssh_authorized_keys");
  u.gecos = get_string(n, "gecos");
  u.homedir = get_string(n, "homedir");
  u.no_create_home = get_bool(n, "no_create_home");
  u.primary_group = get_string(n, "primary_group");
  u.groups = get_strings(n, "groups");
  u.no_user_group = get_bool(n, "no_user_group");
  u.system = get_bool(n, "system");
  u.no_log_init = get_bool(n, "no_log_init");
  u.shell = get_string(n, "shell");
  u.line = line_of(n);
  return u;
}

template <class T, class F>
std::vector<T> decode_list(const YAML::Node& map, const std::string& key, F decode_one) {
  std::vector<T> out;
  YAML::Node list = map_get(map, key);
  if (!list.IsDefined() || !list.IsSequence()) return out;
  for (const auto& item : list)
    if (item.IsMap()) out.push_back(decode_one(item));
  return out;
}

Coreos decode_coreos(const YAML::Node& n) {
  Coreos c;
  if (!n.IsDefined() || !n.IsMap()) return c;
  c.etcd = decode_env_section(map_get(n, "etcd"), etcd_schema());
  c.etcd2 = decode_env_section(map_get(n, "etcd2"), etcd2_schema());
  c.fleet = decode_env_section(map_get(n, "fleet"), fleet_schema());
  c.flannel = decode_env_section(map_get(n, "flannel"), flannel_schema());
  c.locksmith = decode_env_section(map_get(n, "locksmith"), locksmith_schema());
  c.oem = decode_env_section(map_get(n, "oem"), oem_schema());
  YAML::Node update = map_get(n, "update");
  c.update.reboot_strategy = get_string(update, "reboot_strategy");
  c.update.group = get_string(update, "group");
  c.update.server = get_string(update, "server");
  c.units = decode_list<Unit>(n, "units", decode_unit);
  return c;
}

}  // namespace

std::vector<EnvVar> decode_env_section(const YAML::Node& section, const Schema& schema) {
  std::vector<EnvVar> out;
  if (!section.IsDefined() || !section.IsMap()) return out;
  for (const auto& field : schema.fields) {
    std::string value = format_value(map_get(section, std::string(field.key)), field.kind);
    if (!value.empty()) out.push_back({std::string(field.env), std::move(value)});
  }
  return out;
}

CloudConfig decode_config(const YAML::Node& root) {
  CloudConfig c;
  if (!root.IsDefined() || !root.IsMap()) return c;
  c.hostname = get_string(root, "hostname");
  c.ssh_authorized_keys = get_strings(root, "ssh_authorized_keys");
  c.manage_etc_hosts = get_string(root, "manage_etc_hosts");
  c.users = decode_list<User>(root, "users", decode_user);
  c.write_files = decode_list<WriteFile>(root, "write_files", decode_write_file);
  c.coreos = decode_coreos(map_get(root, "coreos"));
  return c;
}

}  // namespace corestack::cloudinit
