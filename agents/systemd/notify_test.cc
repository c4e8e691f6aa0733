// notify() against a datagram socket standing in for systemd's NOTIFY_SOCKET.
#include "agents/systemd/notify.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "agents/systemd/testing/bus_fixture.h"

namespace corestack::systemd {
namespace {

using testing::TempDir;

// Sets NOTIFY_SOCKET for one test and restores it after.
class ScopedNotifySocket {
 public:
  explicit ScopedNotifySocket(const std::optional<std::string>& value) {
    if (const char* old = std::getenv("NOTIFY_SOCKET")) saved_ = old;
    if (value) {
      ::setenv("NOTIFY_SOCKET", value->c_str(), 1);
    } else {
      ::unsetenv("NOTIFY_SOCKET");
    }
  }
  ~ScopedNotifySocket() {
    if (saved_) {
      ::setenv("NOTIFY_SOCKET", saved_->c_str(), 1);
    } else {
      ::unsetenv("NOTIFY_SOCKET");
    }
  }

 private:
  std::optional<std::string> saved_;
};

TEST(Notify, ReturnsFalseWithoutNotifySocket) {
  ScopedNotifySocket env(std::nullopt);
  EXPECT_FALSE(notify_ready());
}

TEST(Notify, SendsReadyToTheNotifySocket) {
  TempDir dir;
  const std::string path = dir.path() + "/notify";
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ScopedNotifySocket env(path);
  EXPECT_TRUE(notify_ready());
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10000), 1);
  char buf[256];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  ::close(fd);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "READY=1");
}

TEST(Notify, ThrowsWhenTheSocketIsMissing) {
  TempDir dir;
  ScopedNotifySocket env(dir.path() + "/nobody-listens");
  try {
    notify("STATUS=hello");
    FAIL() << "no error";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("nobody-listens"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace corestack::systemd
