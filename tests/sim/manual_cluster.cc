#include "tests/sim/manual_cluster.h"

#include <limits>

#include "etcd/raft/codec.h"

namespace etcd::sim {

ManualCluster::Peer& ManualCluster::create(uint64_t id) {
  auto [it, inserted] = peers_.emplace(id, std::make_unique<Peer>(options_.seed * 1000 + id));
  ETCD_ASSERT(inserted, "node added twice");
  return *it->second;
}

void ManualCluster::start(uint64_t id, Peer& p) {
  raft::Config config;
  config.id = NodeId(id);
  config.election_ticks = options_.election_ticks;
  config.heartbeat_ticks = options_.heartbeat_ticks;
  config.storage = &p.storage;
  config.applied = p.applied;
  config.pre_vote = options_.pre_vote;
  config.check_quorum = options_.check_quorum;
  config.max_size_per_msg_bytes = options_.max_size_per_msg_bytes;
  config.rng = &p.rng;
  p.raw = std::make_unique<raft::RawNode>(config);
}

void ManualCluster::bootstrap(const std::vector<uint64_t>& voters,
                              const std::vector<uint64_t>& learners) {
  std::vector<raft::ConfChange> changes;
  for (uint64_t v : voters)
    changes.push_back({raft::ConfChangeType::add_node, NodeId(v), {}});
  for (uint64_t l : learners) {
    changes.push_back({raft::ConfChangeType::add_learner, NodeId(l), {}});
  }
  std::vector<uint64_t> all = voters;
  all.insert(all.end(), learners.begin(), learners.end());
  for (uint64_t id : all) {
    Peer& p = create(id);
    start(id, p);
    auto result = p.raw->bootstrap(changes);
    ETCD_ASSERT(result.ok(), "bootstrap failed");
  }
  stabilize();
}

void ManualCluster::add_prepared_at(uint64_t id, uint64_t snapshot_index, uint64_t snapshot_term,
                                    const std::vector<uint64_t>& terms_after, uint64_t term,
                                    uint64_t vote, const raft::ConfState& membership) {
  Peer& p = create(id);
  raft::Snapshot base;
  base.metadata = raft::SnapshotMetadata{Index(snapshot_index), Term(snapshot_term), membership};
  base.data = "base";
  ETCD_ASSERT(p.storage.apply_snapshot(base).ok(), "prepared snapshot refused");
  std::vector<raft::Entry> entries;
  for (size_t i = 0; i < terms_after.size(); ++i) {
    uint64_t index = snapshot_index + 1 + i;
    entries.push_back(raft::Entry{Term(terms_after[i]), Index(index), raft::EntryType::normal,
                                  "e" + std::to_string(index)});
  }
  if (!entries.empty()) ETCD_ASSERT(p.storage.append(entries).ok(), "prepared log refused");
  p.storage.set_hard_state(raft::HardState{Term(term), NodeId(vote), Index(snapshot_index)});
  p.conf = membership;
  p.applied = Index(snapshot_index);
  start(id, p);
}

void ManualCluster::add_empty(uint64_t id) {
  start(id, create(id));
}

void ManualCluster::tick(uint64_t id, int times) {
  for (int i = 0; i < times; ++i) {
    peer(id).raw->tick();
    stabilize();
  }
}

void ManualCluster::tick_all(int times) {
  for (int i = 0; i < times; ++i) {
    for (auto& [id, p] : peers_)
      p->raw->tick();
    stabilize();
  }
}

void ManualCluster::campaign(uint64_t id) {
  peer(id).raw->campaign();
  stabilize();
}

bool ManualCluster::propose(uint64_t id, const std::string& data) {
  bool ok = peer(id).raw->propose(data).ok();
  stabilize();
  return ok;
}

void ManualCluster::stabilize() {
  for (int round = 0; round < 10000; ++round) {
    bool moved = false;
    for (auto& [id, p] : peers_)
      moved |= handle_ready(id, *p);
    std::vector<raft::Message> batch = std::move(outbox_);
    outbox_.clear();
    for (const raft::Message& m : batch)
      deliver(m);
    if (!moved && batch.empty()) return;
  }
  ETCD_UNREACHABLE("ManualCluster::stabilize does not settle");
}

bool ManualCluster::handle_ready(uint64_t id, Peer& p) {
  bool moved = false;
  while (p.raw->has_ready()) {
    moved = true;
    raft::Ready rd = p.raw->ready();
    if (rd.snapshot) ETCD_ASSERT(p.storage.apply_snapshot(*rd.snapshot).ok(), "snapshot");
    if (!rd.entries_to_persist.empty()) {
      ETCD_ASSERT(p.storage.append(rd.entries_to_persist).ok(), "append");
    }
    if (rd.hard_state) p.storage.set_hard_state(*rd.hard_state);
    if (rd.soft_state) p.soft = *rd.soft_state;
    outbox_.insert(outbox_.end(), rd.messages.begin(), rd.messages.end());
    if (rd.snapshot) {
      p.conf = rd.snapshot->metadata.conf_state;
      p.applied = rd.snapshot->metadata.index;
    }
    for (const raft::Entry& e : rd.committed_entries) {
      if (e.type == raft::EntryType::conf_change && !e.data.empty()) {
        p.conf = p.raw->apply_conf_change(raft::decode_conf_change(e.data).value());
      }
      p.applied_entries.push_back(e);
      p.applied = e.index;
    }
    p.reads.insert(p.reads.end(), rd.read_states.begin(), rd.read_states.end());
    p.raw->advance(rd);
    (void)id;
  }
  return moved;
}

void ManualCluster::deliver(const raft::Message& m) {
  auto it = peers_.find(m.to.value);
  if (it == peers_.end() || cut_.count({m.from.value, m.to.value}) > 0) return;
  if (filter_ && filter_(m)) return;
  delivered_.push_back(m);
  (void)it->second->raw->step(m);
  if (m.type == raft::MessageType::snapshot) {
    auto from = peers_.find(m.from.value);
    if (from != peers_.end()) from->second->raw->report_snapshot(m.to, true);
  }
}

void ManualCluster::inject(const raft::Message& message) {
  deliver(message);
  stabilize();
}

void ManualCluster::isolate(uint64_t id) {
  for (auto& [other, p] : peers_) {
    if (other == id) continue;
    cut(id, other);
  }
}

void ManualCluster::cut(uint64_t a, uint64_t b) {
  cut_.insert({a, b});
  cut_.insert({b, a});
}

void ManualCluster::heal() {
  cut_.clear();
  filter_ = nullptr;
}

uint64_t ManualCluster::term(uint64_t id) const {
  return peer(id).storage.initial_state().hard_state.term.value;
}

uint64_t ManualCluster::commit(uint64_t id) const {
  return peer(id).storage.initial_state().hard_state.commit.value;
}

std::vector<raft::Entry> ManualCluster::log(uint64_t id) const {
  const raft::MemoryStorage& s = peer(id).storage;
  if (s.last_index() < s.first_index()) return {};
  auto entries =
      s.entries(s.first_index(), s.last_index() + 1, std::numeric_limits<uint64_t>::max());
  return entries.ok() ? std::move(entries).value() : std::vector<raft::Entry>{};
}

std::vector<uint64_t> ManualCluster::log_terms(uint64_t id) const {
  std::vector<uint64_t> terms;
  for (const raft::Entry& e : log(id))
    terms.push_back(e.term.value);
  return terms;
}

}  // namespace etcd::sim
