// PeerTransport on real sockets: several members in one process on 127.0.0.1.
#include "etcd/transport/peer_transport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "etcd/transport/test_cluster.h"

namespace etcd::transport {
namespace {

using namespace testing;

class PeerTransportTest : public ::testing::Test {
 protected:
  // Declared first: destroyed last, after the io threads are joined.
  LogCapture log_;
  IoThreads threads_{2};

  std::unique_ptr<Node> started(Options options,
                                std::function<PeerHttpResponse(const PeerHttpRequest&)> http = {}) {
    auto node = std::make_unique<Node>(threads_.io(), std::move(options), std::move(http));
    auto result = node->start();
    EXPECT_TRUE(result.ok()) << result.error().message;
    return node;
  }

  static void link(Node& a, Node& b) {
    a.transport().add_peer(b.id(), {b.url()});
    b.transport().add_peer(a.id(), {a.url()});
  }

  // Sends one message from -> to and waits for it, so later sends find an open stream.
  static void await_stream(Node& from, Node& to) {
    constexpr uint64_t kProbe = 999'999'999;
    from.transport().send({numbered(from.id(), to.id(), kProbe)});
    ASSERT_TRUE(to.inbox().wait([&](Inbox& in) {
      return !in.messages.empty() && in.messages.back().index == Index(kProbe);
    }));
    (void)to.inbox().take_messages();
  }

  static bool has_index(const Inbox& in, uint64_t number) {
    return std::any_of(in.messages.begin(), in.messages.end(),
                       [&](const raft::Message& m) { return m.index == Index(number); });
  }
};

void send_numbered(Node& from, NodeId to, uint64_t first, uint64_t count, uint64_t per_call) {
  for (uint64_t i = first; i < first + count; i += per_call) {
    std::vector<raft::Message> batch;
    for (uint64_t j = i; j < std::min(first + count, i + per_call); ++j) {
      batch.push_back(numbered(from.id(), to, j));
    }
    from.transport().send(std::move(batch));
  }
}

void expect_in_order(const std::vector<raft::Message>& messages, NodeId from, uint64_t count) {
  ASSERT_EQ(messages.size(), count);
  for (uint64_t i = 0; i < count; ++i) {
    ASSERT_EQ(messages[i].index, Index(i)) << "message " << i << " out of order";
    ASSERT_EQ(messages[i].from, from);
  }
}

// How often `peer` has been reported unreachable to `node` so far. link() may already have
// reported it (a dial refused before the peer knew us), so a test that waits for a stream's
// loss waits for a report newer than this count: only then does what it sends wait in the
// queue instead of going down the dying connection.
int unreachable_reports(Node& node, NodeId peer) {
  int count = 0;
  node.inbox().wait([&](Inbox& in) {
    count = in.unreachable[peer];
    return true;
  });
  return count;
}

bool wait_unreachable_report(Node& node, NodeId peer, int reported_before) {
  return node.inbox().wait([&](Inbox& in) { return in.unreachable[peer] > reported_before; });
}

TEST_F(PeerTransportTest, DeliversThousandsOfMessagesInOrderBothWays) {
  constexpr uint64_t kCount = 20'000;
  auto options_a = member_options(1);
  auto options_b = member_options(2);
  // Order is under test here, not overflow: a slow (sanitizer) build must not drop.
  options_a.queue_messages_max = options_b.queue_messages_max = kCount;
  auto a = started(options_a);
  auto b = started(options_b);
  link(*a, *b);
  await_stream(*a, *b);
  await_stream(*b, *a);
  send_numbered(*a, b->id(), 0, kCount, 37);
  send_numbered(*b, a->id(), 0, kCount, 53);
  ASSERT_TRUE(b->inbox().wait([&](Inbox& in) { return in.messages.size() >= kCount; }));
  ASSERT_TRUE(a->inbox().wait([&](Inbox& in) { return in.messages.size() >= kCount; }));
  expect_in_order(b->inbox().take_messages(), a->id(), kCount);
  expect_in_order(a->inbox().take_messages(), b->id(), kCount);
  EXPECT_EQ(a->transport().stats().messages_dropped, 0u);
}

TEST_F(PeerTransportTest, BatchesManyMessagesPerWrite) {
  constexpr uint64_t kCount = 4000;  // within the default queue bound
  auto a = started(member_options(1));
  auto b = started(member_options(2));
  link(*a, *b);
  await_stream(*a, *b);
  // Counted on the receiver, which counts a batch before delivering its messages.
  const Stats before = b->transport().stats();
  send_numbered(*a, b->id(), 0, kCount, kCount);
  ASSERT_TRUE(b->inbox().wait([&](Inbox& in) { return in.messages.size() >= kCount; }));
  expect_in_order(b->inbox().take_messages(), a->id(), kCount);
  const Stats after = b->transport().stats();
  EXPECT_EQ(after.messages_received - before.messages_received, kCount);
  EXPECT_LE(after.batches_received - before.batches_received, 4u)
      << "one send() should be about one write";
}

TEST_F(PeerTransportTest, ReconnectsAfterThePeerRestarts) {
  auto a = started(member_options(1));
  auto b = started(member_options(2));
  link(*a, *b);
  await_stream(*a, *b);
  const std::string b_url = b->url();
  const int reported = unreachable_reports(*a, NodeId(2));
  b.reset();  // the receiver goes away: its connections close
  ASSERT_TRUE(wait_unreachable_report(*a, NodeId(2), reported))
      << "losing the stream is reported as unreachable";
  send_numbered(*a, NodeId(2), 100, 1, 1);  // queued during the outage
  auto options_b = member_options(2);
  options_b.listen_urls = {b_url};
  b = started(options_b);
  b->transport().add_peer(a->id(), {a->url()});
  send_numbered(*a, NodeId(2), 200, 1, 1);
  ASSERT_TRUE(b->inbox().wait([](Inbox& in) { return has_index(in, 200); }));
  const auto received = b->inbox().take_messages();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].index, Index(100)) << "the queue survives the outage, in order";
  EXPECT_GE(a->transport().stats().streams_connected, 2u);
}

