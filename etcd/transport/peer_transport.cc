#include "etcd/transport/peer_transport.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "etcd/transport/listener.h"
#include "etcd/transport/outbound_stream.h"
#include "etcd/transport/tls_context.h"
#include "etcd/transport/transport_core.h"
#include "etcd/transport/wire.h"

namespace etcd::transport {
namespace {

std::string peer_name(NodeId id) {
  return "peer " + wire::format_id(id.value);
}

// TLS contexts: a client context whenever TLS files are given (https peers can then be
// dialed), a server context when a listen URL is https.
Result<std::pair<std::shared_ptr<ssl::context>, std::shared_ptr<ssl::context>>> load_tls(
    const Options& options, const std::vector<PeerUrl>& listen) {
  std::shared_ptr<ssl::context> client;
  std::shared_ptr<ssl::context> server;
  const TlsFiles& files = options.tls;
  if (files.has_certificate() || !files.trusted_ca_file.empty()) {
    auto made = make_client_tls(files);
    if (!made) return made.error();
    client = std::move(*made);
  }
  const bool https = std::any_of(listen.begin(), listen.end(), [](auto& u) { return u.tls; });
  if (https) {
    auto made = make_server_tls(files);
    if (!made) return made.error();
    server = std::move(*made);
  }
  return std::pair(std::move(client), std::move(server));
}

}  // namespace

struct PeerTransport::Seeds {
  explicit Seeds(Rng seed) : rng(seed) {}
  std::mutex mutex;
  Rng rng;
};

PeerTransport::PeerTransport(asio::io_context& io, Options options, PeerHandler handler, Rng rng)
    : io_(io),
      options_(std::move(options)),
      handler_(std::move(handler)),
      seeds_(std::make_unique<Seeds>(rng)) {}

PeerTransport::~PeerTransport() {
  stop();
}

Result<void> PeerTransport::start() {
  ETCD_ASSERT(core_ == nullptr, "PeerTransport::start() called twice");
  if (auto valid = options_.validate(); !valid) return valid.error();
  auto listen = parse_peer_urls(options_.listen_urls);
  if (!listen) return listen.error();
  auto tls = load_tls(options_, *listen);
  if (!tls) return tls.error();
  core_ = std::make_shared<TransportCore>(io_, options_, handler_, std::move(tls->first),
                                          std::move(tls->second));
  for (const PeerUrl& url : *listen) {
    auto listener = Listener::open(core_, url);
    if (!listener) {
      for (auto& opened : listeners_)
        opened->close();
      listeners_.clear();
      core_->stop();
      return listener.error();
    }
    listeners_.push_back(std::move(*listener));
  }
  for (auto& listener : listeners_)
    listener->start();
  spdlog::info("peer transport: member {} of cluster {} started",
               wire::format_id(options_.local_id.value), wire::format_id(options_.cluster_id));
  return Ok{};
}

void PeerTransport::send(std::vector<raft::Message> messages) {
  ETCD_ASSERT(core_ != nullptr, "PeerTransport used before start()");
  // Group by destination, keeping each peer's messages in order.
  std::vector<std::pair<NodeId, std::vector<raft::Message>>> groups;
  for (auto& message : messages) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& group) { return group.first == message.to; });
    if (it == groups.end()) it = groups.insert(groups.end(), {message.to, {}});
    it->second.push_back(std::move(message));
  }
  for (auto& [to, group] : groups) {
    if (auto stream = core_->find_peer(to)) {
      stream->enqueue(std::move(group));
      continue;
    }
    StatsCounters::add(core_->counters().messages_dropped, group.size());
    spdlog::debug("peer transport: dropped {} messages to unknown {}", group.size(), peer_name(to));
    for (const auto& message : group) {
      // Raft waits for the outcome of every snapshot it sends.
      if (message.type == raft::MessageType::snapshot) core_->report_snapshot(to, false);
    }
  }
}

void PeerTransport::add_peer(NodeId id, std::vector<std::string> peer_urls) {
  ETCD_ASSERT(core_ != nullptr, "PeerTransport used before start()");
  auto urls = parse_peer_urls(peer_urls);
  if (!urls) {
    spdlog::error("peer transport: cannot add {}: {}", peer_name(id), urls.error().message);
    return;
  }
  if (id == options_.local_id || core_->stopped()) return;
  if (auto existing = core_->find_peer(id)) {
    existing->set_urls(std::move(*urls));
    return;
  }
  Rng rng = [&] {
    std::lock_guard lock(seeds_->mutex);
    return Rng(seeds_->rng.next());
  }();
  auto stream = std::make_shared<OutboundStream>(core_, id, std::move(*urls), rng);
  if (auto replaced = core_->put_peer(id, stream)) replaced->stop();
  stream->start();
  spdlog::info("peer transport: added {} at {}", peer_name(id), fmt::join(peer_urls, ","));
}

void PeerTransport::update_peer(NodeId id, std::vector<std::string> peer_urls) {
  ETCD_ASSERT(core_ != nullptr, "PeerTransport used before start()");
  auto urls = parse_peer_urls(peer_urls);
  if (!urls) {
    spdlog::error("peer transport: cannot update {}: {}", peer_name(id), urls.error().message);
    return;
  }
  if (auto stream = core_->find_peer(id)) {
    stream->set_urls(std::move(*urls));
    spdlog::info("peer transport: updated {} to {}", peer_name(id), fmt::join(peer_urls, ","));
  }
}

void PeerTransport::remove_peer(NodeId id) {
  ETCD_ASSERT(core_ != nullptr, "PeerTransport used before start()");
  core_->mark_removed(id);
  if (auto stream = core_->take_peer(id)) {
    stream->stop();
    spdlog::info("peer transport: removed {}", peer_name(id));
  }
}

void PeerTransport::stop() {
  if (core_ == nullptr || core_->stopped()) return;
  for (auto& listener : listeners_)
    listener->close();
  core_->stop();
  for (auto& stream : core_->take_all_peers())
    stream->stop();
  spdlog::info("peer transport: member {} stopped", wire::format_id(options_.local_id.value));
}

std::vector<std::string> PeerTransport::listen_urls() const {
  std::vector<std::string> urls;
  for (const auto& listener : listeners_)
    urls.push_back(listener->url().raw);
  return urls;
}

Stats PeerTransport::stats() const {
  return core_ ? core_->counters().snapshot() : Stats{};
}

}  // namespace etcd::transport
