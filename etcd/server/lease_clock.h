// LeaseClock: when each v3 lease runs out, by this member's steady clock. Leases and their
// TTLs are replicated state (etcd/mvcc); their deadlines are not: every member counts down
// from the moment it applied the grant or the last keep-alive, and only the leader acts,
// by proposing the revocation of what has run out. A member that becomes leader restarts
// every countdown (reset), so a change of leader never lets a lease expire early, as in
// etcd's lessor Promote.
//
// Pure: the caller passes the time. Thread: the server's strand.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace etcd::server {

class LeaseClock {
 public:
  // Starts (or restarts) the lease's countdown of `ttl_seconds`; 0 forgets the lease.
  void set(int64_t id, int64_t ttl_seconds, int64_t now_ns);
  // Every lease of `leases` (id, ttl) counts down from now; others are forgotten.
  void reset(const std::vector<std::pair<int64_t, int64_t>>& leases, int64_t now_ns);
  // Leases whose time is up, by id.
  std::vector<int64_t> expired(int64_t now_ns) const;
  // Seconds left, rounded up, never below 0; nullopt for an unknown lease.
  std::optional<int64_t> remaining_seconds(int64_t id, int64_t now_ns) const;
  size_t size() const { return deadlines_.size(); }

 private:
  std::map<int64_t, int64_t> deadlines_;  // id → steady ns
};

}  // namespace etcd::server
