#include "agents/fleet/api_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

namespace corestack::fleet {
namespace {

int connect_unix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

// Sends `request` and reads until `expect_responses` complete responses (by Content-Length
// or no body) or the peer closes.
std::string exchange(int fd, const std::string& request) {
  EXPECT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    const auto end = out.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    const auto cl = out.find("Content-Length: ");
    const size_t body = cl == std::string::npos ? 0 : std::stoul(out.substr(cl + 16));
    if (out.size() >= end + 4 + body) break;
  }
  return out;
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fleet-api-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    path_ = dir_ + "/fleet.sock";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string path_;
};

TEST_F(ApiServerTest, ServesRequestsWithQueryAndKeepsTheConnection) {
  ApiServer server(
      [](const ApiRequest& r) {
        return ApiResponse{200, "{\"path\":\"" + r.path + "\",\"m\":\"" + r.query.at("machineID") +
                                    "\",\"ct\":" + std::to_string(r.content_types.size()) + "}"};
      },
      "fleetd/test");
  server.serve(ApiServer::listen_on("unix://" + path_));
  int fd = connect_unix(path_);
  auto first = exchange(fd, "GET /fleet/v1/state?machineID=a%20b HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(first.find("HTTP/1.1 200 OK"), std::string::npos) << first;
  EXPECT_NE(first.find("Server: fleetd/test"), std::string::npos) << first;
  EXPECT_NE(first.find(R"({"path":"/fleet/v1/state","m":"a b","ct":0})"), std::string::npos);
  auto second = exchange(fd,
                         "PUT /x?machineID=1 HTTP/1.1\r\nHost: x\r\nContent-Type: a\r\n"
                         "Content-Type: b\r\nContent-Length: 0\r\n\r\n");
  EXPECT_NE(second.find(R"("ct":2)"), std::string::npos) << second;
  ::close(fd);
}

TEST_F(ApiServerTest, StopReturnsWhileAClientHoldsAnIdleConnection) {
  ApiServer server([](const ApiRequest&) { return ApiResponse{204, ""}; }, "fleetd/test");
  server.serve(ApiServer::listen_on("unix://" + path_));
  int fd = connect_unix(path_);
  auto reply = exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(reply.find("204"), std::string::npos);
  const auto start = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  char c;
  EXPECT_LE(::read(fd, &c, 1), 0);  // the server closed its end
  ::close(fd);
}

TEST_F(ApiServerTest, ListenAddressesAreChecked) {
  EXPECT_THROW(ApiServer::listen_on("http://x"), std::runtime_error);
  EXPECT_THROW(ApiServer::listen_on("tcp://nohost:1"), std::runtime_error);
  int fd = ApiServer::listen_on("tcp://127.0.0.1:0");
  EXPECT_GE(fd, 0);
  ::close(fd);
}

}  // namespace
}  // namespace corestack::fleet
