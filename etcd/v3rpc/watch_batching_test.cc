#include "etcd/v3rpc/watch_batching.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace etcd::v3rpc {
namespace {

// A connected loopback TCP pair; the test corks the accepted end.
struct TcpPair {
  TcpPair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener, 1), 0);
    EXPECT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    client = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    server = ::accept(listener, nullptr, nullptr);
    ::close(listener);
  }
  ~TcpPair() {
    ::close(client);
    ::close(server);
  }
  int client = -1;
  int server = -1;
};

bool corked(int fd) {
  int value = -1;
  socklen_t len = sizeof value;
  EXPECT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_CORK, &value, &len), 0);
  return value != 0;
}

TEST(WatchBatching, ReadsTheDescriptorFromGrpcsPeerString) {
  EXPECT_EQ(WatchBatching::descriptor_of("fd:17"), 17);
  EXPECT_EQ(WatchBatching::descriptor_of("fd:0"), 0);
  EXPECT_EQ(WatchBatching::descriptor_of("ipv4:127.0.0.1:2379"), -1);
  EXPECT_EQ(WatchBatching::descriptor_of("fd:"), -1);
  EXPECT_EQ(WatchBatching::descriptor_of("fd:12x"), -1);
  EXPECT_EQ(WatchBatching::descriptor_of("fd:-3"), -1);
}

TEST(WatchBatching, CorksAConnectionFromItsSecondMessageUntilTheBatchEnds) {
  TcpPair pair;
  WatchBatching batching;
  {
    auto batch = batching.begin();
    batching.before_write(pair.server);
    EXPECT_FALSE(corked(pair.server));  // one message: nothing to coalesce
    batching.before_write(pair.server);
    EXPECT_TRUE(corked(pair.server));
    batching.before_write(pair.server);
    EXPECT_TRUE(corked(pair.server));
  }
  EXPECT_FALSE(corked(pair.server));
}

TEST(WatchBatching, WritesOutsideABatchAreLeftAlone) {
  TcpPair pair;
  WatchBatching batching;
  batching.before_write(pair.server);
  batching.before_write(pair.server);
  EXPECT_FALSE(corked(pair.server));
  {
    auto batch = batching.begin();
    batching.before_write(pair.server);  // the count starts again with each batch
    EXPECT_FALSE(corked(pair.server));
  }
}

TEST(WatchBatching, UnknownAndClosedDescriptorsDoNotDisturbTheOthers) {
  TcpPair pair;
  WatchBatching batching;
  {
    auto batch = batching.begin();
    batching.before_write(-1);
    const int closed = ::dup(pair.client);
    ::close(closed);
    batching.before_write(closed);
    batching.before_write(closed);  // setsockopt fails: only the coalescing is lost
    batching.before_write(pair.server);
    batching.before_write(pair.server);
    EXPECT_TRUE(corked(pair.server));
  }
  EXPECT_FALSE(corked(pair.server));
}

}  // namespace
}  // namespace etcd::v3rpc
