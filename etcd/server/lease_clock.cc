#include "etcd/server/lease_clock.h"

namespace etcd::server {

namespace {
constexpr int64_t kNsPerSecond = 1'000'000'000;
}  // namespace

void LeaseClock::set(int64_t id, int64_t ttl_seconds, int64_t now_ns) {
  if (ttl_seconds <= 0) {
    deadlines_.erase(id);
    return;
  }
  deadlines_[id] = now_ns + ttl_seconds * kNsPerSecond;
}

void LeaseClock::reset(const std::vector<std::pair<int64_t, int64_t>>& leases, int64_t now_ns) {
  deadlines_.clear();
  for (const auto& [id, ttl] : leases)
    set(id, ttl, now_ns);
}

std::vector<int64_t> LeaseClock::expired(int64_t now_ns) const {
  std::vector<int64_t> out;
  for (const auto& [id, deadline] : deadlines_) {
    if (deadline <= now_ns) out.push_back(id);
  }
  return out;
}

std::optional<int64_t> LeaseClock::remaining_seconds(int64_t id, int64_t now_ns) const {
  auto it = deadlines_.find(id);
  if (it == deadlines_.end()) return std::nullopt;
  const int64_t left = it->second - now_ns;
  if (left <= 0) return 0;
  return (left + kNsPerSecond - 1) / kNsPerSecond;
}

}  // namespace etcd::server
