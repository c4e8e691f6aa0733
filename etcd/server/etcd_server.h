// EtcdServer: one running etcd2 member. It puts a ServerCore on an Asio strand, drives
// its ticks and TTL syncs from timers, connects it to the peer transport and serves the
// client API (etcd/api) on the client URLs. Implements api::Backend by hopping onto the
// strand for every store access.
//
// Threads: an io_context run by `threads` threads; the core is only touched on strand_.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "etcd/api/backend.h"
#include "etcd/common/asio.h"
#include "etcd/common/clock.h"
#include "etcd/common/random.h"
#include "etcd/http/server.h"
#include "etcd/mvcc/auto_compaction.h"
#include "etcd/mvcc/watch_hub.h"
#include "etcd/server/bootstrap.h"
#include "etcd/server/lease_clock.h"
#include "etcd/server/server_core.h"
#include "etcd/transport/peer_transport.h"
#include "etcd/v3rpc/backend.h"
#include "etcd/v3rpc/grpc_server.h"

namespace etcd::server {

struct ServerConfig {
  BootstrapConfig bootstrap;
  std::string discovery_url;  // --discovery: fills bootstrap.initial_cluster on a fresh data dir
  std::string discovery_srv;  // --discovery-srv: the same from DNS SRV records of this domain
  CoreOptions core;           // id, cluster token and ticks are filled in by start()
  std::vector<std::string> listen_client_urls;
  std::vector<std::string> listen_peer_urls;
  std::vector<std::string> cors;
  int64_t heartbeat_ms = 100;
  int64_t election_ms = 1000;
  int64_t request_timeout_ms = 5000;
  transport::TlsFiles peer_tls;
  transport::TlsFiles client_tls;  // --cert-file ...: served by https client listeners
  http::Limits http_limits;
  int threads = 2;
  // v3 auto compaction by the leader (--auto-compaction-mode/-retention); both 0: off.
  int64_t auto_compaction_retention_ns = 0;  // periodic: keep this much history
  int64_t auto_compaction_revisions = 0;     // revision: keep this many revisions
  // --quota-backend-bytes: past it, v3 writes that add data fail and NOSPACE is raised.
  int64_t quota_backend_bytes = 2LL << 30;
};

class EtcdServer final : public api::Backend {
 public:
  // Bootstraps from the data dir, binds every listener, starts the threads. Errors name the
  // cause (bad data dir, address in use, ...), and nothing keeps running after one.
  static Result<std::unique_ptr<EtcdServer>> start(ServerConfig config);
  ~EtcdServer() override;

  // Blocks until stop() (or a removal from the cluster, or SIGTERM via the host main).
  void wait();
  // Begins shutdown (idempotent, any thread); wait() then returns once it is complete.
  void stop();
  // SIGTERM: a leader first hands leadership to its most caught-up voter (as etcd does), so
  // the cluster does not wait an election timeout for it; then stop(). Bounded by one
  // election timeout.
  void stop_gracefully();
  // Called once the member is published and can serve (for sd_notify READY=1).
  void on_ready(std::function<void()> callback);

  NodeId id() const { return id_; }
  std::vector<uint16_t> client_ports() const { return client_ports_; }

  // api::Backend
  uint64_t cluster_id() const override { return cluster_id_; }
  void write(store::Request request, api::EventCallback done) override;
  void read(const api::KeysRequest& request, api::EventCallback done) override;
  api::CancelWatch watch(const api::KeysRequest& request, api::WatchCallbacks callbacks) override;
  void members(std::function<void(api::MemberList)> done) override;
  void add_member(std::vector<std::string> peer_urls,
                  std::function<void(Result<Member>)> done) override;
  void remove_member(uint64_t id, std::function<void(Result<Member>)> done) override;
  void update_member(uint64_t id, std::vector<std::string> peer_urls,
                     std::function<void(Result<Member>)> done) override;
  void store_stats(std::function<void(store::Stats)> done) override;
  void self_stats(std::function<void(api::SelfStats)> done) override;
  void leader_stats(std::function<void(std::optional<std::string>)> done) override;
  void health(std::function<void(bool)> done) override;
  void auth_state(std::function<void(auth::State)> done) override;
  void metrics(std::function<void(std::string)> done) override;

