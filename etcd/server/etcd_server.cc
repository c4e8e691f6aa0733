#include "etcd/server/etcd_server.h"

#include <algorithm>
#include <fstream>
#include <random>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "etcd/api/router.h"
#include "etcd/common/url.h"
#include "etcd/server/discovery.h"
#include "etcd/server/dns_srv.h"
#include "etcd/server/fetch_membership.h"
#include "etcd/server/raft_logger.h"
#include "etcd/transport/tls_context.h"
#include "etcd/v3rpc/gateway.h"
#include "etcd/wal/data_dir.h"

namespace etcd::server {

namespace asio = boost::asio;

// Connects the core's PeerNetwork to the transport.
class EtcdServer::NetworkAdapter final : public PeerNetwork {
 public:
  void attach(transport::Transport* transport) { transport_ = transport; }
  void send(std::vector<raft::Message> messages) override { transport_->send(std::move(messages)); }
  void add_peer(NodeId id, const std::vector<std::string>& urls) override {
    transport_->add_peer(id, urls);
  }
  void update_peer(NodeId id, const std::vector<std::string>& urls) override {
    transport_->update_peer(id, urls);
  }
  void remove_peer(NodeId id) override { transport_->remove_peer(id); }

 private:
  transport::Transport* transport_ = nullptr;
};

EtcdServer::EtcdServer(ServerConfig config)
    : config_(std::move(config)),
      rng_(std::random_device{}()),
      strand_(asio::make_strand(io_)),
      tick_timer_(strand_),
      stop_timer_(strand_),
      sync_timer_(strand_),
      compaction_timer_(strand_),
      network_(std::make_unique<NetworkAdapter>()),
      start_time_ns_(clock_.now_unix_ns()) {}

EtcdServer::~EtcdServer() {
  stop();
  wait();
  // Cancels the gRPC calls still open; their replies can no longer come from the strand.
  if (grpc_) grpc_->shutdown();
}

namespace {

// --discovery on a fresh data dir: register, wait for the others, and bootstrap a new
// cluster from the registrations (the discovery URL is the cluster token, as in etcd).
Result<void> discover(ServerConfig& config) {
  BootstrapConfig& b = config.bootstrap;
  if (config.discovery_url.empty() ||
      wal::DataDir::layout(b.data_dir, b.wal_dir).state() == wal::DataDirState::existing) {
    return Ok{};
  }
  b.cluster_token = config.discovery_url;
  std::string self_entry;
  for (const auto& url : b.advertise_peer_urls) {
    self_entry += (self_entry.empty() ? "" : ",") + b.name + "=" + url;
  }
  auto cluster = join_by_discovery(
      {config.discovery_url, member_id(b.advertise_peer_urls, b.cluster_token), self_entry});
  if (!cluster) return cluster.error();
  auto entries = parse_initial_cluster(*cluster);
  if (!entries) return Error{"discovery: bad registrations: " + entries.error().message};
  b.initial_cluster.clear();
  for (const auto& e : *entries)
    b.initial_cluster.emplace_back(e.name, e.url.raw);
  b.join_existing = false;
  spdlog::info("discovery: bootstrapping with {}", *cluster);
  return Ok{};
}

// --discovery-srv on a fresh data dir: the initial cluster from DNS SRV records. Our own
// entry is advertised as the records spell it, so every member derives the same IDs.
Result<void> discover_srv(ServerConfig& config) {
  BootstrapConfig& b = config.bootstrap;
  if (config.discovery_srv.empty() ||
      wal::DataDir::layout(b.data_dir, b.wal_dir).state() == wal::DataDirState::existing) {
    return Ok{};
  }
  auto found = srv_initial_cluster(config.discovery_srv, b.name, b.advertise_peer_urls,
                                   system_srv_resolver());
  if (!found) return found.error();
  auto entries = parse_initial_cluster(found->initial_cluster);
  if (!entries) return Error{"discovery-srv: bad records: " + entries.error().message};
  b.initial_cluster.clear();
  for (const auto& e : *entries)
    b.initial_cluster.emplace_back(e.name, e.url.raw);
  b.advertise_peer_urls = found->self_peer_urls;
  spdlog::info("discovery-srv: bootstrapping with {}", found->initial_cluster);
  return Ok{};
}

}  // namespace

Result<std::unique_ptr<EtcdServer>> EtcdServer::start(ServerConfig config) {
  if (auto discovered = discover(config); !discovered) return discovered.error();
  if (auto discovered = discover_srv(config); !discovered) return discovered.error();
  std::unique_ptr<EtcdServer> server(new EtcdServer(std::move(config)));
  // A joiner reads the membership from its peers' peer port, over TLS when it is https.
  auto peer_client_tls = transport::make_client_tls(server->config_.peer_tls);
  if (!peer_client_tls) return peer_client_tls.error();
  auto booted = bootstrap(server->config_.bootstrap,
                          [&peer_client_tls](const std::vector<std::string>& urls) {
                            return fetch_membership_over_http(urls, *peer_client_tls);
                          });
  if (!booted) return booted.error();
  spdlog::info("starting member {:x} in cluster {:x} ({})", booted->id.value, booted->cluster_id,
               booted->how);
  if (auto opened = server->open(std::move(booted).value()); !opened) return opened.error();
  if (auto listening = server->listen(); !listening) {
    server->stop();
    return listening.error();
  }
  const int threads = std::max(1, server->config_.threads);
  for (int i = 0; i < threads; ++i) {
    server->threads_.emplace_back([s = server.get()] { s->io_.run(); });
  }
  return server;
}

Result<void> EtcdServer::open(Bootstrapped booted) {
  id_ = booted.id;
  cluster_id_ = booted.cluster_id;
  transport::Options options;
  options.local_id = id_;
  options.cluster_id = cluster_id_;
  options.listen_urls = config_.listen_peer_urls;
  options.tls = config_.peer_tls;
  transport::PeerHandler handler;
  handler.on_message = [this](raft::Message m) {
    on_strand([this, m = std::move(m)] { core_->step(m); });
  };
  handler.on_unreachable = [this](NodeId id) {
    on_strand([this, id] { core_->report_unreachable(id); });
  };
  handler.on_snapshot_status = [this](NodeId id, bool ok) {
    on_strand([this, id, ok] { core_->report_snapshot(id, ok); });
  };
  handler.on_http = [this](const transport::PeerHttpRequest& r) { return peer_http(r); };
  handler.on_removed = [this](NodeId by) {
    on_strand([this, by] {
      if (core_) core_->removed_by_peer(by);
    });
  };
  transport_ = std::make_unique<transport::PeerTransport>(io_, options, std::move(handler),
                                                          Rng(rng_.next()));
  if (auto started = transport_->start(); !started) return started.error();
  network_->attach(transport_.get());

  CoreOptions core = config_.core;
  core.metrics = &metrics_;
  core.id = id_;
  core.cluster_token = config_.bootstrap.cluster_token;
  core.heartbeat_ticks = 1;
  core.election_ticks = static_cast<int>(config_.election_ms / config_.heartbeat_ms);
  // A waiting membership change fails with its own reason just before the request times out.
  core.conf_change_wait_ticks =
      std::max<int>(1, static_cast<int>(config_.request_timeout_ms / config_.heartbeat_ms) - 1);
  static RaftLogger raft_logger;
  core_ = std::make_unique<ServerCore>(std::move(core), std::move(booted.disk), *network_, clock_,
                                       rng_, &raft_logger);
  core_->on_removed = [this] {
    mark_data_dir_removed();
    asio::post(io_, [this] { stop(); });
  };
  core_->schedule_ready = [this] { schedule_ready(); };
  core_->on_leader_change = [this](NodeId leader) {
    leader_since_ns_ = clock_.now_unix_ns();
    on_leadership(leader);
    // stop_gracefully(): handed over. Posted, as on_removed: we are inside the core.
    if (handing_over_ && leader != id_) asio::post(io_, [this] { stop(); });
  };
  core_->on_membership_change = [this](const Membership& ms) {
    set_members_json(peer_members_json(ms));
    if (!ready_notified_ && core_ && core_->published() && on_ready_) {
      ready_notified_ = true;
      on_ready_();
    }
  };
  set_members_json(peer_members_json(core_->membership()));
  open_v3();
  schedule_auto_compaction();
  schedule_tick();
  schedule_sync();
  return Ok{};
}

Result<void> EtcdServer::listen() {
  auto observe = [this](const http::Request& request, int status) {
    metrics_.http_received.add(request.method);
    metrics_.http_responses.add(std::to_string(status));
  };
  // The v3 API (gRPC over HTTP/2) shares the client port: connections that open with the
  // HTTP/2 preface go to the gRPC server, as etcd's cmux does.
  v3rpc::GrpcServer::Options grpc_options;
  grpc_options.max_request_bytes = config_.core.max_request_bytes;
  grpc_options.max_txn_ops = config_.core.max_txn_ops;
  auto grpc = v3rpc::GrpcServer::start(v3_backend(), grpc_options);
  if (!grpc) return grpc.error();
  grpc_ = std::move(grpc).value();
  // The v3 JSON gateway (/v3/..., /v3beta/...) shares it too, over HTTP/1.1; it calls the
  // gRPC services in-process, as etcd's gateway calls its own gRPC server.
  auto route = [v2 = api::make_router(*this, config_.cors),
                gateway = v3rpc::make_gateway(grpc_->in_process_channel(), config_.cors)](
                   std::shared_ptr<http::Exchange> exchange) {
    if (v3rpc::is_gateway_path(exchange->request().path())) return gateway(std::move(exchange));
    v2(std::move(exchange));
  };
  client_http_ = std::make_unique<http::Server>(io_, config_.http_limits, std::move(route),
                                                std::move(observe));
  client_http_->set_http2_handoff([grpc = grpc_.get()](int fd) { grpc->adopt(fd); });
  std::shared_ptr<boost::asio::ssl::context> tls;  // one context for every https listener
  if (config_.client_tls.has_certificate()) {
    auto made = transport::make_server_tls(config_.client_tls, "client TLS");
    if (!made) return made.error();
    tls = *made;
  }
  for (const auto& url : config_.listen_client_urls) {
    const bool https = url.starts_with("https://");
    if (https && !tls) return Error{"listen " + url + ": https needs --cert-file and --key-file"};
    auto parsed = parse_host_port(url);
    if (!parsed) return parsed.error();
    auto port = client_http_->listen(parsed->first, parsed->second, https ? tls : nullptr);
    if (!port) return port.error();
    client_ports_.push_back(*port);
  }
  return Ok{};
}

void EtcdServer::schedule_ready() {
  // Group commit only pays when more input is already queued: it then shares this Ready
  // (one fsync, one store batch). With nothing queued, waiting a strand hop only adds
  // latency.
  if (queued_on_strand_.load(std::memory_order_relaxed) == 0) return core_->process_ready();
  on_strand([this] {
    if (core_) core_->process_ready();
  });
}

void EtcdServer::schedule_tick() {
  tick_timer_.expires_after(std::chrono::milliseconds(config_.heartbeat_ms));
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    core_->tick();
    schedule_tick();
  });
}

