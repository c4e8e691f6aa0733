// The proxy end to end in one process: fake members (etcd/http servers with scripted
// handlers), the forwarder or the whole Proxy, and a plain Beast client.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "etcd/http/server.h"
#include "etcd/proxy/cluster_file.h"
#include "etcd/proxy/forwarder.h"
#include "etcd/proxy/proxy.h"

namespace etcd::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;

struct Reply {
  int status = 0;
  std::string body;
  bhttp::fields headers;
};

Reply call(uint16_t port, bhttp::verb method, const std::string& target,
           const std::string& body = "") {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(10s);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> req{method, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  if (!body.empty()) req.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
  req.body() = body;
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  return {static_cast<int>(res.result_int()), res.body(), res.base()};
}

// An io_context with threads, and http servers on it.
class Loop {
 public:
  Loop() : guard_(asio::make_work_guard(io_)) {
    for (int i = 0; i < 2; ++i)
      threads_.emplace_back([this] { io_.run(); });
  }
  ~Loop() {
    for (auto& s : servers_)
      s->stop();
    guard_.reset();
    io_.stop();
    for (auto& t : threads_)
      t.join();
  }
  uint16_t serve(http::Handler handler) {
    servers_.push_back(std::make_unique<http::Server>(io_, http::Limits{}, std::move(handler)));
    return servers_.back()->listen("127.0.0.1", 0).value();
  }
  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::vector<std::unique_ptr<http::Server>> servers_;
  std::vector<std::thread> threads_;
};

std::string url(uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

uint16_t dead_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();  // closed when `a` goes: connections are refused
}

// A member that echoes what it got, as an etcd-ish JSON answer.
http::Handler echo_member(std::string name) {
  return [name](std::shared_ptr<http::Exchange> e) {
    const auto& r = e->request();
    const std::string* xff = r.header("X-Forwarded-For");
    http::Response res{.status = r.method == "PUT" ? 201 : 200};
    res.set("Content-Type", "application/json");
    res.set("X-Etcd-Index", "7");
    res.body = name + " " + r.method + " " + r.target + " " + r.body + " xff=" + (xff ? *xff : "-");
    e->respond(std::move(res));
  };
}

class ForwarderTest : public ::testing::Test {
 protected:
  uint16_t start_proxy(std::vector<std::string> members, bool readonly = false,
                       int64_t failure_wait_ms = 5000) {
    endpoints_ = std::make_unique<Endpoints>(clock_, failure_wait_ms, 3);
    endpoints_->set(std::move(members));
    return loop_.serve(make_forwarder(loop_.io(), *endpoints_, {.readonly = readonly}));
  }

  SystemClock clock_;
  std::unique_ptr<Endpoints> endpoints_;
  Loop loop_;
};

TEST_F(ForwarderTest, RelaysRequestAndResponse) {
  const uint16_t member = loop_.serve(echo_member("m1"));
  const uint16_t proxy = start_proxy({url(member)});
  auto got = call(proxy, bhttp::verb::put, "/v2/keys/a?prevExist=false", "value=1");
  EXPECT_EQ(got.status, 201);
  EXPECT_EQ(got.body, "m1 PUT /v2/keys/a?prevExist=false value=1 xff=127.0.0.1");
  EXPECT_EQ(got.headers["X-Etcd-Index"], "7");
  EXPECT_EQ(got.headers["Content-Type"], "application/json");
  auto get = call(proxy, bhttp::verb::get, "/v2/keys/a");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "m1 GET /v2/keys/a  xff=127.0.0.1");
}

TEST_F(ForwarderTest, ReadonlyRefusesWritesWithABare501) {
  std::atomic<int> seen{0};
  const uint16_t member = loop_.serve([&seen](std::shared_ptr<http::Exchange> e) {
    ++seen;
    e->respond({.status = 200, .body = "ok"});
  });
  const uint16_t proxy = start_proxy({url(member)}, /*readonly=*/true);
  for (auto verb : {bhttp::verb::put, bhttp::verb::post, bhttp::verb::delete_}) {
    auto got = call(proxy, verb, "/v2/keys/a", "value=1");
    EXPECT_EQ(got.status, 501);
    EXPECT_EQ(got.body, "");
    EXPECT_EQ(got.headers["Content-Length"], "0");
  }
  EXPECT_EQ(seen.load(), 0);
  EXPECT_EQ(call(proxy, bhttp::verb::get, "/v2/keys/a").body, "ok");
}

TEST_F(ForwarderTest, FailsOverAndMarksTheDeadMember) {
  const std::string dead = url(dead_port());
  const std::string alive = url(loop_.serve(echo_member("alive")));
  const uint16_t proxy = start_proxy({dead, alive});
  for (int i = 0; i < 50 && endpoints_->available().front() != dead; ++i) {
    endpoints_->set({dead, alive});  // reshuffle until the dead one comes first
  }
  ASSERT_EQ(endpoints_->available().front(), dead);
  auto got = call(proxy, bhttp::verb::get, "/v2/keys/x");
  EXPECT_EQ(got.status, 200);
  EXPECT_TRUE(got.body.starts_with("alive GET")) << got.body;
  EXPECT_EQ(endpoints_->available(), std::vector<std::string>{alive});
}