// Accepts TCP connections and holds each one, unanswered, until release(): a peer URL where a
// dial hangs in its handshake for as long as the test wants.
class HoldingListener : public std::enable_shared_from_this<HoldingListener> {
 public:
  explicit HoldingListener(boost::asio::io_context& io)
      : acceptor_(boost::asio::make_strand(io), {boost::asio::ip::make_address("127.0.0.1"), 0}) {}
  void start() { accept_next(); }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  bool wait_accepted(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kDeadline, [&] { return accepted_ >= count; });
  }
  // Closes the held connections (the hanging dials fail); with `stop`, the listener too.
  void release(bool stop = false) {
    boost::asio::post(acceptor_.get_executor(), [self = shared_from_this(), stop] {
      self->held_.clear();
      if (stop) self->acceptor_.close();
    });
  }

 private:
  void accept_next() {
    acceptor_.async_accept([self = shared_from_this()](boost::system::error_code ec,
                                                       boost::asio::ip::tcp::socket socket) {
      if (ec) return;
      self->held_.push_back(std::move(socket));
      {
        std::lock_guard lock(self->mutex_);
        ++self->accepted_;
      }
      self->changed_.notify_all();
      self->accept_next();
    });
  }

  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<boost::asio::ip::tcp::socket> held_;  // on the acceptor's strand
  std::mutex mutex_;
  std::condition_variable changed_;
  int accepted_ = 0;
};

TEST_F(PeerTransportTest, APeerThatComesBackIsRedialedWithoutWaitingOutTheBackoff) {
  auto options_a = member_options(1);
  options_a.backoff_initial = std::chrono::minutes(1);  // a redial by backoff never comes
  options_a.backoff_max = std::chrono::minutes(1);
  auto a = started(options_a);
  auto b = started(member_options(2));
  link(*a, *b);
  await_stream(*a, *b);
  const std::string b_url = b->url();
  const int reported = unreachable_reports(*a, NodeId(2));
  b.reset();
  ASSERT_TRUE(wait_unreachable_report(*a, NodeId(2), reported));
  auto options_b = member_options(2);
  options_b.listen_urls = {b_url};
  b = started(options_b);
  b->transport().add_peer(a->id(), {a->url()});
  await_stream(*b, *a);  // b's stream to a tells a that b is back
  send_numbered(*a, NodeId(2), 300, 1, 1);
  EXPECT_TRUE(b->inbox().wait([](Inbox& in) { return has_index(in, 300); }))
      << "a still waits out its one-minute backoff";
}

