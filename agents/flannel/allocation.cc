#include "agents/flannel/allocation.h"

#include <algorithm>
#include <memory>
#include <random>

namespace corestack::flannel {

RandomIndex make_random_index(uint64_t seed) {
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine](size_t count) {
    return std::uniform_int_distribution<size_t>(0, count - 1)(*engine);
  };
}

namespace {

// The leases as address intervals sorted by start, with the running maximum of their
// ends, so "does anything overlap [first, last]?" is one binary search even when a big
// lease covers several small ones (thousands of leases stay cheap).
class LeaseIntervals {
 public:
  explicit LeaseIntervals(const std::vector<Lease>& leases) {
    for (const Lease& lease : leases) {
      starts_.push_back(lease.subnet.first().value);
      ends_.push_back(lease.subnet.last().value);
    }
    std::vector<size_t> order(starts_.size());
    for (size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return starts_[a] < starts_[b]; });
    std::vector<uint32_t> starts, max_ends;
    for (size_t i : order) {
      starts.push_back(starts_[i]);
      max_ends.push_back(max_ends.empty() ? ends_[i] : std::max(max_ends.back(), ends_[i]));
    }
    starts_ = std::move(starts);
    ends_ = std::move(max_ends);
  }

  bool overlaps(uint32_t first, uint32_t last) const {
    const auto after = std::upper_bound(starts_.begin(), starts_.end(), last);
    if (after == starts_.begin()) return false;  // every lease starts after `last`
    return ends_[static_cast<size_t>(after - starts_.begin()) - 1] >= first;
  }

 private:
  std::vector<uint32_t> starts_;
  std::vector<uint32_t> ends_;  // after construction: running max of the ends
};

}  // namespace

std::vector<Ip4Net> free_candidates(const NetworkConfig& config, const std::vector<Lease>& leases,
                                    size_t limit) {
  std::vector<Ip4Net> free;
  const LeaseIntervals taken(leases);
  const uint64_t step = uint64_t{1} << (32 - config.subnet_len);
  for (uint64_t base = config.subnet_min.value; base <= config.subnet_max.value; base += step) {
    const auto first = static_cast<uint32_t>(base);
    if (taken.overlaps(first, static_cast<uint32_t>(base + step - 1))) continue;
    free.push_back(Ip4Net{Ip4{first}, config.subnet_len});
    if (free.size() >= limit) break;
  }
  return free;
}

std::optional<Ip4Net> choose_subnet(const NetworkConfig& config, const std::vector<Lease>& leases,
                                    const RandomIndex& random) {
  const auto free = free_candidates(config, leases);
  if (free.empty()) return std::nullopt;
  return free[random(free.size())];
}

}  // namespace corestack::flannel
