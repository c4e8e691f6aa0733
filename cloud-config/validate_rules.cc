#include "cloud-config/validate_rules.h"

#include <arpa/inet.h>

#include <regex>
#include <set>
#include <sstream>

#include "cloud-config/bounded_regex.h"
#include "cloud-config/codec.h"
#include "cloud-config/scalar.h"
#include "cloud-config/schema.h"
#include "cloud-config/yaml_doc.h"

namespace corestack::cloudinit {
namespace {

// A scalar with a non-empty value, else nothing.
const YAML::Node* text_node(const YAML::Node& n) {
  if (!n.IsDefined() || !n.IsScalar() || resolve_scalar(n) == ScalarType::Null) return nullptr;
  return &n;
}

bool has_text(const YAML::Node& map, const std::string& key) {
  return text_node(map_get(map, key)) != nullptr;
}

bool valid_ip(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool valid_url(const std::string& url) {
  static const std::regex kHttp{
      R"(^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-]+)(:[0-9]{1,5})?(/[^\s]*)?$)"};
  static const std::regex kUnix{R"(^unix://[^\s]+$)"};
  return bounded_match(url, kHttp) || bounded_match(url, kUnix);
}

void check_write_file(const YAML::Node& f, Report& report) {
  const YAML::Node path = map_get(f, "path");
  if (!text_node(path)) {
    report.error(line_of(f), "missing required key \"path\"");
  } else if (path.Scalar()[0] != '/' || path.Scalar().find("/../") != std::string::npos ||
             path.Scalar().ends_with("/..")) {
    report.error(line_of(path), "invalid value " + shown(path.Scalar()));
  } else if (path.Scalar() == "/usr" || path.Scalar().rfind("/usr/", 0) == 0) {
    report.error(line_of(path), "file cannot be written to a read-only filesystem");
  }
  const YAML::Node encoding = map_get(f, "encoding");
  const YAML::Node content = map_get(f, "content");
  if (!content.IsDefined() || !content.IsScalar()) return;
  std::string enc = text_node(encoding) ? encoding.Scalar() : "";
  std::string data = content.Scalar();
  if (content.Tag() == "tag:yaml.org,2002:binary") {
    auto raw = base64_decode(data);
    if (!raw) {
      report.error(line_of(content), "content cannot be decoded as \"!!binary\"");
      return;
    }
    data = *raw;
    if (enc == "b64" || enc == "base64") enc.clear();  // already decoded by the tag
  }
  static const std::set<std::string> kKnown = {
      "", "base64", "b64", "gz", "gzip", "gz+base64", "gz+b64", "gzip+base64", "gzip+b64"};
  if (kKnown.count(enc) == 0) return;  // the schema reported the encoding
  if (!decode_content(enc, data))
    report.error(line_of(content), "content cannot be decoded as \"" + enc + "\"");
}

void check_unit(const YAML::Node& u, Report& report) {
  const YAML::Node name = map_get(u, "name");
  if (!text_node(name)) {
    report.error(line_of(u), "missing required key \"name\"");
  } else if (!valid_unit_name(name.Scalar())) {
    report.error(line_of(name), "invalid value " + shown(name.Scalar()));
  }
  const YAML::Node drop_ins = map_get(u, "drop_ins");
  if (!drop_ins.IsDefined() || !drop_ins.IsSequence()) return;
  for (const auto& d : drop_ins) {
    if (!d.IsMap()) continue;
    const YAML::Node dname = map_get(d, "name");
    if (!text_node(dname)) {
      report.error(line_of(d), "missing required key \"name\"");
    } else if (dname.Scalar().size() < 6 || !dname.Scalar().ends_with(".conf") ||
               dname.Scalar().find('/') != std::string::npos) {
      report.error(line_of(dname), "invalid value " + shown(dname.Scalar()));
    }
    if (!has_text(d, "content")) report.error(line_of(d), "missing required key \"content\"");
  }
}

void check_urls(const YAML::Node& section, const Schema& schema, Report& report) {
  for (const auto& field : schema.fields) {
    const YAML::Node v = map_get(section, std::string(field.key));
    if (!text_node(v)) continue;
    const bool is_ip = field.key == "public_ip";
    if ((field.urls && !valid_url_list(v.Scalar())) || (is_ip && !valid_ip(v.Scalar())))
      report.error(line_of(v), "invalid value " + shown(v.Scalar()));
  }
}

void check_fleet_metadata(const YAML::Node& fleet, Report& report) {
  const YAML::Node v = map_get(fleet, "metadata");
  if (!text_node(v)) return;
  static const std::regex kPairs{R"(^[^=,\s]+=[^=,]*(,[^=,\s]+=[^=,]*)*$)"};
  if (!bounded_match(v.Scalar(), kPairs, 4 * kMaxMatchedLength))
    report.error(line_of(v), "invalid value " + shown(v.Scalar()));
}

void check_etcd2(const YAML::Node& etcd2, Report& report) {
  const YAML::Node listen = map_get(etcd2, "listen_client_urls");
  const YAML::Node proxy = map_get(etcd2, "proxy");
  const bool proxying = text_node(proxy) && proxy.Scalar() != "off";
  if (text_node(listen) && !has_text(etcd2, "advertise_client_urls") && !proxying)
    report.error(line_of(listen),
                 "advertise_client_urls is required when listen_client_urls is set");
}

void check_legacy_etcd(const YAML::Node& etcd, Report& report) {
  const YAML::Node discovery = map_get(etcd, "discovery");
  if (text_node(discovery) && !valid_url(discovery.Scalar()))
    report.warning(line_of(discovery), "discovery URL is not valid");
}

void check_coreos(const YAML::Node& coreos, Report& report) {
  if (!coreos.IsMap()) return;
  const YAML::Node etcd2 = map_get(coreos, "etcd2");
  if (etcd2.IsMap()) {
    check_urls(etcd2, etcd2_schema(), report);
    check_etcd2(etcd2, report);
  }
  if (const YAML::Node etcd = map_get(coreos, "etcd"); etcd.IsMap())
    check_legacy_etcd(etcd, report);
  if (const YAML::Node fleet = map_get(coreos, "fleet"); fleet.IsMap()) {
    check_urls(fleet, fleet_schema(), report);
    check_fleet_metadata(fleet, report);
  }
  if (const YAML::Node f = map_get(coreos, "flannel"); f.IsMap())
    check_urls(f, flannel_schema(), report);
  if (const YAML::Node l = map_get(coreos, "locksmith"); l.IsMap())
    check_urls(l, locksmith_schema(), report);
  if (const YAML::Node u = map_get(coreos, "update"); u.IsMap())
    check_urls(u, update_schema(), report);
  if (const YAML::Node units = map_get(coreos, "units"); units.IsSequence()) {
    for (const auto& unit : units)
      if (unit.IsMap()) check_unit(unit, report);
  }
}

}  // namespace

bool valid_unit_name(const std::string& name) {
  static const std::regex kName{
      R"(^[A-Za-z0-9:_.@\-]+\.(service|socket|device|mount|automount|swap|target|path|timer|slice|scope|network|netdev|link)$)"};
  return name.size() <= 255 && bounded_match(name, kName) && name[0] != '.';
}

bool valid_url_list(const std::string& text) {
  std::stringstream in(text);
  std::string item;
  int count = 0;
  while (std::getline(in, item, ',')) {
    if (!valid_url(item)) return false;
    ++count;
  }
  return count > 0 && text.back() != ',';
}

void validate_rules(const YAML::Node& root, Report& report) {
  if (!root.IsMap()) return;
  check_coreos(map_get(root, "coreos"), report);
  if (const YAML::Node files = map_get(root, "write_files"); files.IsSequence()) {
    for (const auto& f : files)
      if (f.IsMap()) check_write_file(f, report);
  }
  if (const YAML::Node users = map_get(root, "users"); users.IsSequence()) {
    for (const auto& u : users)
      if (u.IsMap() && !has_text(u, "name"))
        report.error(line_of(u), "missing required key \"name\"");
  }
}

}  // namespace corestack::cloudinit
