// The Watch service over a real gRPC server (GrpcServer on one end of a socket pair, a
// gRPC client on the other), with a fake member whose watch streams the test drives: a
// fan-out from one thread as the member's strand makes it, a client that stops reading,
// one that cancels, one that closes its side, and a server shutdown with streams open.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <grpcpp/create_channel_posix.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "etcd/v3rpc/grpc_server.h"
#include "etcd/v3rpc/unsupported_backend_test_util.h"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace etcd::v3rpc {
namespace {

namespace pb = etcdserverpb;
using namespace std::chrono_literals;

constexpr auto kDeadline = 30s;

// A member whose only service is watch streams: the test sends their replies.
class FakeWatchMember final : public testing::UnsupportedBackend {
 public:
  class Stream final : public WatchStream {
   public:
    Stream(FakeWatchMember& member, std::function<void(mvcc::WatchResponse, Header)> sink)
        : member_(member), sink_(std::move(sink)) {}
    // Only records (the member's create/cancel post to its strand and never wait).
    void create(mvcc::WatchRequest request) override {
      std::lock_guard lock(member_.records_);
      created_.push_back(request.key);
      member_.changed_.notify_all();
    }
    void cancel(int64_t) override {}
    void request_progress() override {}
    void close() override {
      std::lock_guard strand(member_.strand_);  // as the member: no reply after close returns
      std::lock_guard lock(member_.records_);
      closed_ = true;
      member_.changed_.notify_all();
    }
    // One reply, as the member's strand sends it; false once the stream is closed.
    bool send(int64_t revision) {
      std::lock_guard strand(member_.strand_);
      if (closed_) return false;
      mvcc::WatchResponse r;
      r.revision = revision;
      mvcc::Event e;
      e.kv.key = "k";
      e.kv.value = std::string(100, 'v');
      e.kv.mod_revision = revision;
      r.events.push_back(e);
      sink_(std::move(r), Header{1, 2, revision, 3});
      return true;
    }
    bool closed() const { return closed_; }
    size_t created() const { return created_.size(); }  // under records_

   private:
    FakeWatchMember& member_;
    std::function<void(mvcc::WatchResponse, Header)> sink_;
    std::vector<std::string> created_;
    std::atomic<bool> closed_{false};
  };

  std::shared_ptr<WatchStream> open_watch_stream(
      std::function<void(mvcc::WatchResponse, Header)> sink) override {
    auto stream = std::make_shared<Stream>(*this, std::move(sink));
    std::lock_guard lock(records_);
    streams_.push_back(stream);
    changed_.notify_all();
    return stream;
  }

  // Waits until `ready(streams)` holds (under the lock); false at the deadline.
  template <typename F>
  bool wait_for(F ready) {
    std::unique_lock lock(records_);
    return changed_.wait_for(lock, kDeadline, [&] { return ready(streams_); });
  }
  std::vector<std::shared_ptr<Stream>> streams() {
    std::lock_guard lock(records_);
    return streams_;
  }

 private:
  std::mutex strand_;   // held while a reply is sent, as the member's strand runs one
  std::mutex records_;  // streams_, each stream's created watches
  std::condition_variable changed_;
  std::vector<std::shared_ptr<Stream>> streams_;
};

using Call = grpc::ClientReaderWriter<pb::WatchRequest, pb::WatchResponse>;

class WatchServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = GrpcServer::start(member_, {});
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(server).value();
    stub_ = connect();
  }
  void TearDown() override {
    if (server_) server_->shutdown();
  }

  // A client on its own connection (a socket pair: the server adopts one end).
  // `bdp_probe` off keeps the client's receive window at its initial 64 KiB.
  std::unique_ptr<pb::Watch::Stub> connect(bool bdp_probe = true) {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    server_->adopt(fds[0]);
    grpc::ChannelArguments args;
    if (!bdp_probe) args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    return pb::Watch::NewStub(grpc::CreateCustomInsecureChannelFromFd("watch-test", fds[1], args));
  }

  struct Open {
    std::unique_ptr<grpc::ClientContext> context = std::make_unique<grpc::ClientContext>();
    std::unique_ptr<Call> call;
  };
  // Opens `count` streams, each with one watch, and waits until the member has them all.
  std::vector<Open> open_streams(pb::Watch::Stub& stub, size_t count) {
    std::vector<Open> open(count);
    for (auto& o : open) {
      o.call = stub.Watch(o.context.get());
      pb::WatchRequest create;
      create.mutable_create_request()->set_key("k");
      EXPECT_TRUE(o.call->Write(create));
    }
    const size_t before = opened_;
    EXPECT_TRUE(member_.wait_for([&](const auto& streams) {
      size_t created = 0;
      for (size_t i = before; i < streams.size(); ++i)
        created += streams[i]->created();
      return streams.size() >= before + count && created >= count;
    }));
    opened_ += count;
    return open;
  }

  FakeWatchMember member_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<pb::Watch::Stub> stub_;
  size_t opened_ = 0;
};

