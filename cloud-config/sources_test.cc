#include "cloud-config/sources.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cloud-config/http_fetch.h"

namespace corestack::cloudinit {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Answers one connection per scripted response, in order, then closes; counts requests.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::string> responses) : responses_(std::move(responses)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 8);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url(const std::string& path = "/user-data") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const { return requests_; }

  static std::string response(int status, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(status) +
           " X\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
  }

 private:
  void serve() {
    for (const auto& r : responses_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buffer[4096];
      (void)!::read(c, buffer, sizeof buffer);  // the request; small enough for one read
      ++requests_;
      (void)!::write(c, r.data(), r.size());
      ::close(c);
    }
  }
  std::vector<std::string> responses_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
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
  ScriptedServer server(std::vector<std::string>(100, ScriptedServer::response(503, "")));
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
