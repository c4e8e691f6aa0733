#include "agents/flannel/lease_codec.h"

#include <cstdio>

#include <spdlog/spdlog.h>

#include "agents/flannel/go_json.h"

namespace corestack::flannel {
namespace {

using std::chrono::system_clock;

// Digits at text[at, at+count) as a number; nullopt when any is not a digit.
std::optional<int> digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// "YYYY-MM-DDTHH:MM:SS" → seconds since the epoch (UTC), checking separators and ranges.
std::optional<system_clock::time_point> parse_date_time(std::string_view text) {
  auto year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  auto hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':' || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  return system_clock::time_point(std::chrono::sys_days(date)) + std::chrono::hours(*hour) +
         std::chrono::minutes(*minute) + std::chrono::seconds(*second);
}

// ".123456789" at text[at...]: adds the fraction, returns the index after it.
size_t parse_fraction(std::string_view text, size_t at, system_clock::time_point& time) {
  if (at >= text.size() || text[at] != '.') return at;
  int64_t nanos = 0;
  int count = 0;
  for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++count) {
    if (count < 9) nanos = nanos * 10 + (text[at] - '0');
  }
  for (int i = count; i < 9; ++i)
    nanos *= 10;
  time += std::chrono::duration_cast<system_clock::duration>(std::chrono::nanoseconds(nanos));
  return at;
}

std::string basename(std::string_view key) {
  const auto slash = key.rfind('/');
  return std::string(slash == std::string_view::npos ? key : key.substr(slash + 1));
}

}  // namespace

std::string etcd_path(std::string_view prefix, std::string_view name) {
  std::string joined = std::string(prefix) + "/" + std::string(name);
  std::string out = "/";
  for (char c : joined) {
    if (c == '/' && out.back() == '/') continue;
    out += c;
  }
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string lease_key(std::string_view prefix, const Ip4Net& subnet) {
  return etcd_path(prefix, "subnets/" + subnet.to_key());
}

std::optional<Ip4Net> subnet_from_key(std::string_view key) {
  auto subnet = Ip4Net::parse_key(basename(key));
  if (!subnet || subnet->prefix > 31) return std::nullopt;  // Go: ParseUint(len, 10, 5)
  return subnet;
}

std::string encode_lease_attrs(const LeaseAttrs& attrs) {
  std::string out = "{\"PublicIP\":" + go_quote(attrs.public_ip.to_string());
  if (!attrs.backend_type.empty()) out += ",\"BackendType\":" + go_quote(attrs.backend_type);
  if (!attrs.backend_data.empty()) out += ",\"BackendData\":" + go_compact(attrs.backend_data);
  return out + "}";
}

Expected<LeaseAttrs, std::string> decode_lease_attrs(std::string_view json) {
  auto members = object_members(json);
  if (!members) return unexpected("lease is " + members.error());
  LeaseAttrs attrs;
  const JsonMember* ip = find_member(*members, "PublicIP");
  if (ip == nullptr || json_is_null(*ip)) return unexpected(std::string("PublicIP is missing"));
  auto ip_text = json_string(*ip, "PublicIP");
  auto parsed = ip_text ? Ip4::parse(*ip_text) : std::nullopt;
  if (!parsed) return unexpected("invalid PublicIP " + std::string(ip->raw));
  attrs.public_ip = *parsed;
  if (const JsonMember* type = find_member(*members, "BackendType");
      type != nullptr && !json_is_null(*type)) {
    auto text = json_string(*type, "BackendType");
    if (!text) return unexpected(text.error());
    attrs.backend_type = *text;
  }
  if (const JsonMember* data = find_member(*members, "BackendData");
      data != nullptr && !json_is_null(*data)) {
    attrs.backend_data = std::string(data->raw);
  }
  return attrs;
}

std::optional<system_clock::time_point> parse_rfc3339(std::string_view text) {
  auto time = parse_date_time(text);
  if (!time) return std::nullopt;
  size_t at = parse_fraction(text, 19, *time);
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z') && at + 1 == text.size()) {
    return time;
  }
  auto hours = digits(text, at + 1, 2), minutes = digits(text, at + 4, 2);
  if (at + 6 != text.size() || (text[at] != '+' && text[at] != '-') || text[at + 3] != ':' ||
      !hours || !minutes) {
    return std::nullopt;
  }
  const auto offset = std::chrono::hours(*hours) + std::chrono::minutes(*minutes);
  return text[at] == '+' ? *time - offset : *time + offset;
}

std::string format_rfc3339(system_clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss clock(seconds - day);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d", int(date.year()),
                unsigned(date.month()), unsigned(date.day()), int(clock.hours().count()),
                int(clock.minutes().count()), int(clock.seconds().count()));
  std::string out = buffer;
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(time - seconds).count();
  if (nanos > 0) {
    std::snprintf(buffer, sizeof buffer, ".%09lld", static_cast<long long>(nanos));
    std::string fraction = buffer;
    while (fraction.back() == '0')
      fraction.pop_back();  // Go's RFC3339Nano trims zeros
    out += fraction;
  }
  return out + "Z";
}

Expected<Lease, std::string> lease_from_node(const etcd::client::Node& node) {
  if (node.dir) return unexpected(std::string("a directory"));
  auto subnet = subnet_from_key(node.key);
  if (!subnet) return unexpected(std::string("not a subnet key"));
  auto attrs = decode_lease_attrs(node.value);
  if (!attrs) return unexpected(attrs.error());
  Lease lease{*subnet, std::move(*attrs), {}, node.modified_index};
  if (node.expiration) {
    auto expiration = parse_rfc3339(*node.expiration);
    if (!expiration) return unexpected("bad expiration \"" + *node.expiration + "\"");
    lease.expiration = *expiration;
  }
  return lease;
}

std::vector<Lease> leases_from_dir(const etcd::client::Node& dir) {
  std::vector<Lease> leases;
  for (const etcd::client::Node& node : dir.nodes) {
    auto lease = lease_from_node(node);
    if (!lease) {
      spdlog::warn("Ignoring bad subnet node {}: {}", node.key, lease.error());
      continue;
    }
    leases.push_back(std::move(*lease));
  }
  return leases;
}

}  // namespace corestack::flannel
