// EtcdServer in process, one member on loopback: what the v2 API's handlers rely on from
// api::Backend beyond the store's own rules.
#include "etcd/server/etcd_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>

namespace etcd::server {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A loopback port nothing listens on right now (the kernel's choice for port 0).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class EtcdServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("etcd-server-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    const std::string peer = "http://127.0.0.1:" + std::to_string(free_port());
    ServerConfig config;
    config.bootstrap.name = "m0";
    config.bootstrap.data_dir = (dir_ / "m0.etcd").string();
    config.bootstrap.advertise_peer_urls = {peer};
    config.bootstrap.initial_cluster = {{"m0", peer}};
    config.listen_peer_urls = {peer};
    config.listen_client_urls = {"http://127.0.0.1:" + std::to_string(free_port())};
    config.heartbeat_ms = 10;
    config.election_ms = 100;
    auto started = EtcdServer::start(std::move(config));
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_ = std::move(started).value();
  }

  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    fs::remove_all(dir_);
  }

  // PUT path=value through raft; retried while the member is still electing itself.
  void put(const std::string& path, const std::string& value) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (true) {
      store::Request request;
      request.method = store::Method::put;
      request.path = path;
      request.value = value;
      std::promise<bool> done;
      server_->write(request, [&done](api::EventResult result, api::IndexHeaders) {
        done.set_value(result.ok());
      });
      if (done.get_future().get()) return;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no write succeeded in 30 s";
      std::this_thread::sleep_for(20ms);
    }
  }

  fs::path dir_;
  std::unique_ptr<EtcdServer> server_;
};

// The HTTP exchange keeps the cancel hook watch() returns until the exchange is destroyed,
// and the watch's callbacks keep the exchange: once a watch has ended, the member must
// drop its callbacks, or every answered long-poll watch leaks (it did: ~20 KB each, with
// its HTTP session, found by LeakSanitizer at a graceful stop).
TEST_F(EtcdServerTest, AnEndedWatchReleasesItsCallbacksWhileTheCancelHookLives) {
  put("/warm", "up");
  auto held_by_callbacks = std::make_shared<int>(0);
  std::weak_ptr<int> released = held_by_callbacks;
  std::promise<std::string> event_value;
  api::KeysRequest request;
  request.request.method = store::Method::get;
  request.request.path = "/k";
  request.wait = true;
  api::WatchCallbacks callbacks;
  callbacks.on_start = [held_by_callbacks](store::StoreResult<api::IndexHeaders>) {};
  callbacks.on_event = [held_by_callbacks,
                        &event_value](std::shared_ptr<const store::Event> event) {
    event_value.set_value(event->node.value.value_or(""));
  };
  callbacks.on_end = [held_by_callbacks] {};
  api::CancelWatch cancel_hook = server_->watch(request, std::move(callbacks));
  held_by_callbacks.reset();

  put("/k", "v1");
  auto fired = event_value.get_future();
  ASSERT_EQ(fired.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(fired.get(), "v1");
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!released.expired() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(released.expired()) << "the ended watch still holds its callbacks";
  EXPECT_TRUE(cancel_hook);  // still alive, as in the exchange
}

}  // namespace
}  // namespace etcd::server