void EtcdServer::schedule_sync() {
  // etcd proposes a SYNC every 500 ms while it leads and TTL keys exist.
  sync_timer_.expires_after(std::chrono::milliseconds(500));
  sync_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    core_->maybe_sync();
    expire_leases();
    schedule_sync();
  });
}

void EtcdServer::on_ready(std::function<void()> callback) {
  on_strand([this, callback = std::move(callback)]() mutable {
    on_ready_ = std::move(callback);
    if (!ready_notified_ && core_ && core_->published()) {
      ready_notified_ = true;
      on_ready_();
    }
  });
}

void EtcdServer::wait() {
  for (auto& t : threads_) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
}

void EtcdServer::mark_data_dir_removed() const {
  const auto dir = wal::DataDir::layout(config_.bootstrap.data_dir, config_.bootstrap.wal_dir);
  std::ofstream marker(dir.removed_marker, std::ios::trunc);
  marker << "member " << id_to_hex(id_.value) << " was removed from the cluster\n";
  marker.flush();
  if (!marker)
    spdlog::error("could not write {}: a restart will only learn it from the peers",
                  dir.removed_marker);
}

void EtcdServer::stop_gracefully() {
  on_strand([this] {
    if (stopped_ || !core_ || !core_->hand_over_leadership()) return stop();
    // on_leader_change stops us once another member leads; this bounds the wait.
    handing_over_ = true;
    stop_timer_.expires_after(std::chrono::milliseconds(config_.election_ms));
    stop_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      spdlog::warn("stopping: leadership was not handed over in time");
      stop();
    });
  });
}

void EtcdServer::stop() {
  if (stopped_.exchange(true)) return;
  if (client_http_) client_http_->stop();
  if (transport_) transport_->stop();
  auto teardown = [this] {
    tick_timer_.cancel();
    stop_timer_.cancel();
    sync_timer_.cancel();
    compaction_timer_.cancel();
    core_.reset();  // fails whatever still waits on it
    io_.stop();
  };
  if (threads_.empty()) {
    teardown();
  } else {
    // The core lives on the strand: tear it down there, after what is running now.
    asio::post(strand_, teardown);
  }
}

}  // namespace etcd::server
