#include "etcd/http/server.h"

#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "etcd/http/server_fixture.h"

namespace etcd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

class HttpServerTest : public ServerFixture {
 protected:
  void start(Handler handler, Limits limits = {}) { start_server(std::move(handler), limits); }

  static bhttp::response<bhttp::string_body> read_response(tcp::socket& s,
                                                           beast::flat_buffer& buffer) {
    bhttp::response<bhttp::string_body> res;
    bhttp::read(s, buffer, res);
    return res;
  }

  static void send(tcp::socket& s, std::string_view raw) { asio::write(s, asio::buffer(raw)); }
};

TEST_F(HttpServerTest, KeepAliveAndPipelinedRequestsAnswerInOrder) {
  start(echo_path());
  auto s = connect();
  send(s,
       "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: "
       "3\r\n\r\nxyz");
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(s, buffer).body(), "/a|");
  EXPECT_EQ(read_response(s, buffer).body(), "/b|xyz");
  send(s, "GET /c?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(read_response(s, buffer).body(), "/c|");
}

TEST_F(HttpServerTest, ManyPipelinedRequestsAreNotOneLargeHeader) {
  Limits limits;
  limits.header_bytes_max = 4096;
  start(echo_path(), limits);
  auto s = connect();
  const std::string body(3000, 'b');
  std::string burst;
  for (int i = 0; i < 40; ++i) {
    burst += "PUT /p" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n" +
             body;
  }
  std::thread writer([&] { send(s, burst); });  // 120 KiB at once
  beast::flat_buffer buffer;
  for (int i = 0; i < 40; ++i) {
    auto res = read_response(s, buffer);
    ASSERT_EQ(res.result_int(), 200) << i;
    EXPECT_EQ(res.body(), "/p" + std::to_string(i) + "|" + body);
  }
  writer.join();
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

TEST_F(HttpServerTest, EndsAStreamWithItsLastChunkAndKeepsTheConnection) {
  start([](std::shared_ptr<Exchange> e) {
    e->begin_stream(Response{.status = 200});
    e->end_stream_with("event\n");
    e->write_chunk("too late\n");  // the stream is over: ignored
  });
  auto s = connect();
  send(s, "GET /watch HTTP/1.1\r\nHost: x\r\n\r\nGET /again HTTP/1.1\r\nHost: x\r\n\r\n");
  beast::flat_buffer buffer;
  auto first = read_response(s, buffer);
  EXPECT_EQ(first.body(), "event\n");
  auto second = read_response(s, buffer);  // the connection is still usable
  EXPECT_EQ(second.body(), "event\n");
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
  auto res = read_response(s, buffer);
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res.body(), "{\"message\":\"request body too large (limit 10 bytes)\"}\n");
}

TEST_F(HttpServerTest, OversizedBodySentWholeStillGetsItsAnswer) {
  // The server refuses at the header while the client is still sending: it must drain
  // rather than reset the connection, or the client would never see the 413.
  Limits limits;
  limits.body_bytes_max = 1000;
  start(echo_path(), limits);
  auto s = connect();
  const std::string body(2 * 1024 * 1024, 'v');
  std::thread writer([&] {
    boost::system::error_code ignored;
    asio::write(s,
                asio::buffer("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body),
                ignored);
  });
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(s, buffer).result_int(), 413);
  writer.join();
}

