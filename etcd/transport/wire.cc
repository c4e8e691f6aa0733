#include "etcd/transport/wire.h"

#include <charconv>

#include <fmt/format.h>

namespace etcd::transport::wire {

std::string format_id(uint64_t id) {
  return fmt::format("{:016x}", id);
}

std::optional<uint64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace etcd::transport::wire
