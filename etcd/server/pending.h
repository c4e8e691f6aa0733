// A callback on the server's strand that runs once: with the outcome, or with a timeout
// error when its timer fires first (EtcdServer bounds every wait on raft this way).
#pragma once

#include <string_view>
#include <utility>

#include "etcd/common/asio.h"

namespace etcd::server {

template <typename Callback>
struct Pending {
  Pending(boost::asio::strand<boost::asio::io_context::executor_type>& strand, Callback cb)
      : timer(strand), done(std::move(cb)) {}
  boost::asio::steady_timer timer;
  Callback done;
  bool fired = false;

  template <typename... Args>
  bool fire(Args&&... args) {
    if (fired) return false;
    fired = true;
    timer.cancel();
    done(std::forward<Args>(args)...);
    return true;
  }
};

inline constexpr std::string_view kErrTimedOut = "etcdserver: request timed out";

}  // namespace etcd::server