TEST_F(HttpServerTest, LongUrlGets414) {
  Limits limits;
  limits.url_bytes_max = 100;
  start(echo_path(), limits);
  {
    auto s = connect();
    send(s, "GET /" + std::string(100, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    beast::flat_buffer buffer;
    auto res = read_response(s, buffer);
    EXPECT_EQ(res.result_int(), 414);
    EXPECT_EQ(res.body(), "{\"message\":\"request URI too long (limit 100 bytes)\"}\n");
  }
  {
    // Refused before the request line even ends.
    auto s = connect();
    send(s, "GET /" + std::string(400, 'u'));
    beast::flat_buffer buffer;
    EXPECT_EQ(read_response(s, buffer).result_int(), 414);
  }
  {
    auto s = connect();
    send(s, "GET /" + std::string(99, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    beast::flat_buffer buffer;
    EXPECT_EQ(read_response(s, buffer).result_int(), 200) << "100 bytes is within the limit";
  }
}

TEST_F(HttpServerTest, TooManyHeaderFieldsGet431) {
  Limits limits;
  limits.header_count_max = 5;
  start(echo_path(), limits);
  auto s = connect();
  std::string request = "GET /h HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 5; ++i)
    request += "X-" + std::to_string(i) + ": y\r\n";
  send(s, request + "\r\n");
  beast::flat_buffer buffer;
  auto res = read_response(s, buffer);
  EXPECT_EQ(res.result_int(), 431);
  EXPECT_EQ(res.body(), "{\"message\":\"too many header fields (limit 5)\"}\n");
}

TEST_F(HttpServerTest, HeaderLimitCountsEveryField) {
  // Beast takes the request line and fields as they come and would let this through.
  Limits limits;
  limits.header_bytes_max = 1000;
  start(echo_path(), limits);
  for (const size_t size : {size_t{200}, size_t{5000}}) {
    auto s = connect();
    std::string request = "GET /h HTTP/1.1\r\nHost: x\r\n";
    while (request.size() < size)
      request += "X-Field: " + std::string(40, 'f') + "\r\n";
    send(s, request + "\r\n");
    beast::flat_buffer buffer;
    EXPECT_EQ(read_response(s, buffer).result_int(), size < 1000 ? 200 : 431) << size;
  }
}

TEST_F(HttpServerTest, TransferEncodingOtherThanChunkedGets400) {
  start(echo_path());
  for (const char* coding : {"gzip", "chunked, gzip", "identity"}) {
    auto s = connect();
    send(s, std::string("PUT /k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + coding +
                "\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    beast::flat_buffer buffer;
    auto res = read_response(s, buffer);
    EXPECT_EQ(res.result_int(), 400) << coding;
    EXPECT_EQ(res.body(), "{\"message\":\"unsupported Transfer-Encoding (only chunked is)\"}\n");
  }
}

// HTTP/1.1 needs exactly one Host (as Go's server, so etcd, checks); HTTP/1.0 may omit it.
TEST_F(HttpServerTest, Http11WithoutOneHostGets400AndHttp10WithoutHostIsServed) {
  start(echo_path());
  const std::pair<const char*, const char*> refused[] = {
      {"GET /k HTTP/1.1\r\n\r\n", "missing required Host header"},
      {"GET /k HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "too many Host headers"},
  };
  for (const auto& [request, message] : refused) {
    auto s = connect();
    send(s, request);
    beast::flat_buffer buffer;
    auto res = read_response(s, buffer);
    EXPECT_EQ(res.result_int(), 400) << request;
    EXPECT_EQ(res.body(), std::string("{\"message\":\"") + message + "\"}\n");
  }
  auto s = connect();
  send(s, "GET /old HTTP/1.0\r\n\r\n");
  beast::flat_buffer buffer;
  auto res = read_response(s, buffer);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "/old|");
}

TEST_F(HttpServerTest, NewConnectionMustSendPromptly) {
  Limits limits;
  limits.request_timeout_ms = 200;
  start(echo_path(), limits);
  auto s = connect();
  boost::system::error_code ec;
  char byte;
  s.read_some(asio::buffer(&byte, 1), ec);  // nothing sent: closed without an answer
  EXPECT_EQ(ec, asio::error::eof);
}

TEST_F(HttpServerTest, UsedConnectionMayIdleLongerThanTheRequestTimeout) {
  Limits limits;
  limits.request_timeout_ms = 200;
  start(echo_path(), limits);
  auto s = connect();
  beast::flat_buffer buffer;
  send(s, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(read_response(s, buffer).body(), "/a|");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // idle, not a sync point
  send(s, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(read_response(s, buffer).body(), "/b|");
}

TEST_F(HttpServerTest, StreamWhoseClientDoesNotReadIsCut) {
  Limits limits;
  limits.unwritten_bytes_max = 256 * 1024;
  std::promise<void> aborted;
  std::thread writer;
  start(
      [&](std::shared_ptr<Exchange> e) {
        e->on_abort([&] { aborted.set_value(); });
        e->begin_stream(Response{.status = 200});
        writer = std::thread([e] {
          const std::string chunk(64 * 1024, 'e');
          for (int i = 0; i < 16 * 1024 && !e->aborted(); ++i)
            e->write_chunk(chunk);  // <= 1 GiB
        });
      },
      limits);
  auto s = connect();
  send(s, "GET /watch HTTP/1.1\r\nHost: x\r\n\r\n");  // and never read
  EXPECT_EQ(aborted.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  writer.join();
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
  start(
      [&](std::shared_ptr<Exchange> e) {
        first_seen.set_value();
        e->on_abort([] {});
      },
      limits);
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

// The v3 API shares the client port: a connection that opens with the HTTP/2 preface is
// handed over untouched (the next owner reads the preface itself); HTTP/1.1 stays here.
class HttpHandoffTest : public HttpServerTest {
 protected:
  void SetUp() override {
    start_server(echo_path(), {}, nullptr, [this](int fd) { handed_.set_value(fd); });
  }
  // The first bytes the handed-over descriptor reads.
  std::string read_handed(size_t n) {
    auto future = handed_.get_future();
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    const int fd = future.get();
    std::string got(n, '\0');
    size_t at = 0;
    while (at < n) {
      const ssize_t r = ::read(fd, got.data() + at, n - at);
      if (r <= 0) break;
      at += static_cast<size_t>(r);
    }
    ::close(fd);
    got.resize(at);
    return got;
  }
  std::promise<int> handed_;
};

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

TEST_F(HttpHandoffTest, AnHttp2PrefaceIsHandedOverWithNothingRead) {
  auto s = connect();
  send(s, kPreface);
  EXPECT_EQ(read_handed(kPreface.size()), kPreface);
}

TEST_F(HttpHandoffTest, APrefaceArrivingByteByByteIsStillHandedOver) {
  auto s = connect();
  send(s, "P");
  send(s, "R");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let a peek see "PR" only
  send(s, kPreface.substr(2));
  EXPECT_EQ(read_handed(kPreface.size()), kPreface);
}

TEST_F(HttpHandoffTest, HttpRequestsStartingWithPStayHere) {
  auto s = connect();
  send(s, "PUT /v2/keys/a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nv");
  send(s, "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  beast::flat_buffer buffer;
  EXPECT_EQ(read_response(s, buffer).body(), "/v2/keys/a|v");
  EXPECT_EQ(read_response(s, buffer).body(), "/b|");
  EXPECT_EQ(handed_.get_future().wait_for(std::chrono::milliseconds(0)),
            std::future_status::timeout);
}

}  // namespace
}  // namespace etcd::http
