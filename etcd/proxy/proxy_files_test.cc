// The proxy's pure parsing: cluster file, /members answers, URLs, discovery registrations.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "etcd/proxy/cluster_file.h"
#include "etcd/proxy/discovery.h"
#include "etcd/proxy/members.h"
#include "etcd/proxy/origin.h"

namespace etcd::proxy {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "proxy-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ClusterFile, MissingIsNotAnError) {
  TempDir dir;
  auto read = read_cluster_file(dir.path());
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->has_value());
}

TEST(ClusterFile, RoundTripsInEtcdsFormat) {
  TempDir dir;
  ASSERT_TRUE(
      write_cluster_file(dir.path(), {"http://10.0.0.1:2380", "http://10.0.0.2:2380"}).ok());
  std::ifstream in(dir.path() + "/cluster");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, R"({"PeerURLs":["http://10.0.0.1:2380","http://10.0.0.2:2380"]})");
  EXPECT_FALSE(fs::exists(dir.path() + "/cluster.bak"));
  auto read = read_cluster_file(dir.path());
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ(read->value().size(), 2u);
}

TEST(ClusterFile, AcceptsABareListAndRefusesGarbage) {
  EXPECT_EQ(parse_cluster_file(R"(["http://a:2380"])").value(),
            std::vector<std::string>{"http://a:2380"});
  EXPECT_TRUE(parse_cluster_file(R"({"PeerURLs":null})").value().empty());
  EXPECT_FALSE(parse_cluster_file("{").ok());
  EXPECT_FALSE(parse_cluster_file(R"({"other":1})").ok());
}

TEST(Members, ClientAndPeerUrlsSortedUniqueAndUnpublishedSkipped) {
  auto urls = parse_members(R"({"clusterID":"1","members":[
    {"id":"2","name":"b","peerURLs":["http://b:2380"],"clientURLs":["http://b:2379","http://b:4001"]},
    {"id":"1","name":"a","peerURLs":["http://a:2380"],"clientURLs":["http://a:2379"]},
    {"id":"3","name":"","peerURLs":["http://c:2380"],"clientURLs":null}]})");
  ASSERT_TRUE(urls.ok()) << urls.error().message;
  EXPECT_EQ(urls->client_urls,
            (std::vector<std::string>{"http://a:2379", "http://b:2379", "http://b:4001"}));
  EXPECT_EQ(urls->peer_urls,
            (std::vector<std::string>{"http://a:2380", "http://b:2380", "http://c:2380"}));
  EXPECT_FALSE(parse_members("not json").ok());
}

TEST(Origin, ParsesHostPortAndRefusesHttps) {
  auto o = parse_origin("http://10.0.0.1:2379");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->host, "10.0.0.1");
  EXPECT_EQ(o->port, 2379);
  EXPECT_EQ(o->authority, "10.0.0.1:2379");
  auto v6 = parse_origin("http://[::1]:4001/x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 4001);
  EXPECT_EQ(parse_origin("http://example.com").value().port, 80);
  EXPECT_FALSE(parse_origin("https://a:1").ok());
  EXPECT_FALSE(parse_origin("http://a:notaport").ok());
}

TEST(Origin, SplitsUrlsIntoOriginAndTarget) {
  EXPECT_EQ(split_url("http://a:1/members").origin, "http://a:1");
  EXPECT_EQ(split_url("http://a:1/members").target, "/members");
  EXPECT_EQ(split_url("http://a:1").target, "/");
  EXPECT_EQ(split_url("http://a:1?x=1").target, "/?x=1");
}

TEST(Discovery, FirstSizeRegistrationsByCreation) {
  const std::string dir = R"({"action":"get","node":{"key":"/d/t","dir":true,"nodes":[
    {"key":"/d/t/_config","dir":true,"createdIndex":1},
    {"key":"/d/t/c","value":"n3=http://c:2380","createdIndex":9},
    {"key":"/d/t/a","value":"n1=http://a:2380,n1=http://a:7001","createdIndex":5},
    {"key":"/d/t/b","value":"n2=http://b:2380","createdIndex":7}]}})";
  EXPECT_EQ(registered_peer_urls(dir, 2).value(),
            (std::vector<std::string>{"http://a:2380", "http://a:7001", "http://b:2380"}));
  EXPECT_TRUE(registered_peer_urls(dir, 4).value().empty()) << "still waiting for a fourth";
  EXPECT_FALSE(registered_peer_urls("[]", 1).ok());
}

}  // namespace
}  // namespace etcd::proxy
