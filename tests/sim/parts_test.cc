// Unit tests of the simulator's parts: the network's ordering and faults, the state
// machine, the fault plan, and the checkers fed hand-made broken histories (a checker that
// never fails proves nothing).
#include <gtest/gtest.h>

#include "tests/sim/client_ledger.h"
#include "tests/sim/fault_plan.h"
#include "tests/sim/kv_state_machine.h"
#include "tests/sim/safety_checker.h"
#include "tests/sim/sim_network.h"

namespace etcd::sim {
namespace {

raft::Message msg(uint64_t from, uint64_t to, uint64_t term) {
  raft::Message m;
  m.type = raft::MessageType::heartbeat;
  m.from = NodeId(from);
  m.to = NodeId(to);
  m.term = Term(term);
  return m;
}

raft::Entry entry(uint64_t index, uint64_t term, std::string data) {
  return raft::Entry{Term(term), Index(index), raft::EntryType::normal, std::move(data)};
}

TEST(SimNetwork, DeliversByTickThenSendOrder) {
  FaultPlan plan;  // no loss, no duplication, latency 1
  SimNetwork network(1, plan);
  network.send_reliable(5, msg(1, 2, 1));
  network.send_reliable(3, msg(1, 2, 2));
  network.send_reliable(3, msg(1, 2, 3));
  EXPECT_FALSE(network.pop_due(2).has_value());
  EXPECT_EQ(network.pop_due(3)->term, Term(2));
  EXPECT_EQ(network.pop_due(3)->term, Term(3));
  EXPECT_FALSE(network.pop_due(4).has_value());
  EXPECT_EQ(network.pop_due(9)->term, Term(1));
}

TEST(SimNetwork, LossyPlanDropsAndDuplicatesButCalmDoesNot) {
  FaultPlan plan;
  plan.drop_per_mille = 300;
  plan.duplicate_per_mille = 100;
  SimNetwork network(7, plan);
  int dropped = 0, duplicated = 0;
  for (int i = 0; i < 1000; ++i) {
    SendFate fate = network.send(0, msg(1, 2, 1));
    dropped += fate == SendFate::dropped;
    duplicated += fate == SendFate::duplicated;
  }
  EXPECT_GT(dropped, 200);
  EXPECT_LT(dropped, 400);
  EXPECT_GT(duplicated, 30);
  network.calm();
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(network.send(0, msg(1, 2, 1)), SendFate::queued);
}

TEST(SimNetwork, LinksAreDirected) {
  SimNetwork network(1, FaultPlan{});
  network.block(NodeId(1), NodeId(2));
  EXPECT_TRUE(network.blocked(NodeId(1), NodeId(2)));
  EXPECT_FALSE(network.blocked(NodeId(2), NodeId(1)));
  network.heal();
  EXPECT_FALSE(network.partitioned());
}

TEST(FaultPlan, SameSeedSamePlanAndSeedsDiffer) {
  EXPECT_EQ(draw_fault_plan(9).describe(), draw_fault_plan(9).describe());
  EXPECT_NE(draw_fault_plan(9).describe(), draw_fault_plan(10).describe());
  for (uint64_t seed = 0; seed < 200; ++seed) {
    FaultPlan plan = draw_fault_plan(seed);
    EXPECT_LE(plan.drop_per_mille, 300u);
    EXPECT_LT(plan.heartbeat_ticks, plan.election_ticks);
  }
}

TEST(KvStateMachine, SnapshotRoundTripKeepsStateAndHash) {
  KvStateMachine machine;
  machine.apply(entry(1, 1, ""));
  machine.apply(entry(2, 1, encode_write({7, "k1"})));
  machine.apply(entry(3, 2, encode_write({8, "k1"})));
  auto copy = KvStateMachine::decode(machine.encode());
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->hash(), machine.hash());
  EXPECT_EQ(copy->applied(), Index(3));
  ASSERT_NE(copy->get("k1"), nullptr);
  EXPECT_EQ(copy->get("k1")->op_id, 8u);
  EXPECT_FALSE(KvStateMachine::decode("garbage").ok());
}

TEST(KvStateMachine, DifferentHistoriesHashDifferently) {
  KvStateMachine a, b;
  a.apply(entry(1, 1, "w1:k1"));
  b.apply(entry(1, 2, "w1:k1"));
  EXPECT_NE(a.hash(), b.hash());
  EXPECT_EQ(decode_write("w12:k3")->op_id, 12u);
  EXPECT_FALSE(decode_write("x12:k3").has_value());
  EXPECT_FALSE(decode_write("w:k3").has_value());
}

raft::Ready leader_ready() {
  raft::Ready ready;
  ready.soft_state = raft::SoftState{NodeId(1), raft::Role::leader};
  return ready;
}

TEST(SafetyChecker, TwoLeadersInOneTerm) {
  Trace trace(false);
  SafetyChecker checker(trace);
  checker.on_role(10, NodeId(1), Term(3), raft::Role::leader);
  checker.on_role(11, NodeId(1), Term(3), raft::Role::leader);
  EXPECT_FALSE(checker.failed());
  checker.on_role(12, NodeId(2), Term(3), raft::Role::leader);
  EXPECT_EQ(checker.violation(), "two leaders in term 3 (n1, n2) at tick 12");
}

// Feeds one persisted Ready of `entries` for a node into the checker.
void persist(SafetyChecker& checker, raft::MemoryStorage& storage, uint64_t node,
             std::vector<raft::Entry> entries, raft::HardState hard_state) {
  raft::Ready ready;
  ready.entries_to_persist = std::move(entries);
  ready.hard_state = hard_state;
  ready.must_sync = true;
  checker.on_ready(1, NodeId(node), storage, ready, false);
  ASSERT_TRUE(storage.append(ready.entries_to_persist).ok());
  storage.set_hard_state(hard_state);
  checker.on_persisted(1, NodeId(node), storage, ready);
}

TEST(SafetyChecker, LogMatchingCatchesDifferentEntryWithSameIndexAndTerm) {
  Trace trace(false);
  SafetyChecker checker(trace);
  raft::MemoryStorage a, b;
  persist(checker, a, 1, {entry(1, 1, "x")}, {Term(1), NodeId(1), Index(0)});
  persist(checker, b, 2, {entry(1, 1, "y")}, {Term(1), NodeId(1), Index(0)});
  EXPECT_NE(checker.violation().find("Log Matching"), std::string::npos);
}

TEST(SafetyChecker, CommittedEntryMayNotChange) {
  Trace trace(false);
  SafetyChecker checker(trace);
  raft::MemoryStorage a, b;
  persist(checker, a, 1, {entry(1, 1, "x")}, {Term(1), NodeId(1), Index(1)});
  persist(checker, b, 2, {entry(1, 2, "y")}, {Term(2), NodeId(2), Index(1)});
  EXPECT_NE(checker.violation().find("committed entry changed"), std::string::npos);
}

TEST(SafetyChecker, VoteTwiceInOneTerm) {
  Trace trace(false);
  SafetyChecker checker(trace);
  raft::MemoryStorage storage;
  storage.set_hard_state({Term(4), NodeId(2), Index(0)});
  raft::Ready ready;
  ready.hard_state = raft::HardState{Term(4), NodeId(3), Index(0)};
  ready.must_sync = true;
  checker.on_ready(1, NodeId(1), storage, ready, false);
  EXPECT_EQ(checker.violation(), "n1 voted twice in term 4 (n2 then n3) at tick 1");
}

TEST(SafetyChecker, StateMachineSafety) {
  Trace trace(false);
  SafetyChecker checker(trace);
  checker.on_apply(1, NodeId(1), entry(5, 2, "a"), 100, Index(5));
  checker.on_apply(2, NodeId(2), entry(5, 3, "b"), 200, Index(5));
  EXPECT_NE(checker.violation().find("State Machine Safety"), std::string::npos);
}

TEST(SafetyChecker, LeaderMissingCommittedEntry) {
  Trace trace(false);
  SafetyChecker checker(trace);
  raft::MemoryStorage follower, leader;
  persist(checker, follower, 1, {entry(1, 1, "x"), entry(2, 1, "y")},
          {Term(1), NodeId(1), Index(2)});
  persist(checker, leader, 2, {entry(1, 1, "x")}, {Term(2), NodeId(2), Index(0)});
  checker.check_leader_log(5, NodeId(2), Term(2), leader);
  EXPECT_NE(checker.violation().find("Leader Completeness"), std::string::npos);
}

TEST(SafetyChecker, LeaderCommittingOldTermEntryBreaksCommitmentRule) {
  Trace trace(false);
  SafetyChecker checker(trace);
  raft::MemoryStorage storage;
  ASSERT_TRUE(storage.append({entry(1, 1, "x"), entry(2, 2, "y")}).ok());
  storage.set_hard_state({Term(3), NodeId(1), Index(0)});
  raft::Ready first = leader_ready();
  first.hard_state = raft::HardState{Term(3), NodeId(1), Index(0)};
  checker.on_ready(1, NodeId(1), storage, first, true);
  checker.on_persisted(1, NodeId(1), storage, first);
  raft::Ready second;
  second.hard_state = raft::HardState{Term(3), NodeId(1), Index(2)};
  checker.on_ready(2, NodeId(1), storage, second, true);
  storage.set_hard_state(*second.hard_state);
  checker.on_persisted(2, NodeId(1), storage, second);
  EXPECT_NE(checker.violation().find("commitment rule"), std::string::npos);
}

TEST(ClientLedger, StaleReadIsReported) {
  Trace trace(false);
  SafetyChecker checker(trace);
  ClientLedger ledger(checker, trace);
  uint64_t write = ledger.begin_write(1, NodeId(1), 1, "k");
  ledger.on_applied_write(2, NodeId(1), 1, Index(10), WriteCommand{write, "k"});
  std::string ctx = ledger.begin_read(3, NodeId(2), 1, "k");
  ledger.on_read_state(4, NodeId(2), 1, raft::ReadState{Index(9), ctx});
  EXPECT_NE(checker.violation().find("stale read"), std::string::npos);
}

TEST(ClientLedger, AckedWritesKeepRealTimeOrder) {
  Trace trace(false);
  SafetyChecker checker(trace);
  ClientLedger ledger(checker, trace);
  uint64_t a = ledger.begin_write(1, NodeId(1), 1, "k");
  ledger.on_applied_write(2, NodeId(1), 1, Index(10), WriteCommand{a, "k"});
  uint64_t b = ledger.begin_write(3, NodeId(1), 1, "k");
  ledger.on_applied_write(4, NodeId(1), 1, Index(8), WriteCommand{b, "k"});
  EXPECT_NE(checker.violation().find("acknowledged before it was invoked"), std::string::npos);
}

}  // namespace
}  // namespace etcd::sim
