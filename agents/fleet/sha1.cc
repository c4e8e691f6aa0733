#include "agents/fleet/sha1.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace corestack::fleet {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string UnitHash::hex() const {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

std::string UnitHash::short_hex() const {
  return hex().substr(0, 7);
}

bool UnitHash::empty() const {
  return *this == UnitHash{};
}

Expected<UnitHash, std::string> UnitHash::from_hex(std::string_view hex) {
  if (hex.size() != 40) {
    return unexpected("unit hash must be 40 hex characters, got " + std::to_string(hex.size()));
  }
  UnitHash h;
  for (std::size_t i = 0; i < h.bytes.size(); ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return unexpected(std::string("unit hash is not hexadecimal"));
    h.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return h;
}

UnitHash sha1_of(std::string_view data) {
  UnitHash h;
  unsigned int size = 0;
  // EVP rather than SHA1(): the latter is deprecated in OpenSSL 3. Only a broken OpenSSL
  // install can fail here, and a wrong hash would corrupt the registry: abort instead.
  if (EVP_Digest(data.data(), data.size(), h.bytes.data(), &size, EVP_sha1(), nullptr) != 1 ||
      size != h.bytes.size()) {
    std::abort();
  }
  return h;
}

}  // namespace corestack::fleet