// Replies sent from one thread to many streams arrive on each stream once and in order,
// with the header and events converted.
TEST_F(WatchServiceTest, AFanOutReachesEveryStreamInOrder) {
  constexpr size_t kStreams = 50;
  constexpr int64_t kRevisions = 40;
  auto open = open_streams(*stub_, kStreams);
  std::thread strand([&] {
    for (int64_t rev = 2; rev < 2 + kRevisions; ++rev) {
      for (auto& s : member_.streams())
        EXPECT_TRUE(s->send(rev));
    }
  });
  for (auto& o : open) {
    for (int64_t rev = 2; rev < 2 + kRevisions; ++rev) {
      pb::WatchResponse r;
      ASSERT_TRUE(o.call->Read(&r));
      EXPECT_EQ(r.header().revision(), rev);
      EXPECT_EQ(r.header().cluster_id(), 1u);
      EXPECT_EQ(r.header().member_id(), 2u);
      EXPECT_EQ(r.header().raft_term(), 3u);
      ASSERT_EQ(r.events_size(), 1);
      EXPECT_EQ(r.events(0).kv().mod_revision(), rev);
      EXPECT_EQ(r.events(0).kv().value(), std::string(100, 'v'));
    }
  }
  strand.join();
  for (auto& o : open)
    o.context->TryCancel();
  EXPECT_TRUE(member_.wait_for([](const auto& streams) {
    for (const auto& s : streams)
      if (!s->closed()) return false;
    return true;
  })) << "a canceled call closes its member stream";
}

// A client that stops reading: once 10000 replies wait, the stream ends with
// RESOURCE_EXHAUSTED, and what was written before arrives first, in order.
TEST_F(WatchServiceTest, AStreamThatFallsTooFarBehindIsEnded) {
  auto slow = connect(/*bdp_probe=*/false);
  auto open = open_streams(*slow, 1);
  auto stream = member_.streams().back();
  // Past the 10000 queued, plus what the client's window and the socket take.
  constexpr int64_t kSent = 20000;
  for (int64_t rev = 1; rev <= kSent; ++rev)
    (void)stream->send(rev);
  pb::WatchResponse r;
  int64_t expected = 1;
  while (open[0].call->Read(&r))
    EXPECT_EQ(r.header().revision(), expected++);
  EXPECT_LT(expected, kSent - 5000) << "the queued replies were dropped with the stream";
  const grpc::Status status = open[0].call->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(), "etcdserver: watch stream fell too far behind");
  EXPECT_TRUE(member_.wait_for([&](const auto&) { return stream->closed(); }));
}

// As etcd: a client that closes its sending side still gets its replies.
TEST_F(WatchServiceTest, AClientThatClosesItsSideKeepsReceiving) {
  auto open = open_streams(*stub_, 1);
  ASSERT_TRUE(open[0].call->WritesDone());
  auto stream = member_.streams().back();
  for (int64_t rev = 2; rev < 12; ++rev)
    ASSERT_TRUE(stream->send(rev));
  for (int64_t rev = 2; rev < 12; ++rev) {
    pb::WatchResponse r;
    ASSERT_TRUE(open[0].call->Read(&r));
    EXPECT_EQ(r.header().revision(), rev);
  }
  EXPECT_FALSE(stream->closed());
}

// Shutdown with streams open (some mid fan-out) ends every call and closes every member
// stream; the clients see the calls end.
TEST_F(WatchServiceTest, ShutdownEndsOpenStreams) {
  auto second = connect();
  auto open = open_streams(*stub_, 20);
  auto more = open_streams(*second, 20);
  std::atomic<bool> stop{false};
  std::thread strand([&] {
    for (int64_t rev = 2; !stop; ++rev) {
      for (auto& s : member_.streams())
        (void)s->send(rev);
    }
  });
  server_->shutdown();
  stop = true;
  strand.join();
  for (const auto& s : member_.streams())
    EXPECT_TRUE(s->closed());
  for (auto* list : {&open, &more}) {
    for (auto& o : *list) {
      pb::WatchResponse r;
      while (o.call->Read(&r)) {
      }
      EXPECT_FALSE(o.call->Finish().ok());
    }
  }
}

}  // namespace
}  // namespace etcd::v3rpc
