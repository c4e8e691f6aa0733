// Server over TLS with a throwaway PKI made by the openssl CLI: requests (pipelined and
// streamed) round-trip, client certificates are required when asked for, plain HTTP or a
// bad handshake is refused cleanly while the server keeps serving, and an HTTP/2 client
// (gRPC) is spliced to the handoff.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <string>
#include <thread>

#include <openssl/ssl.h>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "etcd/common/test_pki.h"
#include "etcd/http/server.h"
#include "etcd/http/server_fixture.h"

namespace etcd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

// CA "ca1" signs the server's and a good client's certificate; "ca2" a stranger's.

using Pki = testutil::TestPki;

class HttpServerTlsTest : public ServerFixture {
 protected:
  static void SetUpTestSuite() {
    pki_ = new Pki{{"ca1", {"server", "client"}}, {"ca2", {"stranger"}}};
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(pki_->ok()) << "openssl could not make the test PKI"; }

  // As etcd2 builds it (etcd/transport/tls_context.cc), in a few lines.
  static std::shared_ptr<ssl::context> server_context(bool client_cert_auth) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->use_certificate_chain_file(pki_->path("server.crt"));
    context->use_private_key_file(pki_->path("server.key"), ssl::context::pem);
    if (client_cert_auth) {
      context->load_verify_file(pki_->path("ca1.crt"));
      context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
    return context;
  }

  void start(Handler handler, bool client_cert_auth = false) {
    start_server(std::move(handler), Limits{}, server_context(client_cert_auth));
  }

  // A client context trusting ca1, presenting `cert` ("" for none).
  static ssl::context client_context(const std::string& cert) {
    ssl::context context(ssl::context::tls_client);
    context.load_verify_file(pki_->path("ca1.crt"));
    context.set_verify_mode(ssl::verify_peer);
    if (!cert.empty()) {
      context.use_certificate_chain_file(pki_->path(cert + ".crt"));
      context.use_private_key_file(pki_->path(cert + ".key"), ssl::context::pem);
    }
    return context;
  }

  // GET `path` over a fresh TLS connection; the status, or the error that stopped it.
  std::string get_over_tls(ssl::context& context, const std::string& path) {
    ssl::stream<tcp::socket> stream(connect(), context);
    boost::system::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    if (ec) return "handshake: " + ec.message();
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::write(stream, asio::buffer(request), ec);
    if (ec) return "write: " + ec.message();
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res, ec);
    if (ec) return "read: " + ec.message();
    return std::to_string(res.result_int()) + " " + res.body();
  }

  static Pki* pki_;
};

Pki* HttpServerTlsTest::pki_ = nullptr;

// The far end of the socket pair a TLS connection speaking HTTP/2 is spliced to: what
// gRPC would adopt. Echoes everything it reads, uppercased, on its own thread.
class Http2Peer {
 public:
  Server::Http2Handoff handoff() {
    return [this](int fd) {
      adopted_fd_ = fd;
      // gRPC's poller needs a non-blocking descriptor; this stand-in reads and writes plainly.
      const int flags = ::fcntl(fd, F_GETFL);
      adopted_nonblocking_ = (flags & O_NONBLOCK) != 0;
      ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
      thread_ = std::thread([fd] {
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0) {
          for (ssize_t i = 0; i < n; ++i)
            buf[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(buf[i])));
          if (::write(fd, buf, static_cast<size_t>(n)) != n) break;
        }
        ::close(fd);
      });
    };
  }
  ~Http2Peer() {
    if (thread_.joinable()) thread_.join();
  }
  int adopted_fd_ = -1;
  bool adopted_nonblocking_ = false;

 private:
  std::thread thread_;
};

// The ALPN protocol the server picks when the client offers `protocols` (wire format).
std::string negotiated_alpn(ssl::stream<tcp::socket>& stream) {
  const unsigned char* name = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &name, &len);
  return name ? std::string(reinterpret_cast<const char*>(name), len) : "";
}

