#include "agents/flannel/ip4.h"

#include <charconv>

namespace corestack::flannel {
namespace {

// A decimal 0..max without sign, leading '+' or leading zeros beyond one digit.
std::optional<uint32_t> parse_number(std::string_view text, uint32_t max) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

std::optional<Ip4Net> parse_with(std::string_view text, char separator) {
  const auto at = text.find(separator);
  if (at == std::string_view::npos) return std::nullopt;
  auto ip = Ip4::parse(text.substr(0, at));
  auto prefix = parse_number(text.substr(at + 1), 32);
  if (!ip || !prefix) return std::nullopt;
  return Ip4Net{*ip, static_cast<int>(*prefix)};
}

}  // namespace

std::optional<Ip4> Ip4::parse(std::string_view dotted) {
  uint32_t value = 0;
  for (int part = 0; part < 4; ++part) {
    const auto dot = dotted.find('.');
    const bool last = part == 3;
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    auto octet = parse_number(dotted.substr(0, dot), 255);
    if (!octet) return std::nullopt;
    value = (value << 8) | *octet;
    if (!last) dotted.remove_prefix(dot + 1);
  }
  return Ip4{value};
}

std::string Ip4::to_string() const {
  return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 0xff) + "." +
         std::to_string((value >> 8) & 0xff) + "." + std::to_string(value & 0xff);
}

std::optional<Ip4Net> Ip4Net::parse(std::string_view cidr) {
  return parse_with(cidr, '/');
}

std::optional<Ip4Net> Ip4Net::parse_key(std::string_view key) {
  return parse_with(key, '-');
}

std::string Ip4Net::to_string() const {
  return ip.to_string() + "/" + std::to_string(prefix);
}

std::string Ip4Net::to_key() const {
  return ip.to_string() + "-" + std::to_string(prefix);
}

uint32_t Ip4Net::mask() const {
  return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
}

Ip4Net Ip4Net::network() const {
  return {first(), prefix};
}

Ip4 Ip4Net::first() const {
  return {ip.value & mask()};
}

Ip4 Ip4Net::last() const {
  return {first().value | ~mask()};
}

uint64_t Ip4Net::size() const {
  return uint64_t{1} << (32 - prefix);
}

bool Ip4Net::contains(Ip4 address) const {
  return (address.value & mask()) == first().value;
}

bool Ip4Net::contains(const Ip4Net& other) const {
  return other.prefix >= prefix && contains(other.first());
}

bool Ip4Net::overlaps(const Ip4Net& other) const {
  return contains(other.first()) || other.contains(first());
}

}  // namespace corestack::flannel