// The comeback signal (the peer's stream in) may land while a dial to it is still under way
// and then fails, e.g. one that began before the peer was up: that failure must not put the
// redial behind the backoff.
TEST_F(PeerTransportTest, AComebackDuringADialThatThenFailsIsRedialedAtOnce) {
  auto options_a = member_options(1);
  options_a.backoff_initial = std::chrono::minutes(1);  // a redial by backoff never comes
  options_a.backoff_max = std::chrono::minutes(1);
  options_a.dial_timeout = options_a.io_timeout = std::chrono::minutes(1);
  auto a = started(options_a);
  auto b = started(member_options(2));
  auto hold = std::make_shared<HoldingListener>(threads_.io());
  hold->start();
  a->transport().add_peer(b->id(), {hold->url()});  // a's dials to member 2 hang there
  ASSERT_TRUE(hold->wait_accepted(1));
  b->transport().add_peer(a->id(), {a->url()});
  await_stream(*b, *a);  // member 2 is up: a hears so while its dial still hangs
  hold->release();       // ... and then that dial fails
  EXPECT_TRUE(hold->wait_accepted(2)) << "a waits out its one-minute backoff";
  hold->release(/*stop=*/true);
}

TEST_F(PeerTransportTest, RefusesAStreamFromAnotherCluster) {
  auto a = started(member_options(1, 0xaaaa));
  auto b = started(member_options(2, 0xbbbb));
  link(*a, *b);
  a->transport().send({numbered(a->id(), b->id(), 1)});
  EXPECT_TRUE(log_.wait_for({"refused raft stream",
                             "cluster ID mismatch: local 000000000000bbbb, "
                             "remote 000000000000aaaa"}));
  EXPECT_TRUE(log_.wait_for({"peer 0000000000000002: cannot open stream",
                             "refused: 412 cluster ID mismatch: local 000000000000bbbb"}));
  EXPECT_GE(b->transport().stats().inbound_refused, 1u);
  EXPECT_GE(a->transport().stats().dial_failures, 1u);
  EXPECT_EQ(b->transport().stats().messages_received, 0u);
}

TEST_F(PeerTransportTest, RefusesAnUnknownSenderUntilItIsAdded) {
  auto a = started(member_options(1));
  auto b = started(member_options(2));
  a->transport().add_peer(b->id(), {b->url()});  // b does not know a yet
  a->transport().send({numbered(a->id(), b->id(), 1)});
  EXPECT_TRUE(log_.wait_for({"refused raft stream", "sender 0000000000000001 is not a member"}));
  EXPECT_TRUE(log_.wait_for({"cannot open stream", "refused: 403"}));
  EXPECT_EQ(b->transport().stats().messages_received, 0u);
  b->transport().add_peer(a->id(), {a->url()});  // now a member: the retry gets in
  ASSERT_TRUE(b->inbox().wait([](Inbox& in) { return has_index(in, 1); }));
}

TEST_F(PeerTransportTest, RefusesAStreamMeantForAnotherMember) {
  auto a = started(member_options(1));
  auto b = started(member_options(2));
  b->transport().add_peer(a->id(), {a->url()});
  a->transport().add_peer(NodeId(3), {b->url()});  // a believes member 3 lives at b's URL
  a->transport().send({numbered(a->id(), NodeId(3), 1)});
  EXPECT_TRUE(log_.wait_for({"refused raft stream", "receiver ID mismatch"}));
  EXPECT_EQ(b->transport().stats().messages_received, 0u);
}

