// PeerTransport over TLS with a throwaway CA made by the openssl CLI: trusted peers talk,
// a peer with a certificate from another CA cannot connect, plain HTTP to a TLS port fails
// cleanly.
#include <gtest/gtest.h>

#include "etcd/common/test_pki.h"
#include "etcd/transport/peer_transport.h"
#include "etcd/transport/test_cluster.h"

namespace etcd::transport {
namespace {

using namespace testing;

// Two CAs, each with one certificate valid for 127.0.0.1 as server and client.
using Pki = etcd::testutil::TestPki;

class PeerTransportTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new Pki{{"ca1", {"peer1"}}, {"ca2", {"peer2"}}}; }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(pki_->ok()) << "openssl could not make the test PKI"; }

  // A member serving https with `cert` (from `ca`'s family), trusting `trusted_ca`, and
  // requiring client certificates.
  static Options tls_options(uint64_t id, const std::string& cert, const std::string& trusted_ca) {
    Options options = member_options(id);
    options.listen_urls = {"https://127.0.0.1:0"};
    options.tls = TlsFiles{pki_->path(cert + ".crt"), pki_->path(cert + ".key"),
                           pki_->path(trusted_ca + ".crt"), /*client_cert_auth=*/true};
    return options;
  }

  std::unique_ptr<Node> started(Options options) {
    auto node = std::make_unique<Node>(threads_.io(), std::move(options));
    auto result = node->start();
    EXPECT_TRUE(result.ok()) << result.error().message;
    return node;
  }

  static Pki* pki_;
  LogCapture log_;  // before the threads: destroyed after they are joined
  IoThreads threads_{2};
};

Pki* PeerTransportTlsTest::pki_ = nullptr;

TEST_F(PeerTransportTlsTest, TrustedPeersExchangeMessagesAndSnapshots) {
  auto a = started(tls_options(1, "peer1", "ca1"));
  auto b = started(tls_options(2, "peer1", "ca1"));
  ASSERT_EQ(a->url().substr(0, 8), "https://");
  a->transport().add_peer(b->id(), {b->url()});
  b->transport().add_peer(a->id(), {a->url()});
  std::vector<raft::Message> messages;
  for (uint64_t i = 0; i < 1000; ++i)
    messages.push_back(numbered(a->id(), b->id(), i));
  a->transport().send(std::move(messages));
  b->transport().send({numbered(b->id(), a->id(), 0)});
  ASSERT_TRUE(b->inbox().wait([](Inbox& in) { return in.messages.size() >= 1000; }));
  ASSERT_TRUE(a->inbox().wait([](Inbox& in) { return in.messages.size() >= 1; }));
  const auto received = b->inbox().take_messages();
  for (uint64_t i = 0; i < 1000; ++i)
    ASSERT_EQ(received[i].index, Index(i));

  raft::Message snapshot;
  snapshot.type = raft::MessageType::snapshot;
  snapshot.from = a->id();
  snapshot.to = b->id();
  snapshot.snapshot =
      raft::Snapshot{{Index(10), Term(1), {{a->id(), b->id()}, {}}}, std::string(3 << 20, 'z')};
  a->transport().send({snapshot});
  ASSERT_TRUE(a->inbox().wait([](Inbox& in) { return !in.snapshot_status.empty(); }));
  EXPECT_EQ(a->inbox().snapshot_status.at(0), std::pair(NodeId(2), true));
  ASSERT_TRUE(b->inbox().wait([](Inbox& in) { return !in.messages.empty(); }));
  EXPECT_EQ(b->inbox().take_messages().at(0), snapshot);
}

TEST_F(PeerTransportTlsTest, APeerWithACertificateFromAnotherCaCannotConnect) {
  auto b = started(tls_options(2, "peer1", "ca1"));
  // c trusts b's CA (so it would accept b) but presents a certificate b cannot verify.
  auto c = started(tls_options(3, "peer2", "ca1"));
  b->transport().add_peer(c->id(), {dead_url()});  // only c dials: b's log is about c
  c->transport().add_peer(b->id(), {b->url()});
  c->transport().send({numbered(c->id(), b->id(), 1)});
  EXPECT_TRUE(log_.wait_for({"TLS handshake with 127.0.0.1", "failed: TLS:"}));
  EXPECT_TRUE(log_.wait_for({"peer 0000000000000002: cannot open stream to https://"}));
  EXPECT_GE(b->transport().stats().inbound_refused, 1u);
  EXPECT_EQ(b->transport().stats().messages_received, 0u);
}

TEST_F(PeerTransportTlsTest, AServerWithAnUntrustedCertificateIsNotDialed) {
  auto b = started(tls_options(2, "peer1", "ca1"));
  auto d = started(tls_options(4, "peer2", "ca2"));  // trusts only ca2; b's cert is from ca1
  b->transport().add_peer(d->id(), {d->url()});
  d->transport().add_peer(b->id(), {b->url()});
  d->transport().send({numbered(d->id(), b->id(), 1)});
  EXPECT_TRUE(log_.wait_for({"cannot open stream", "certificate verify failed"}));
  EXPECT_EQ(b->transport().stats().messages_received, 0u);
}

TEST_F(PeerTransportTlsTest, PlainHttpToATlsPortFailsCleanly) {
  auto b = started(tls_options(2, "peer1", "ca1"));
  const std::string answer =
      raw_exchange(b->url(), "GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(answer.find("400 Bad Request"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Client sent an HTTP request to an HTTPS server."), std::string::npos);

  // A member misconfigured with an http:// URL for a TLS peer: refused, logged, no crash.
  auto a = started(member_options(1));
  b->transport().add_peer(a->id(), {a->url()});
  const std::string http_url = "http://" + b->url().substr(8);
  a->transport().add_peer(b->id(), {http_url});
  a->transport().send({numbered(a->id(), b->id(), 1)});
  EXPECT_TRUE(log_.wait_for({"plain HTTP from 127.0.0.1", "on a TLS peer port: refused"}));
  EXPECT_TRUE(log_.wait_for({"cannot open stream to " + http_url, "refused: 400"}));
  EXPECT_EQ(b->transport().stats().messages_received, 0u);
}

TEST_F(PeerTransportTlsTest, StartReportsUnusableTlsFiles) {
  Options no_cert = member_options(1);
  no_cert.listen_urls = {"https://127.0.0.1:0"};
  Node a(threads_.io(), no_cert);
  auto result = a.start();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("--peer-cert-file"), std::string::npos);

  Options missing = tls_options(2, "peer1", "ca1");
  missing.tls.cert_file = pki_->path("nonexistent.crt");
  Node b(threads_.io(), missing);
  result = b.start();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "peer TLS: cannot load certificate \"" +
                                        pki_->path("nonexistent.crt") +
                                        "\": No such file or directory");
}

}  // namespace
}  // namespace etcd::transport
