#include "etcd/http/server.h"

#include <future>
#include <thread>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

namespace etcd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

class HttpServerTest : public ::testing::Test {
 protected:
  void start(Handler handler, Limits limits = {}) {
    server_ = std::make_unique<Server>(io_, limits, std::move(handler));
    auto port = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = *port;
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) server_->stop();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  tcp::socket connect() {
    tcp::socket s(client_io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    return s;
  }

  static bhttp::response<bhttp::string_body> read_response(tcp::socket& s,
                                                           beast::flat_buffer& buffer) {
    bhttp::response<bhttp::string_body> res;
    bhttp::read(s, buffer, res);
    return res;
  }

  static void send(tcp::socket& s, std::string_view raw) { asio::write(s, asio::buffer(raw)); }

  asio::io_context io_;
  asio::io_context client_io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

Handler echo_path() {
  return [](std::shared_ptr<Exchange> e) {
    Response r;
    r.body = std::string(e->request().path()) + "|" + e->request().body;
    e->respond(std::move(r));
  };
}

TEST_F(HttpServerTest, KeepAliveAndPipelinedRequestsAnswerInOrder) {
  start(echo_path());
  auto s = connect();
  send(s, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz");
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(s, buffer).body(), "/a|");
  EXPECT_EQ(read_response(s, buffer).body(), "/b|xyz");
  send(s, "GET /c?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(read_response(s, buffer).body(), "/c|");
}

TEST_F(HttpServerTest, AnswersFromAnotherThreadLater) {
  std::promise<std::shared_ptr<Exchange>> pending;
  start([&](std::shared_ptr<Exchange> e) { pending.set_value(e); });
  auto s = connect();
  send(s, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  auto exchange = pending.get_future().get();
  std::thread([exchange] {
    Response r{.status = 201};
    r.body = "done";
    exchange->respond(r);
  }).join();
  beast::flat_buffer buffer;
  auto res = read_response(s, buffer);
  EXPECT_EQ(res.result_int(), 201);
  EXPECT_EQ(res.body(), "done");
}

TEST_F(HttpServerTest, StreamsChunks) {
  start([](std::shared_ptr<Exchange> e) {
    e->begin_stream(Response{.status = 200});
    e->write_chunk("one\n");
    e->write_chunk("two\n");
    e->end_stream();
  });
  auto s = connect();
  send(s, "GET /watch HTTP/1.1\r\nHost: x\r\n\r\n");
  beast::flat_buffer buffer;
  auto res = read_response(s, buffer);
  EXPECT_EQ(res.body(), "one\ntwo\n");
  EXPECT_EQ(res[bhttp::field::transfer_encoding], "chunked");
}

TEST_F(HttpServerTest, ClientHangingUpAbortsTheExchange) {
  std::promise<void> aborted;
  start([&](std::shared_ptr<Exchange> e) { e->on_abort([&] { aborted.set_value(); }); });
  {
    auto s = connect();
    send(s, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
  }  // closes the socket
  EXPECT_EQ(aborted.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

TEST_F(HttpServerTest, OversizedBodyGets413) {
  Limits limits;
  limits.body_bytes_max = 10;
  start(echo_path(), limits);
  auto s = connect();
  send(s, "PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(s, buffer).result_int(), 413);
}

TEST_F(HttpServerTest, GarbageGets400) {
  start(echo_path());
  auto s = connect();
  send(s, "THIS IS NOT HTTP\r\n\r\n");
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(s, buffer).result_int(), 400);
}

TEST_F(HttpServerTest, SlowClientIsCutOff) {
  Limits limits;
  limits.request_timeout_ms = 200;
  start(echo_path(), limits);
  auto s = connect();
  send(s, "GET /slow HTTP/1.1\r\nHost: x\r\n");  // never finishes its headers
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(s, buffer).result_int(), 408);
  boost::system::error_code ec;
  char byte;
  s.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof) << "the server must close the connection";
}

TEST_F(HttpServerTest, ExpectContinueIsHonoured) {
  start(echo_path());
  auto s = connect();
  send(s, "PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  std::string interim(25, '\0');
  asio::read(s, asio::buffer(interim));
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  send(s, "ok");
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(s, buffer).body(), "/k|ok");
}

TEST_F(HttpServerTest, ConnectionLimitRefusesExtraClients) {
  Limits limits;
  limits.connections_max = 1;
  std::promise<void> first_seen;
  start([&](std::shared_ptr<Exchange> e) {
    first_seen.set_value();
    e->on_abort([] {});
  }, limits);
  auto first = connect();
  send(first, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
  first_seen.get_future().wait();
  auto second = connect();
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(second, buffer).result_int(), 503);
}

TEST_F(HttpServerTest, ListenErrorNamesTheAddress) {
  start(echo_path());
  Server other(io_, {}, echo_path());
  auto again = other.listen("127.0.0.1", port_);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("127.0.0.1:" + std::to_string(port_)), std::string::npos);
  EXPECT_FALSE(other.listen("not-an-ip", 0).ok());
}

}  // namespace
}  // namespace etcd::http
