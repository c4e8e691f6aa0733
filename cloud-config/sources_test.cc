#include "cloud-config/sources.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "agents/etcdclient/fake_http_server.h"
#include "cloud-config/http_fetch.h"

namespace corestack::cloudinit {
namespace {

using etcd::client::testing::FakeHttpServer;
using etcd::client::testing::FakeReply;
using etcd::client::testing::SeenRequest;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Answers with the scripted replies in order (the last one repeats) and counts requests: the
// agents' loopback test server with a script as its handler.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<FakeReply> replies)
      : replies_(std::move(replies)), server_([this](const SeenRequest&) { return next(); }) {}
  static FakeReply response(int status, const std::string& body) {
    return FakeReply{.status = status, .body = body};
  }
  std::string url(const std::string& path = "/user-data") const { return server_.url() + path; }
  int requests() { return static_cast<int>(server_.requests().size()); }

 private:
  FakeReply next() {
    std::lock_guard lock(mu_);
    return replies_[std::min(served_++, replies_.size() - 1)];
  }
  std::vector<FakeReply> replies_;
  std::mutex mu_;
  std::size_t served_ = 0;
  FakeHttpServer server_;  // last: its thread calls next()
};

std::string gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

class TempDir {
 public:
  TempDir() {
    char dir[] = "/tmp/cloudinit-test-XXXXXX";
    path_ = ::mkdtemp(dir);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& rel, const std::string& content) const {
    const std::string p = path_ + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(HttpFetch, RetriesServerErrorsThenSucceeds) {
  ScriptedServer server({ScriptedServer::response(503, "busy"), ScriptedServer::response(500, ""),
                         ScriptedServer::response(200, "#cloud-config\n")});
  RetryPolicy fast{10ms, 40ms};
  EXPECT_EQ(http_get(server.url(), Clock::now() + 10s, fast), "#cloud-config\n");
  EXPECT_EQ(server.requests(), 3);
}

TEST(HttpFetch, ClientErrorIsFinal) {
  ScriptedServer server({ScriptedServer::response(404, "no"), ScriptedServer::response(200, "x")});
  try {
    http_get(server.url(), Clock::now() + 10s, {10ms, 40ms});
    FAIL() << "no exception";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status, 404);
  }
  EXPECT_EQ(server.requests(), 1);
}

TEST(HttpFetch, GivesUpAtTheDeadline) {
  ScriptedServer server({ScriptedServer::response(503, "")});
  const auto start = Clock::now();
  EXPECT_THROW(http_get(server.url(), start + 300ms, {20ms, 50ms}), HttpError);
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_GE(server.requests(), 2);
}

TEST(Sources, UrlUserDataIsGunzipped) {
  ScriptedServer server({ScriptedServer::response(200, gzip("#cloud-config\nhostname: z\n"))});
  std::vector<std::unique_ptr<Datasource>> sources;
  sources.push_back(url_source(server.url()));
  auto data = fetch_user_data(sources, Clock::now() + 10s);
  ASSERT_TRUE(data);
  EXPECT_EQ(data->data, "#cloud-config\nhostname: z\n");
}

TEST(Sources, ProcCmdline) {
  EXPECT_EQ(find_cloud_config_url("ro quiet cloud-config-url=http://h/x console=tty0"),
            "http://h/x");
  EXPECT_EQ(find_cloud_config_url("cloud-config-url=\"http://h/y\"\n"), "http://h/y");
  EXPECT_FALSE(find_cloud_config_url("ro quiet"));
  ScriptedServer server({ScriptedServer::response(200, "#cloud-config\n")});
  TempDir dir;
  const std::string without = dir.write("cmdline-none", "ro quiet\n");
  const std::string with = dir.write("cmdline", "ro cloud-config-url=" + server.url() + "\n");
  EXPECT_FALSE(proc_cmdline_source(without)->available());
  auto source = proc_cmdline_source(with);
  ASSERT_TRUE(source->available());
  EXPECT_EQ(source->fetch(Clock::now() + 10s).data, "#cloud-config\n");
}

TEST(Sources, ConfigDrive) {
  TempDir dir;
  dir.write("openstack/latest/user_data", "#cloud-config\n");
  dir.write("openstack/latest/meta_data.json",
            R"({"hostname": "node7", "public_keys": {"k": "ssh-rsa AAA k@h"}})");
  dir.write("ec2/2009-04-04/meta-data.json",
            R"({"local-ipv4": "10.0.0.7", "public-ipv4": "203.0.113.7"})");
  auto data = configdrive_source(dir.path())->fetch(Clock::now());
  EXPECT_EQ(data.data, "#cloud-config\n");
  EXPECT_EQ(data.hostname, "node7");
  EXPECT_EQ(data.ssh_keys, std::vector<std::string>{"ssh-rsa AAA k@h"});
  EXPECT_EQ(data.addresses.private_ipv4, "10.0.0.7");
  EXPECT_EQ(data.addresses.public_ipv4, "203.0.113.7");
}

TEST(Sources, FirstAvailableWinsAndMissingOnesTimeOut) {
  TempDir dir;
  const std::string file = dir.write("ud", gzip("#!/bin/sh\n"));
  std::vector<std::unique_ptr<Datasource>> sources;
  sources.push_back(file_source(dir.path() + "/missing"));
  sources.push_back(file_source(file));
  auto data = fetch_user_data(sources, Clock::now() + 5s);
  ASSERT_TRUE(data);
  EXPECT_EQ(data->data, "#!/bin/sh\n");
  std::vector<std::unique_ptr<Datasource>> none;
  none.push_back(file_source(dir.path() + "/missing"));
  EXPECT_FALSE(fetch_user_data(none, Clock::now() + 300ms));
}

}  // namespace
}  // namespace corestack::cloudinit