TEST_F(ForwarderTest, EtcdErrorsWhenNoMemberAnswers) {
  const uint16_t none = start_proxy({});
  auto zero = call(none, bhttp::verb::get, "/v2/keys/x");
  EXPECT_EQ(zero.status, 503);
  EXPECT_EQ(zero.body, R"({"message":"httpproxy: zero endpoints currently available"})");
  const uint16_t proxy = loop_.serve(make_forwarder(loop_.io(), *endpoints_, {}));
  endpoints_->set({url(dead_port()), url(dead_port())});
  auto bad = call(proxy, bhttp::verb::get, "/v2/keys/x");
  EXPECT_EQ(bad.status, 502);
  EXPECT_EQ(bad.body, R"x({"message":"httpproxy: unable to get response from 2 endpoint(s)"})x");
  EXPECT_EQ(bad.headers["Content-Type"], "application/json");
}

TEST_F(ForwarderTest, LocalConfigListsEndpoints) {
  const uint16_t proxy = start_proxy({"http://10.0.0.1:2379"});
  auto got = call(proxy, bhttp::verb::get, "/v2/config/local/proxy");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "{\"endpoints\":[\"http://10.0.0.1:2379\"]}\n");
}

// A watch: the head and each event reach the client while the member's stream is open,
// and a client hanging up releases the member's side.
TEST_F(ForwarderTest, StreamsChunksAsTheyComeAndPropagatesHangUps) {
  std::promise<std::shared_ptr<http::Exchange>> member_side;
  std::promise<void> aborted;
  const uint16_t member = loop_.serve([&](std::shared_ptr<http::Exchange> e) {
    e->on_abort([&aborted] { aborted.set_value(); });
    http::Response head{.status = 200};
    head.set("Content-Type", "application/json");
    e->begin_stream(std::move(head));
    member_side.set_value(e);
  });
  const uint16_t proxy = start_proxy({url(member)});
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(10s);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), proxy));
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/v2/keys/a?wait=true", 11};
  req.set(bhttp::field::host, "127.0.0.1");  // HTTP/1.1 without Host is refused (400)
  bhttp::write(stream, req);
  auto member_future = member_side.get_future();
  ASSERT_EQ(member_future.wait_for(10s), std::future_status::ready) << "the proxy never forwarded";
  auto exchange = member_future.get();
  exchange->write_chunk("{\"action\":\"set\"}");
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  bhttp::read_header(stream, buffer, parser);
  EXPECT_EQ(parser.get().result_int(), 200u);
  EXPECT_TRUE(parser.chunked());
  while (parser.get().body().empty())
    bhttp::read_some(stream, buffer, parser);
  EXPECT_EQ(parser.get().body(), "{\"action\":\"set\"}");
  stream.close();
  EXPECT_EQ(aborted.get_future().wait_for(10s), std::future_status::ready);
}

// The whole Proxy: learns client URLs from a peer's /members, keeps the peer URLs in the
// cluster file, and restarts from that file alone.
TEST(Proxy, LearnsMembersAndRestartsFromItsClusterFile) {
  Loop loop;
  const uint16_t client = loop.serve(echo_member("m1"));
  std::string peer_url;
  const uint16_t peer = loop.serve([&client, &peer_url](std::shared_ptr<http::Exchange> e) {
    http::Response r{.status = e->request().path() == "/members" ? 200 : 404};
    r.body = R"({"clusterID":"1","members":[{"id":"1","name":"m1","peerURLs":[")" + peer_url +
             R"("],"clientURLs":[")" + url(client) + R"("]}]})";
    e->respond(std::move(r));
  });
  peer_url = url(peer);
  const std::string data_dir =
      (std::filesystem::temp_directory_path() / ("proxy-test-" + std::to_string(::getpid())))
          .string();
  for (int round = 0; round < 2; ++round) {
    std::promise<void> ready;
    ProxyConfig config{
        .data_dir = data_dir,
        .listen_client_urls = {url(dead_port())},
        .initial_peer_urls = round == 0 ? std::vector{peer_url} : std::vector<std::string>{},
        .on_ready = [&ready] { ready.set_value(); }};
    auto proxy = Proxy::start(std::move(config));
    ASSERT_TRUE(proxy.ok()) << proxy.error().message;
    ASSERT_EQ(ready.get_future().wait_for(10s), std::future_status::ready);
    auto got = call((*proxy)->client_ports().at(0), bhttp::verb::get, "/v2/keys/a");
    EXPECT_EQ(got.status, 200);
    EXPECT_TRUE(got.body.starts_with("m1 GET /v2/keys/a")) << got.body;
    EXPECT_EQ(read_cluster_file(proxy_dir(data_dir)).value().value(),
              std::vector<std::string>{peer_url});
  }
  EXPECT_FALSE(std::filesystem::exists(data_dir + "/member"));
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace etcd::proxy