TEST_F(HttpServerTlsTest, PipelinedRequestsRoundTrip) {
  start(echo_path());
  auto context = client_context("");
  ssl::stream<tcp::socket> stream(connect(), context);
  stream.handshake(ssl::stream_base::client);
  asio::write(stream, asio::buffer(std::string_view(
                          "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                          "PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz")));
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> first, second;
  bhttp::read(stream, buffer, first);
  bhttp::read(stream, buffer, second);
  EXPECT_EQ(first.body(), "/a|");
  EXPECT_EQ(second.body(), "/b|xyz");
}

TEST_F(HttpServerTlsTest, StreamsChunks) {
  start([](std::shared_ptr<Exchange> e) {
    e->begin_stream(Response{.status = 200});
    e->write_chunk("one\n");
    e->write_chunk("two\n");
    e->end_stream();
  });
  auto context = client_context("");
  EXPECT_EQ(get_over_tls(context, "/watch"), "200 one\ntwo\n");
}

TEST_F(HttpServerTlsTest, ClientCertificateRequired) {
  start(echo_path(), /*client_cert_auth=*/true);
  auto good = client_context("client");
  auto none = client_context("");
  auto stranger = client_context("stranger");
  EXPECT_EQ(get_over_tls(good, "/k"), "200 /k|");
  // TLS 1.3 clients learn of the refusal on their first read, older ones in the handshake.
  EXPECT_NE(get_over_tls(none, "/k").substr(0, 3), "200");
  EXPECT_NE(get_over_tls(stranger, "/k").substr(0, 3), "200");
  EXPECT_EQ(get_over_tls(good, "/k"), "200 /k|") << "the server keeps serving";
}

TEST_F(HttpServerTlsTest, PlainHttpIsRefusedCleanly) {
  start(echo_path());
  auto s = connect();
  asio::write(s, asio::buffer(std::string_view("GET /k HTTP/1.1\r\nHost: x\r\n\r\n")));
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(s, buffer, res);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(res.body(), "Client sent an HTTP request to an HTTPS server.\n");
  boost::system::error_code ec;
  char byte;
  s.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof) << "the server must close the connection";
  auto context = client_context("");
  EXPECT_EQ(get_over_tls(context, "/k"), "200 /k|");
}

TEST_F(HttpServerTlsTest, BrokenHandshakeIsClosed) {
  start(echo_path());
  {
    // A ClientHello record header with a garbage body: the handshake fails.
    auto s = connect();
    // (Beast's sniffer wants a plausible record: payload >= 34 bytes.)
    const std::string hello =
        std::string("\x16\x03\x01\x00\x28\x01\x00\x00\x24", 9) + std::string(36, 'j');
    asio::write(s, asio::buffer(hello));
    boost::system::error_code ec;
    std::string alert;  // the server may send a TLS alert before closing
    asio::read(s, asio::dynamic_buffer(alert), ec);
    EXPECT_EQ(ec, asio::error::eof)
        << "the server must close a connection that fails its handshake";
  }
  auto context = client_context("");
  EXPECT_EQ(get_over_tls(context, "/k"), "200 /k|");
}

}  // namespace
}  // namespace etcd::http

namespace etcd::http {
namespace {

// gRPC over TLS (etcd's v3 API on an https URL): after the handshake a client that opens
// with the HTTP/2 preface is spliced to the handoff, preface included, both ways.
TEST_F(HttpServerTlsTest, Http2ClientIsSplicedToTheHandoff) {
  Http2Peer peer;
  start_server(echo_path(), Limits{}, server_context(false), peer.handoff());
  auto context = client_context("");
  SSL_CTX_set_alpn_protos(context.native_handle(), reinterpret_cast<const unsigned char*>("\x02h2"),
                          3);
  ssl::stream<tcp::socket> stream(connect(), context);
  stream.handshake(ssl::stream_base::client);
  EXPECT_EQ(negotiated_alpn(stream), "h2") << "gRPC C-core clients insist on h2";
  const std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nhello";
  asio::write(stream, asio::buffer(preface));
  std::string echoed(preface.size(), '\0');
  asio::read(stream, asio::buffer(echoed));
  EXPECT_EQ(echoed, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nHELLO");
  EXPECT_TRUE(peer.adopted_nonblocking_) << "a blocking descriptor stalls gRPC's poller";
  asio::write(stream, asio::buffer(std::string_view("more")));
  std::string more(4, '\0');
  asio::read(stream, asio::buffer(more));
  EXPECT_EQ(more, "MORE");
  boost::system::error_code ignored;
  stream.next_layer().close(ignored);  // the peer sees EOF and closes its end
}

// A client that also offers HTTP/1.1 (curl, Go) gets it, and the same port keeps serving
// HTTP/1.1 requests beside the spliced connections.
TEST_F(HttpServerTlsTest, ClientOfferingHttp11GetsItBesideHttp2) {
  Http2Peer peer;
  start_server(echo_path(), Limits{}, server_context(false), peer.handoff());
  auto context = client_context("");
  SSL_CTX_set_alpn_protos(context.native_handle(),
                          reinterpret_cast<const unsigned char*>("\x02h2\x08http/1.1"), 12);
  ssl::stream<tcp::socket> stream(connect(), context);
  stream.handshake(ssl::stream_base::client);
  EXPECT_EQ(negotiated_alpn(stream), "http/1.1");
  asio::write(stream, asio::buffer(std::string_view("GET /v2/keys HTTP/1.1\r\nHost: x\r\n\r\n")));
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  EXPECT_EQ(res.body(), "/v2/keys|");
  EXPECT_EQ(peer.adopted_fd_, -1) << "nothing was handed over";
}

}  // namespace
}  // namespace etcd::http
