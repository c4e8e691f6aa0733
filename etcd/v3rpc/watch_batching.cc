#include "etcd/v3rpc/watch_batching.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <charconv>

namespace etcd::v3rpc {

namespace {

// Failure (a descriptor that is no longer a TCP socket) only loses the coalescing.
void set_cork(int fd, bool on) {
  const int value = on ? 1 : 0;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &value, sizeof value);
}

}  // namespace

WatchBatching::Batch::~Batch() {
  if (owner_) owner_->end();
}

int WatchBatching::descriptor_of(std::string_view grpc_peer) {
  constexpr std::string_view kPrefix = "fd:";
  if (!grpc_peer.starts_with(kPrefix)) return -1;
  grpc_peer.remove_prefix(kPrefix.size());
  int fd = -1;
  const auto [end, ec] = std::from_chars(grpc_peer.data(), grpc_peer.data() + grpc_peer.size(), fd);
  if (ec != std::errc{} || end != grpc_peer.data() + grpc_peer.size() || fd < 0) return -1;
  return fd;
}

WatchBatching::Batch WatchBatching::begin() {
  std::lock_guard lock(mutex_);
  active_ = true;
  return Batch(this);
}

void WatchBatching::before_write(int fd) {
  if (fd < 0) return;
  std::lock_guard lock(mutex_);
  if (!active_) return;
  if (++writes_[fd] != 2) return;  // cork on the second message: the first is out already
  set_cork(fd, true);
  corked_.push_back(fd);
}

void WatchBatching::end() {
  std::vector<int> corked;
  {
    std::lock_guard lock(mutex_);
    active_ = false;
    writes_.clear();
    corked.swap(corked_);
  }
  for (int fd : corked)
    set_cork(fd, false);  // pushes out what the batch left in the socket
}

}  // namespace etcd::v3rpc
