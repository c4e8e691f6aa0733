// Test support for the loopback tests: io_context threads, PeerTransports with an inbox
// that records every callback, and a log capture to assert on what operators would see.
// Every wait is a condition variable with a deadline; nothing sleeps to synchronise.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "etcd/common/asio.h"
#include "etcd/transport/peer_transport.h"

namespace etcd::transport::testing {

using namespace std::chrono_literals;

inline constexpr auto kDeadline = 20s;

// An io_context run by `threads` threads until destruction.
class IoThreads {
 public:
  explicit IoThreads(int threads = 2);
  ~IoThreads();
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

// Everything a PeerHandler was told, guarded by one mutex; wait() blocks until a
// predicate over the inbox holds or the deadline passes.
class Inbox {
 public:
  // Callbacks that record into `inbox`; each holds it alive.
  static PeerHandler handler(std::shared_ptr<Inbox> inbox);

  template <typename Predicate>
  bool wait(Predicate predicate, std::chrono::milliseconds deadline = kDeadline) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, deadline, [&] { return predicate(*this); });
  }

  // Read these only inside wait() predicates or after a wait returned.
  std::vector<raft::Message> messages;
  std::map<NodeId, int> unreachable;
  std::vector<NodeId> removed_by;  // peers that answered our stream with 410
  std::vector<std::pair<NodeId, bool>> snapshot_status;

  std::vector<raft::Message> take_messages();

 private:
  template <typename F>
  void record(F&& change) {
    {
      std::lock_guard lock(mutex_);
      change();
    }
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
};

// Options for a member on 127.0.0.1 with a free port and quick reconnects.
Options member_options(uint64_t id, uint64_t cluster_id = 0xc1);

// One member: its inbox and started transport. The transport is destroyed (stopped)
// with the node; the inbox outlives it (callbacks may still be running on io threads).
class Node {
 public:
  Node(boost::asio::io_context& io, Options options,
       std::function<PeerHttpResponse(const PeerHttpRequest&)> on_http = {});
  ~Node();
  Result<void> start();
  PeerTransport& transport() { return *transport_; }
  Inbox& inbox() { return *inbox_; }
  std::string url() const { return transport_->listen_urls().at(0); }
  NodeId id() const { return id_; }

 private:
  NodeId id_;
  std::shared_ptr<Inbox> inbox_;
  std::unique_ptr<PeerTransport> transport_;
};

// A heartbeat from -> to whose `index` numbers it, for order checks.
raft::Message numbered(NodeId from, NodeId to, uint64_t number);

// Captures the default logger's lines (and still prints them) for the life of the object.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  // Waits until some captured line contains every one of `parts`.
  bool wait_for(const std::vector<std::string>& parts,
                std::chrono::milliseconds deadline = kDeadline);

 private:
  struct Sink;
  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

// A URL on 127.0.0.1 where nothing listens (a port bound and released).
std::string dead_url();

// Sends `request` verbatim over plain TCP to the host:port of `url` and returns all bytes
// read until the server closes (or "" on a connection error).
std::string raw_exchange(const std::string& url, const std::string& request);

}  // namespace etcd::transport::testing
