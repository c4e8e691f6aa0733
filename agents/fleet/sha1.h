// Unit hashes: fleet names every unit file by the SHA-1 of its canonical serialisation
// (docs/fleet.md "Unit files"). UnitHash is Go's unit.Hash, a [20]byte: hex for keys
// (`unit/<sha1hex>`, `unitHash` in unit states), 7 hex characters for fleetctl's short
// form, and a JSON array of 20 numbers in `job/<name>/object`.
//
// Pure; the digest comes from OpenSSL's EVP SHA-1 (no state kept between calls).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "agents/fleet/expected.h"

namespace corestack::fleet {

struct UnitHash {
  std::array<std::uint8_t, 20> bytes{};

  // 40 lowercase hex characters (Go's Hash.String()).
  std::string hex() const;
  // The first 7 hex characters (Go's Hash.Short(), fleetctl's HASH column).
  std::string short_hex() const;
  // All zero: Go's Hash.Empty(), "no hash known".
  bool empty() const;

  // 40 hex characters, either case (Go's HashFromHexString). Errors name the problem.
  static Expected<UnitHash, std::string> from_hex(std::string_view hex);

  auto operator<=>(const UnitHash&) const = default;
};

// SHA-1 of `data`.
UnitHash sha1_of(std::string_view data);

}  // namespace corestack::fleet
