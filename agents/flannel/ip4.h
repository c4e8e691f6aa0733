// IPv4 addresses and networks as flannel uses them: dotted strings in etcd keys and JSON,
// CIDR prefixes, and the arithmetic of subnet allocation (containment, overlap, stepping
// through a network one subnet at a time). Plain values; parsing returns nullopt on bad
// input so callers word their own errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corestack::flannel {

struct Ip4 {
  uint32_t value = 0;  // host byte order: 10.1.2.3 = 0x0a010203

  static std::optional<Ip4> parse(std::string_view dotted);  // exactly a.b.c.d, each 0..255
  std::string to_string() const;
  auto operator<=>(const Ip4&) const = default;
};

struct Ip4Net {
  Ip4 ip;          // as given (not necessarily the network address)
  int prefix = 0;  // 0..32

  // "10.1.0.0/16". The address keeps its host bits; network() masks them.
  static std::optional<Ip4Net> parse(std::string_view cidr);
  // etcd key form "10.1.5.0-24" (flannel's subnet keys).
  static std::optional<Ip4Net> parse_key(std::string_view key);
  std::string to_string() const;  // "10.1.5.0/24"
  std::string to_key() const;     // "10.1.5.0-24"

  uint32_t mask() const;
  Ip4Net network() const;  // host bits cleared
  Ip4 first() const;       // network address
  Ip4 last() const;        // broadcast address
  uint64_t size() const;   // 2^(32-prefix)
  bool contains(Ip4 address) const;
  bool contains(const Ip4Net& other) const;  // other lies wholly inside
  bool overlaps(const Ip4Net& other) const;
  bool aligned() const { return ip == first(); }
  auto operator<=>(const Ip4Net&) const = default;
};

}  // namespace corestack::flannel