TEST_F(PeerTransportTest, ARemovedPeerIsNoLongerAdmittedAndIsToldSo) {
  auto a = started(member_options(1));
  auto b = started(member_options(2));
  link(*a, *b);
  await_stream(*a, *b);
  b->transport().remove_peer(a->id());
  a->transport().send({numbered(a->id(), b->id(), 7)});
  EXPECT_TRUE(log_.wait_for({"raft stream from", "ended: sender is no longer a member"}));
  EXPECT_TRUE(log_.wait_for({"cannot open stream", "refused: 410"}));
  ASSERT_TRUE(a->inbox().wait([](Inbox& in) { return !in.removed_by.empty(); }))
      << "the removed member learns it from the 410";
  EXPECT_EQ(a->inbox().removed_by.front(), b->id());
  EXPECT_TRUE(b->inbox().take_messages().empty());
}

TEST_F(PeerTransportTest, TriesEachUrlOfAPeerInTurn) {
  auto a = started(member_options(1));
  auto b = started(member_options(2));
  a->transport().add_peer(b->id(), {dead_url(), b->url()});
  b->transport().add_peer(a->id(), {a->url()});
  a->transport().send({numbered(a->id(), b->id(), 5)});
  ASSERT_TRUE(b->inbox().wait([](Inbox& in) { return has_index(in, 5); }));
}

TEST_F(PeerTransportTest, UpdatePeerMovesTheStreamToTheNewUrl) {
  auto a = started(member_options(1));
  auto old_b = started(member_options(2));
  auto new_b = started(member_options(2));  // member 2 moved to another address
  link(*a, *old_b);
  new_b->transport().add_peer(a->id(), {a->url()});
  await_stream(*a, *old_b);
  const int reported = unreachable_reports(*a, NodeId(2));
  a->transport().update_peer(NodeId(2), {new_b->url()});
  ASSERT_TRUE(wait_unreachable_report(*a, NodeId(2), reported))
      << "the stream to the old URL is closed";
  a->transport().send({numbered(a->id(), NodeId(2), 42)});
  ASSERT_TRUE(new_b->inbox().wait([](Inbox& in) { return has_index(in, 42); }));
  EXPECT_TRUE(old_b->inbox().take_messages().empty());
}

TEST_F(PeerTransportTest, MessagesToAnUnknownPeerAreDroppedAndItsSnapshotsFail) {
  auto a = started(member_options(1));
  raft::Message snapshot = numbered(a->id(), NodeId(9), 1);
  snapshot.type = raft::MessageType::snapshot;
  snapshot.snapshot = raft::Snapshot{{Index(1), Term(1), {}}, "data"};
  a->transport().send({numbered(a->id(), NodeId(9), 0), snapshot});
  ASSERT_TRUE(a->inbox().wait([](Inbox& in) { return !in.snapshot_status.empty(); }));
  EXPECT_EQ(a->inbox().snapshot_status.at(0), std::pair(NodeId(9), false));
  EXPECT_EQ(a->transport().stats().messages_dropped, 2u);
}

TEST_F(PeerTransportTest, DropsAndReportsUnreachableWhenTheQueueOverflows) {
  auto options = member_options(1);
  options.queue_messages_max = 100;
  auto a = started(options);
  a->transport().add_peer(NodeId(2), {dead_url()});
  send_numbered(*a, NodeId(2), 0, 150, 150);
  ASSERT_TRUE(a->inbox().wait([](Inbox& in) { return in.unreachable[NodeId(2)] >= 1; }));
  EXPECT_EQ(a->transport().stats().messages_dropped, 50u);
}

raft::Message snapshot_message(NodeId from, NodeId to, std::string data) {
  raft::Message m;
  m.type = raft::MessageType::snapshot;
  m.from = from;
  m.to = to;
  m.term = Term(5);
  m.snapshot = raft::Snapshot{{Index(1000), Term(4), {{from, to}, {}}}, std::move(data)};
  return m;
}

std::string pattern_bytes(size_t size) {
  std::string data(size, '\0');
  Rng rng(7);
  for (size_t i = 0; i + 8 <= size; i += 8) {
    const uint64_t word = rng.next();
    std::memcpy(data.data() + i, &word, 8);
  }
  return data;
}

