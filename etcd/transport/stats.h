// Counters of a PeerTransport, for tests, logs and /v2/stats. StatsCounters is updated
// with relaxed atomics from any transport thread; stats() copies it into a plain Stats.
#pragma once

#include <atomic>
#include <cstdint>

namespace etcd::transport {

struct Stats {
  uint64_t messages_sent = 0;      // raft messages written to streams
  uint64_t batches_sent = 0;       // stream writes (one WebSocket message each)
  uint64_t messages_dropped = 0;   // queue overflow, unknown peer, or lost with a stream
  uint64_t messages_received = 0;  // raft messages delivered via on_message (incl. snapshots)
  uint64_t batches_received = 0;
  uint64_t streams_connected = 0;  // outbound streams established
  uint64_t dial_failures = 0;      // outbound attempts that failed or were refused
  uint64_t inbound_refused = 0;    // inbound raft requests refused (admission, TLS, plain HTTP)
  uint64_t snapshots_sent = 0;     // acknowledged by the receiver
  uint64_t snapshots_failed = 0;
  uint64_t snapshots_received = 0;
};

class StatsCounters {
 public:
  std::atomic<uint64_t> messages_sent{0};
  std::atomic<uint64_t> batches_sent{0};
  std::atomic<uint64_t> messages_dropped{0};
  std::atomic<uint64_t> messages_received{0};
  std::atomic<uint64_t> batches_received{0};
  std::atomic<uint64_t> streams_connected{0};
  std::atomic<uint64_t> dial_failures{0};
  std::atomic<uint64_t> inbound_refused{0};
  std::atomic<uint64_t> snapshots_sent{0};
  std::atomic<uint64_t> snapshots_failed{0};
  std::atomic<uint64_t> snapshots_received{0};

  static void add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }

  Stats snapshot() const {
    auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
    return Stats{get(messages_sent),     get(batches_sent),      get(messages_dropped),
                 get(messages_received), get(batches_received),  get(streams_connected),
                 get(dial_failures),     get(inbound_refused),   get(snapshots_sent),
                 get(snapshots_failed),  get(snapshots_received)};
  }
};

}  // namespace etcd::transport
