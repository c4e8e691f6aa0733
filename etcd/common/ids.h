// Strong types for the numbers Raft juggles: a Term is never an Index, a NodeId never a
// count. Header-only, no dependencies beyond the standard library; used by raft/, wal/,
// server/ and transport/.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>

namespace etcd {

template <typename Tag>
struct StrongU64 {
  uint64_t value = 0;

  constexpr StrongU64() = default;
  constexpr explicit StrongU64(uint64_t v) : value(v) {}

  constexpr auto operator<=>(const StrongU64&) const = default;
  constexpr StrongU64 operator+(uint64_t n) const { return StrongU64(value + n); }
  constexpr StrongU64 operator-(uint64_t n) const { return StrongU64(value - n); }
  // Distance between two positions of the same kind.
  constexpr uint64_t operator-(StrongU64 other) const { return value - other.value; }
  constexpr StrongU64& operator++() {
    ++value;
    return *this;
  }
  constexpr StrongU64& operator+=(uint64_t n) {
    value += n;
    return *this;
  }
  friend std::ostream& operator<<(std::ostream& os, StrongU64 v) { return os << v.value; }
};

struct TermTag {};
struct IndexTag {};
struct NodeIdTag {};

using Term = StrongU64<TermTag>;
using Index = StrongU64<IndexTag>;
// Raft member ID; 0 means "none" (no leader, no vote).
using NodeId = StrongU64<NodeIdTag>;

inline constexpr NodeId kNoNode{0};

}  // namespace etcd

template <typename Tag>
struct std::hash<etcd::StrongU64<Tag>> {
  size_t operator()(etcd::StrongU64<Tag> v) const noexcept { return std::hash<uint64_t>{}(v.value); }
};
