#include "agents/flannel/network_config.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "agents/flannel/go_json.h"

namespace corestack::flannel {
namespace {

constexpr int kMaxSubnetLen = 30;  // a /31 has no room for a gateway (FLANNEL_SUBNET = base+1)
constexpr long long kMaxVni = (1 << 24) - 1;

using Members = std::vector<JsonMember>;
using Error = std::string;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Expected<Ip4Net, Error> parse_network(const Members& members) {
  const JsonMember* member = find_member(members, "Network");
  if (member == nullptr || json_is_null(*member)) return unexpected(Error("Network is missing"));
  auto text = json_string(*member, "Network");
  if (!text) return unexpected(Error("Network: expected a CIDR string"));
  auto cidr = Ip4Net::parse(*text);
  if (!cidr) return unexpected("invalid Network \"" + *text + "\": not an IPv4 CIDR");
  return cidr->network();  // Go's net.ParseCIDR masks
}

// SubnetLen: 0 or absent means the default (a /24, or half of a /24-or-smaller network).
Expected<int, Error> parse_subnet_len(const Members& members, const Ip4Net& network) {
  long long len = 0;
  if (const JsonMember* member = find_member(members, "SubnetLen");
      member != nullptr && !json_is_null(*member)) {
    auto value = json_integer(*member, "SubnetLen");
    if (!value || *value < 0) return unexpected(Error("SubnetLen: expected an integer >= 0"));
    len = *value;
  }
  if (len == 0) len = network.prefix < 24 ? 24 : network.prefix + 1;
  if (len < network.prefix) return unexpected(Error("HostSubnet is larger network than Network"));
  if (len > kMaxSubnetLen) {
    return unexpected("SubnetLen " + std::to_string(len) + " is too long: at most " +
                      std::to_string(kMaxSubnetLen) +
                      " (each host needs a network, a gateway and a broadcast address)");
  }
  return static_cast<int>(len);
}

// SubnetMin / SubnetMax as given; nullopt when absent. Range and alignment are checked
// by check_bound.
Expected<std::optional<Ip4>, Error> parse_bound(const Members& members, std::string_view name) {
  const JsonMember* member = find_member(members, name);
  if (member == nullptr || json_is_null(*member)) return std::optional<Ip4>();
  auto text = json_string(*member, name);
  std::optional<Ip4> ip = text ? Ip4::parse(*text) : std::nullopt;
  if (!ip) return unexpected(std::string(name) + ": expected an IPv4 address string");
  return ip;
}

Expected<Done, Error> check_bound(std::string_view name, Ip4 bound, const NetworkConfig& config) {
  if (!config.network.contains(bound)) {
    return unexpected(std::string(name) + " is not in the range of the Network");
  }
  const Ip4Net subnet{bound, config.subnet_len};
  if (!subnet.aligned()) {
    // flannel#430: the reference silently used misaligned bounds, giving odd candidates.
    return unexpected(std::string(name) + " " + bound.to_string() +
                      " is not aligned to SubnetLen " + std::to_string(config.subnet_len) +
                      " (the subnet starts at " + subnet.first().to_string() + ")");
  }
  return Done{};
}

Expected<Done, Error> set_range(const Members& members, NetworkConfig& config) {
  auto min = parse_bound(members, "SubnetMin");
  if (!min) return unexpected(min.error());
  auto max = parse_bound(members, "SubnetMax");
  if (!max) return unexpected(max.error());
  const uint64_t subnet_size = uint64_t{1} << (32 - config.subnet_len);
  const uint64_t first = config.network.first().value;
  const uint64_t end = first + config.network.size();  // one past the network
  if (!*min && first + subnet_size >= end) {
    // The default skips the first subnet; with SubnetLen == the Network prefix nothing is left.
    return unexpected("SubnetLen " + std::to_string(config.subnet_len) +
                      " leaves a single subnet in Network " + config.network.to_string() +
                      ", and the first subnet is only used when SubnetMin names it");
  }
  // Skipping the first subnet keeps host addresses clear of the network address.
  config.subnet_min = min->value_or(Ip4{static_cast<uint32_t>(first + subnet_size)});
  config.subnet_max = max->value_or(Ip4{static_cast<uint32_t>(end - subnet_size)});
  if (auto ok = check_bound("SubnetMin", config.subnet_min, config); !ok) return ok;
  if (auto ok = check_bound("SubnetMax", config.subnet_max, config); !ok) return ok;
  if (config.subnet_min > config.subnet_max) {
    return unexpected("SubnetMin " + config.subnet_min.to_string() + " is greater than SubnetMax " +
                      config.subnet_max.to_string());
  }
  return Done{};
}

// Reads an optional integer member into `out`, checking [low, high].
Expected<Done, Error> read_int(const Members& members, std::string_view name, long long low,
                               long long high, int& out) {
  const JsonMember* member = find_member(members, name);
  if (member == nullptr || json_is_null(*member)) return Done{};
  const std::string field = "Backend." + std::string(name);
  auto value = json_integer(*member, field);
  if (!value) return unexpected(value.error());
  if (*value < low || *value > high) {
    return unexpected(field + " " + std::to_string(*value) + " is out of range (" +
                      std::to_string(low) + ".." + std::to_string(high) + ")");
  }
  out = static_cast<int>(*value);
  return Done{};
}

Expected<Done, Error> read_bool(const Members& members, std::string_view name, bool& out) {
  const JsonMember* member = find_member(members, name);
  if (member == nullptr || json_is_null(*member)) return Done{};
  auto value = json_bool(*member, "Backend." + std::string(name));
  if (!value) return unexpected(value.error());
  out = *value;
  return Done{};
}

Expected<Done, Error> parse_vxlan(const Members& members, VxlanConfig& vxlan) {
  if (auto ok = read_int(members, "VNI", 0, kMaxVni, vxlan.vni); !ok) return ok;
  if (auto ok = read_int(members, "Port", 0, 65535, vxlan.port); !ok) return ok;
  if (auto ok = read_bool(members, "GBP", vxlan.gbp); !ok) return ok;
  return read_bool(members, "DirectRouting", vxlan.direct_routing);
}

Expected<BackendConfig, Error> parse_backend(const Members& members) {
  BackendConfig backend;
  const JsonMember* member = find_member(members, "Backend");
  if (member == nullptr || json_is_null(*member)) return backend;  // udp
  backend.raw = std::string(member->raw);
  auto fields = object_members(member->raw);
  if (!fields) return unexpected(Error("Backend: expected an object"));
  std::string type;
  if (const JsonMember* t = find_member(*fields, "Type"); t != nullptr && !json_is_null(*t)) {
    auto text = json_string(*t, "Backend.Type");
    if (!text) return unexpected(text.error());
    type = *text;
  }
  backend.type = lower(type);  // the reference looks backends up case-insensitively
  if (backend.type == "vxlan") {
    if (auto ok = parse_vxlan(*fields, backend.vxlan); !ok) return unexpected(ok.error());
  } else if (backend.type == "udp") {
    if (auto ok = read_int(*fields, "Port", 1, 65535, backend.udp.port); !ok) {
      return unexpected(ok.error());
    }
  } else if (backend.type != "host-gw") {
    return unexpected("unknown backend type: " + type);
  }
  return backend;
}

}  // namespace

bool NetworkConfig::compatible(const Ip4Net& subnet) const {
  return subnet.prefix == subnet_len && subnet.aligned() && subnet.ip >= subnet_min &&
         subnet.ip <= subnet_max;
}

uint64_t NetworkConfig::subnet_count() const {
  if (subnet_max < subnet_min) return 0;
  return ((uint64_t{subnet_max.value} - subnet_min.value) >> (32 - subnet_len)) + 1;
}

Expected<NetworkConfig, std::string> parse_network_config(std::string_view json) {
  auto members = object_members(json);
  if (!members) return unexpected("network config is " + members.error());
  NetworkConfig config;
  auto network = parse_network(*members);
  if (!network) return unexpected(network.error());
  config.network = *network;
  auto len = parse_subnet_len(*members, config.network);
  if (!len) return unexpected(len.error());
  config.subnet_len = *len;
  if (auto ok = set_range(*members, config); !ok) return unexpected(ok.error());
  auto backend = parse_backend(*members);
  if (!backend) return unexpected(backend.error());
  config.backend = std::move(*backend);
  return config;
}

}  // namespace corestack::flannel