  // The v3 API's view of this member (etcd_server_v3.cc), served by gRPC on the client
  // URLs beside v2.
  v3rpc::Backend& v3_backend();

 private:
  class NetworkAdapter;
  class V3;
  class V3WatchStream;
  explicit EtcdServer(ServerConfig config);

  Result<void> open(Bootstrapped booted);
  Result<void> listen();
  void open_v3();
  // Leader: proposes the revocation of every lease whose time is up (every 500 ms).
  void expire_leases();
  void on_leadership(NodeId leader);
  void schedule_auto_compaction();
  // Leader: compacts the v3 history as --auto-compaction-mode/-retention ask.
  void auto_compact();
  void schedule_tick();
  void schedule_sync();
  template <typename F>
  void on_strand(F&& f) {
    queued_on_strand_.fetch_add(1, std::memory_order_relaxed);
    boost::asio::post(strand_, [this, f = std::forward<F>(f)]() mutable {
      queued_on_strand_.fetch_sub(1, std::memory_order_relaxed);
      f();
    });
  }
  // The core asks for its Ready loop: batched behind whatever is queued, at once if idle.
  void schedule_ready();
  api::IndexHeaders headers() const;  // strand only
  transport::PeerHttpResponse peer_http(const transport::PeerHttpRequest& request);
  void set_members_json(std::string json);
  // Leaves <data-dir>/member/removed so a restart refuses the data dir (bootstrap.cc).
  void mark_data_dir_removed() const;
  void get_now(const api::KeysRequest& request, const api::EventCallback& done);
  using MemberDone = std::function<void(Result<Member>)>;
  using MemberCall = std::function<void(ServerCore&, MemberDone)>;
  // Runs a membership change on the strand, bounded by the request timeout.
  void member_op(MemberDone done, MemberCall call);

  ServerConfig config_;
  SystemClock clock_;
  Rng rng_;
  boost::asio::io_context io_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer stop_timer_;  // stop_gracefully: bounds the hand-over
  bool handing_over_ = false;             // strand only
  boost::asio::steady_timer sync_timer_;
  boost::asio::steady_timer compaction_timer_;            // v3 auto compaction
  std::vector<mvcc::RevisionSample> compaction_samples_;  // strand only
  ServerMetrics metrics_;
  std::unique_ptr<NetworkAdapter> network_;
  std::unique_ptr<transport::PeerTransport> transport_;
  std::unique_ptr<ServerCore> core_;
  std::shared_ptr<const auth::State> auth_cache_;  // strand only; see auth_state()
  uint64_t auth_cache_generation_ = 0;
  std::unique_ptr<mvcc::WatchHub> watch_hub_;  // strand only
  LeaseClock lease_clock_;                     // strand only
  std::set<int64_t> revoking_;                 // strand only: revocations proposed
  std::unique_ptr<v3rpc::Backend> v3_;         // a V3 (etcd_server_v3.cc)
  std::unique_ptr<v3rpc::GrpcServer> grpc_;
  std::unique_ptr<http::Server> client_http_;
  std::vector<std::thread> threads_;
  std::vector<uint16_t> client_ports_;
  NodeId id_;
  uint64_t cluster_id_ = 0;
  int64_t start_time_ns_ = 0;
  int64_t leader_since_ns_ = 0;  // strand only
  std::atomic<bool> stopped_{false};
  std::atomic<int> queued_on_strand_{0};  // on_strand() handlers posted, not yet started
  std::function<void()> on_ready_;
  std::mutex members_json_mutex_;
  std::string members_json_;  // GET /members on the peer port, kept current by the strand
  bool ready_notified_ = false;
};

}  // namespace etcd::server
