// Choosing a free subnet (docs/flannel.md "Leases"): walk SubnetMin..SubnetMax one
// subnet at a time, skip every candidate that overlaps an existing lease, keep up to 100
// free ones and pick one uniformly at random — flannel's allocateSubnet, with the random
// source injected so tests (and the storm) are reproducible. Pure; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "agents/flannel/ip4.h"
#include "agents/flannel/lease.h"
#include "agents/flannel/network_config.h"

namespace corestack::flannel {

inline constexpr size_t kMaxCandidates = 100;

// Returns a uniformly random index in [0, count); count > 0.
using RandomIndex = std::function<size_t(size_t count)>;
// A RandomIndex over its own std::mt19937_64 seeded with `seed` (each owner gets its own;
// nothing global).
RandomIndex make_random_index(uint64_t seed);

// The free candidates in address order: subnets of config.subnet_len from subnet_min to
// subnet_max inclusive that overlap no lease in `leases`, at most `limit` of them.
std::vector<Ip4Net> free_candidates(const NetworkConfig& config, const std::vector<Lease>& leases,
                                    size_t limit = kMaxCandidates);

// One of free_candidates() picked with `random`; nullopt when there is none ("out of
// subnets").
std::optional<Ip4Net> choose_subnet(const NetworkConfig& config, const std::vector<Lease>& leases,
                                    const RandomIndex& random);

}  // namespace corestack::flannel
