#include "etcd/transport/transport_core.h"

#include "etcd/transport/beast.h"

namespace etcd::transport {
namespace {

// Set while this thread runs a handler callback, so stop() called from inside one does
// not wait for itself.
thread_local bool t_in_callback = false;

}  // namespace

TransportCore::TransportCore(asio::io_context& io, Options options, PeerHandler handler,
                             std::shared_ptr<ssl::context> client_tls,
                             std::shared_ptr<ssl::context> server_tls)
    : io_(io),
      options_(std::move(options)),
      handler_(std::move(handler)),
      client_tls_(std::move(client_tls)),
      server_tls_(std::move(server_tls)) {}

template <typename F>
void TransportCore::guarded(F&& callback) {
  std::shared_lock lock(callback_mutex_);
  if (stopped()) return;
  const bool outer = t_in_callback;
  t_in_callback = true;
  callback();
  t_in_callback = outer;
}

void TransportCore::deliver(raft::Message message) {
  guarded([&] {
    if (handler_.on_message) handler_.on_message(std::move(message));
  });
}

void TransportCore::report_unreachable(NodeId peer) {
  guarded([&] {
    if (handler_.on_unreachable) handler_.on_unreachable(peer);
  });
}

void TransportCore::report_snapshot(NodeId peer, bool ok) {
  guarded([&] {
    if (handler_.on_snapshot_status) handler_.on_snapshot_status(peer, ok);
  });
}

PeerHttpResponse TransportCore::serve_http(const PeerHttpRequest& request) {
  PeerHttpResponse response{
      .status = 503, .content_type = "text/plain", .body = "peer transport stopped\n"};
  guarded([&] {
    response = handler_.on_http ? handler_.on_http(request) : default_peer_http(request);
  });
  return response;
}

bool TransportCore::is_member(NodeId id) const {
  if (options_.allow_unknown_senders) return true;
  std::lock_guard lock(peers_mutex_);
  return peers_.contains(id);
}

SenderStatus TransportCore::sender_status(NodeId id) const {
  if (options_.allow_unknown_senders) return SenderStatus::member;
  std::lock_guard lock(peers_mutex_);
  if (peers_.contains(id)) return SenderStatus::member;
  return removed_.contains(id) ? SenderStatus::removed : SenderStatus::unknown;
}

void TransportCore::mark_removed(NodeId id) {
  std::lock_guard lock(peers_mutex_);
  removed_.insert(id);
}

void TransportCore::report_removed(NodeId by_peer) {
  guarded([&] {
    if (handler_.on_removed) handler_.on_removed(by_peer);
  });
}

std::shared_ptr<OutboundStream> TransportCore::find_peer(NodeId id) const {
  std::lock_guard lock(peers_mutex_);
  const auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second;
}

std::shared_ptr<OutboundStream> TransportCore::put_peer(NodeId id,
                                                        std::shared_ptr<OutboundStream> stream) {
  std::lock_guard lock(peers_mutex_);
  auto& slot = peers_[id];
  std::swap(slot, stream);
  return stream;
}

std::shared_ptr<OutboundStream> TransportCore::take_peer(NodeId id) {
  std::lock_guard lock(peers_mutex_);
  auto node = peers_.extract(id);
  return node ? std::move(node.mapped()) : nullptr;
}

std::vector<std::shared_ptr<OutboundStream>> TransportCore::take_all_peers() {
  std::lock_guard lock(peers_mutex_);
  std::vector<std::shared_ptr<OutboundStream>> all;
  for (auto& [id, stream] : peers_)
    all.push_back(std::move(stream));
  peers_.clear();
  return all;
}

uint64_t TransportCore::track(std::function<void()> closer) {
  std::lock_guard lock(closers_mutex_);
  if (stopped()) return 0;
  const uint64_t ticket = next_ticket_++;
  closers_.emplace(ticket, std::move(closer));
  return ticket;
}

void TransportCore::untrack(uint64_t ticket) {
  std::lock_guard lock(closers_mutex_);
  closers_.erase(ticket);
}

void TransportCore::stop() {
  if (t_in_callback) {
    stopped_.store(true, std::memory_order_release);
  } else {
    std::unique_lock lock(callback_mutex_);
    stopped_.store(true, std::memory_order_release);
  }
  std::map<uint64_t, std::function<void()>> closers;
  {
    std::lock_guard lock(closers_mutex_);  // orders track() after the stopped flag
    closers.swap(closers_);
  }
  for (auto& [ticket, closer] : closers)
    closer();
}

}  // namespace etcd::transport
