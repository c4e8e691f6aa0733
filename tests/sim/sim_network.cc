#include "tests/sim/sim_network.h"

namespace etcd::sim {

SimNetwork::SimNetwork(uint64_t seed, const FaultPlan& plan)
    : rng_(seed ^ 0x6e6574776f726bULL), plan_(plan) {}

uint64_t SimNetwork::latency(uint64_t now_tick) {
  if (calm_) return now_tick + 1;
  uint64_t delay = 1 + rng_.below(plan_.latency_ticks_max);
  if (rng_.chance(plan_.reorder_per_mille, 1000)) {
    delay += rng_.below(3 * static_cast<uint64_t>(plan_.election_ticks) + 1);
  }
  return now_tick + delay;
}

SendFate SimNetwork::send(uint64_t now_tick, raft::Message message) {
  if (!calm_ && rng_.chance(plan_.drop_per_mille, 1000)) return SendFate::dropped;
  SendFate fate = SendFate::queued;
  if (!calm_ && rng_.chance(plan_.duplicate_per_mille, 1000)) {
    queue_.push(InFlight{latency(now_tick), next_sequence_++, message});
    fate = SendFate::duplicated;
  }
  queue_.push(InFlight{latency(now_tick), next_sequence_++, std::move(message)});
  return fate;
}

void SimNetwork::send_reliable(uint64_t deliver_tick, raft::Message message) {
  queue_.push(InFlight{deliver_tick, next_sequence_++, std::move(message)});
}

std::optional<raft::Message> SimNetwork::pop_due(uint64_t now_tick) {
  if (queue_.empty() || queue_.top().deliver_tick > now_tick) return std::nullopt;
  // top() is const, but the heap orders by (tick, sequence) only, so moving the message out
  // just before pop() cannot disturb it; this saves copying snapshot payloads.
  raft::Message message = std::move(const_cast<InFlight&>(queue_.top()).message);
  queue_.pop();
  return message;
}

}  // namespace etcd::sim