TEST_F(PeerTransportTest, TransfersA64MegabyteSnapshot) {
  auto a = started(member_options(1));
  auto b = started(member_options(2));
  link(*a, *b);
  const std::string data = pattern_bytes(64 << 20);
  a->transport().send({snapshot_message(a->id(), b->id(), data)});
  ASSERT_TRUE(a->inbox().wait([](Inbox& in) { return !in.snapshot_status.empty(); }, 60s));
  EXPECT_EQ(a->inbox().snapshot_status.at(0), std::pair(NodeId(2), true));
  ASSERT_TRUE(b->inbox().wait([](Inbox& in) { return !in.messages.empty(); }));
  const auto received = b->inbox().take_messages();
  ASSERT_EQ(received.size(), 1u);
  ASSERT_TRUE(received[0].snapshot.has_value());
  EXPECT_EQ(received[0].snapshot->metadata.index, Index(1000));
  EXPECT_TRUE(received[0].snapshot->data == data) << "snapshot data differs";
  EXPECT_EQ(b->transport().stats().snapshots_received, 1u);
}

TEST_F(PeerTransportTest, ReportsAFailedSnapshotWhenThePeerIsGone) {
  auto a = started(member_options(1));
  a->transport().add_peer(NodeId(2), {dead_url()});
  a->transport().send({snapshot_message(a->id(), NodeId(2), pattern_bytes(1 << 20))});
  ASSERT_TRUE(a->inbox().wait([](Inbox& in) { return !in.snapshot_status.empty(); }));
  EXPECT_EQ(a->inbox().snapshot_status.at(0), std::pair(NodeId(2), false));
  EXPECT_EQ(a->transport().stats().snapshots_failed, 1u);
}

TEST_F(PeerTransportTest, ServesVersionAndPassesOtherRequestsToTheHandler) {
  auto plain = started(member_options(1));
  const std::string version =
      raw_exchange(plain->url(), "GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(version.find("HTTP/1.1 200 OK"), std::string::npos) << version;
  EXPECT_NE(version.find(R"("etcdserver":)"), std::string::npos) << version;
  const std::string missing =
      raw_exchange(plain->url(), "GET /members HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(missing.find("HTTP/1.1 404"), std::string::npos) << missing;

  auto custom = started(member_options(2), [](const PeerHttpRequest& request) {
    return PeerHttpResponse{.body = "[\"" + request.method + " " + request.target + "\"]"};
  });
  const std::string members =
      raw_exchange(custom->url(), "GET /members HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(members.find("[\"GET /members\"]"), std::string::npos) << members;
}

TEST_F(PeerTransportTest, StartReportsAnAddressInUse) {
  auto a = started(member_options(1));
  auto options = member_options(2);
  options.listen_urls = {a->url()};
  Node b(threads_.io(), options);
  auto result = b.start();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "listen tcp " + a->url().substr(7) + ": address already in use");
}

TEST_F(PeerTransportTest, MeasuresSmallMessageThroughput) {
  constexpr uint64_t kCount = 200'000;
  constexpr uint64_t kWindow = 3000;  // in flight, below the queue bound (raft is windowed too)
  auto a = started(member_options(1));
  auto b = started(member_options(2));
  link(*a, *b);
  await_stream(*a, *b);
  const Stats before = b->transport().stats();
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t sent = 0; sent < kCount; sent += 100) {
    send_numbered(*a, b->id(), sent, 100, 100);
    if (sent >= kWindow) {
      ASSERT_TRUE(b->inbox().wait([&](Inbox& in) { return in.messages.size() + kWindow >= sent; }));
    }
  }
  ASSERT_TRUE(b->inbox().wait([&](Inbox& in) { return in.messages.size() >= kCount; }));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Stats after = b->transport().stats();
  const uint64_t batches = after.batches_received - before.batches_received;
  std::printf(
      "throughput: %llu heartbeats in %.3f s = %.0f msgs/s, %llu writes (%.0f msgs/write)\n",
      static_cast<unsigned long long>(kCount), seconds, kCount / seconds,
      static_cast<unsigned long long>(batches), double(kCount) / double(batches));
  RecordProperty("messages_per_second", static_cast<int>(kCount / seconds));
  expect_in_order(b->inbox().take_messages(), a->id(), kCount);
}

}  // namespace
}  // namespace etcd::transport
