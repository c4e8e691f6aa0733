// EtcdServer as v3rpc::Backend (the v3 gRPC services' view of the member): every keyspace
// access hops onto the strand; waits on raft are bounded by the request timeout, as for v2.
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include "etcd/bolt/etcd_backend.h"
#include "etcd/mvcc/error.h"
#include "etcd/server/etcd_server.h"
#include "etcd/server/pending.h"
#include "etcd/v3rpc/forward.h"

namespace etcd::server {

namespace asio = boost::asio;

namespace {

// etcd's MaxLeaseTTL (seconds).
constexpr int64_t kMaxLeaseTtl = 9'000'000'000;

// What Maintenance.Status reports: the same server version as GET /version.
constexpr std::string_view kServerVersion = "2.3.8";

// The core's membership errors as etcd's v3 API words them (rpctypes).
Error v3_member_error(const Error& e) {
  static const std::pair<std::string_view, std::string_view> kMap[] = {
      {"membership: ID exists", "etcdserver: member ID already exist"},
      {"membership: peerURL exists", "etcdserver: Peer URLs already exists"},
      {"membership: member not found", "etcdserver: member not found"},
      {"membership: ID removed", "etcdserver: member not found"},
      {"membership: member is not a learner", "etcdserver: can only promote a learner member"},
  };
  for (const auto& [ours, theirs] : kMap) {
    if (e.message == ours) return Error{std::string(theirs)};
  }
  if (e.message.starts_with("etcdserver: unhealthy cluster")) {
    return Error{"etcdserver: unhealthy cluster"};
  }
  return e;
}

// What etcd's backend holds beside the keyspace, as of the store's applied index.
bolt::EtcdBackendInfo backend_info(const ServerCore& core) {
  bolt::EtcdBackendInfo info;
  info.consistent_index = core.applied_index().value;
  for (const auto& [id, m] : core.membership().members()) {
    info.members.push_back({id.value, m.name, m.peer_urls, m.client_urls, m.is_learner});
  }
  for (NodeId id : core.membership().removed())
    info.removed.push_back(id.value);
  return info;
}

std::vector<Member> members_of(const Membership& membership) {
  std::vector<Member> out;
  for (const auto& [id, m] : membership.members())
    out.push_back(m);
  return out;
}

}  // namespace

// One gRPC watch stream: its id in the hub; the sink guard makes close() final.
class EtcdServer::V3WatchStream final : public v3rpc::WatchStream,
                                        public std::enable_shared_from_this<V3WatchStream> {
 public:
  V3WatchStream(EtcdServer& server, std::function<void(mvcc::WatchResponse, v3rpc::Header)> sink)
      : server_(server), guard_(std::make_shared<Guard>()) {
    guard_->sink = std::move(sink);
  }

  void open() {
    server_.on_strand([self = shared_from_this()] {
      if (!self->server_.watch_hub_ || self->closed_on_strand_) return;
      EtcdServer& s = self->server_;
      self->id_ = s.watch_hub_->open_stream([guard = self->guard_, &s](mvcc::WatchResponse r) {
        v3rpc::Header h;
        h.cluster_id = s.cluster_id_;
        h.member_id = s.id_.value;
        h.revision = r.revision;
        if (s.core_) h.raft_term = s.core_->term().value;
        std::lock_guard lock(guard->mutex);
        if (guard->sink) guard->sink(std::move(r), h);
      });
    });
  }
  void create(mvcc::WatchRequest request) override {
    on_hub([request = std::move(request)](mvcc::WatchHub& hub, uint64_t id) {
      hub.create(id, request);
    });
  }
  void cancel(int64_t watch_id) override {
    on_hub([watch_id](mvcc::WatchHub& hub, uint64_t id) { hub.cancel(id, watch_id); });
  }
  void request_progress() override {
    on_hub([](mvcc::WatchHub& hub, uint64_t id) { hub.request_progress(id); });
  }
  void close() override {
    {
      std::lock_guard lock(guard_->mutex);
      guard_->sink = nullptr;
    }
    server_.on_strand([self = shared_from_this()] {
      self->closed_on_strand_ = true;
      if (self->id_ != 0 && self->server_.watch_hub_)
        self->server_.watch_hub_->close_stream(self->id_);
    });
  }

 private:
  struct Guard {
    std::mutex mutex;
    std::function<void(mvcc::WatchResponse, v3rpc::Header)> sink;
  };
  template <typename F>
  void on_hub(F f) {
    server_.on_strand([self = shared_from_this(), f = std::move(f)]() mutable {
      if (self->id_ != 0 && self->server_.watch_hub_ && self->server_.core_) {
        f(*self->server_.watch_hub_, self->id_);
      }
    });
  }

  EtcdServer& server_;
  std::shared_ptr<Guard> guard_;
  uint64_t id_ = 0;                // strand only
  bool closed_on_strand_ = false;  // strand only
};

class EtcdServer::V3 final : public v3rpc::Backend {
 public:
  explicit V3(EtcdServer& server) : s_(server) {}

  void range(mvcc::RangeRequest request, v3rpc::Reply<mvcc::RangeResponse> done) override {
    s_.on_strand([this, request = std::move(request), done = std::move(done)]() mutable {
      if (!s_.core_) return done(stopped(), header());
      if (request.serializable) {
        auto [result, h] = read_range(request);
        return done(std::move(result), h);
      }
      auto pending = bounded(std::move(done));
      s_.core_->read_index([this, pending, request](Result<void> ok) {
        if (pending->fired || !s_.core_) return;
        if (!ok) return (void)pending->fire(ok.error(), header());
        auto [result, h] = read_range(request);
        pending->fire(std::move(result), h);
      });
    });
  }

  void write(mvcc::WriteRequest request, v3rpc::Reply<mvcc::WriteResponse> done) override {
    s_.on_strand([this, request = std::move(request), done = std::move(done)]() mutable {
      if (!s_.core_) return done(stopped(), header());
      if (over_quota(bytes_added(request))) return done(no_space(), header());
      auto pending = bounded(std::move(done));
      const uint64_t id = s_.core_->propose_v3(
          std::move(request),
          [this, pending](V3ApplyResult r) { pending->fire(std::move(r.result), header()); });
      pending->timer.async_wait([this, pending, id](boost::system::error_code ec) {
        if (!ec && s_.core_) s_.core_->cancel(id);
      });
    });
  }

  void lease_grant(int64_t id, int64_t ttl, v3rpc::Reply<mvcc::LeaseResponse> done) override {
    s_.on_strand([this, id, ttl, done = std::move(done)]() mutable {
      if (!s_.core_) return done(stopped(), header());
      if (ttl > kMaxLeaseTtl) return done(Error{"etcdserver: too large lease TTL"}, header());
      if (over_quota(kLeaseCost)) return done(no_space(), header());
      mvcc::LeaseGrantRequest grant;
      grant.id = id != 0 ? id : static_cast<int64_t>(s_.core_->next_request_id() & INT64_MAX);
      grant.ttl = std::max(ttl, min_lease_ttl());
      propose_lease(grant, std::move(done));
    });
  }
  void lease_revoke(int64_t id, v3rpc::Reply<mvcc::LeaseResponse> done) override {
    s_.on_strand([this, id, done = std::move(done)]() mutable {
      if (!s_.core_) return done(stopped(), header());
      propose_lease(mvcc::LeaseRevokeRequest{id}, std::move(done));
    });
  }
  void lease_renew(int64_t id, v3rpc::Reply<mvcc::LeaseResponse> done) override {
    s_.on_strand([this, id, done = std::move(done)]() mutable {
      if (!s_.core_) return done(stopped(), header());
      propose_lease(mvcc::LeaseRenewRequest{id}, std::move(done));
    });
  }
  void lease_time_to_live(int64_t id, bool keys, v3rpc::Reply<v3rpc::LeaseStatus> done) override {
    s_.on_strand([this, id, keys, done = std::move(done)] {
      if (!s_.core_) return done(stopped(), header());
      v3rpc::LeaseStatus status;
      status.id = id;
      mvcc::KvStore& kv = s_.core_->kv();
      if (auto granted = kv.lease_ttl(id)) {
        status.granted_ttl = *granted;
        status.ttl =
            s_.lease_clock_.remaining_seconds(id, s_.clock_.steady_ns()).value_or(*granted);
        if (keys) status.keys = kv.lease_keys(id);
      }
      done(std::move(status), header());
    });
  }
  void lease_list(v3rpc::Reply<std::vector<int64_t>> done) override {
    s_.on_strand([this, done = std::move(done)] {
      if (!s_.core_) return done(stopped(), header());
      std::vector<int64_t> ids;
      for (const auto& [id, ttl] : s_.core_->kv().leases())
        ids.push_back(id);
      done(std::move(ids), header());
    });
  }

  std::shared_ptr<v3rpc::WatchStream> open_watch_stream(
      std::function<void(mvcc::WatchResponse, v3rpc::Header)> sink) override {
    auto stream = std::make_shared<V3WatchStream>(s_, std::move(sink));
    stream->open();
    return stream;
  }

  void status(v3rpc::Reply<v3rpc::StatusInfo> done) override {
    s_.on_strand([this, done = std::move(done)] {
      if (!s_.core_) return done(stopped(), header());
      ServerCore& core = *s_.core_;
      v3rpc::StatusInfo info;
      info.version = std::string(kServerVersion);
      info.db_size = core.store().database().size_bytes();
      info.db_size_in_use = core.store().database().size_in_use_bytes();
      for (const auto& a : core.kv().alarms()) {
        info.errors.push_back("memberID:" + std::to_string(a.member_id) + " alarm:" +
                              (a.alarm == mvcc::AlarmType::kNoSpace ? "NOSPACE" : "CORRUPT"));
      }
      info.leader = core.leader().value;
      const auto status = core.status();
      info.raft_index = status.hard_state.commit.value;
      info.raft_term = status.hard_state.term.value;
      info.raft_applied_index = core.applied_index().value;
      const Member* self = core.membership().find(s_.id_);
      info.is_learner = self != nullptr && self->is_learner;
      done(std::move(info), header());
    });
  }

  void hash_kv(int64_t revision, v3rpc::Reply<mvcc::HashKvResponse> done) override {
    s_.on_strand([this, revision, done = std::move(done)] {
      if (!s_.core_) return done(stopped(), header());
      done(s_.core_->kv().hash_kv(revision), header());
    });
  }

  // etcd's backend (bbolt) file of the v3 keyspace, then its SHA-256, as etcd streams it.
  void snapshot(v3rpc::Reply<std::string> done) override {
    s_.on_strand([this, done = std::move(done)] {
      if (!s_.core_) return done(stopped(), header());
      // A consistent copy of the database, taken on the strand like a raft snapshot; the
      // bbolt file is built from the copy off the strand (on an io thread), so the core
      // goes on meanwhile.
      std::string image = s_.core_->store().save_snapshot();
      bolt::EtcdBackendInfo info = backend_info(*s_.core_);
      asio::post(s_.io_, [image = std::move(image), info = std::move(info), h = header(),
                          done = std::move(done)]() mutable {
        auto file = bolt::etcd_backend_from_image(std::move(image), info);
        if (!file) return done(file.error(), h);
        std::string stream = std::move(file).value();
        unsigned char digest[SHA256_DIGEST_LENGTH];
        SHA256(reinterpret_cast<const unsigned char*>(stream.data()), stream.size(), digest);
        stream.append(reinterpret_cast<const char*>(digest), sizeof digest);
        done(std::move(stream), h);
      });
    });
  }

  void move_leader(uint64_t target, v3rpc::Reply<bool> done) override {
    s_.on_strand([this, target, done = std::move(done)]() mutable {
      if (!s_.core_) return done(stopped(), header());
      if (auto moved = s_.core_->transfer_leadership(NodeId{target}); !moved) {
        return done(moved.error(), header());
      }
      auto pending = bounded(std::move(done));
      wait_for_leader(NodeId{target}, pending);
    });
  }

  void alarm(mvcc::AlarmRequest request, v3rpc::Reply<mvcc::AlarmResponse> done) override {
    s_.on_strand([this, request, done = std::move(done)]() mutable {
      if (!s_.core_) return done(stopped(), header());
      if (request.action == mvcc::AlarmAction::kGet) {
        return done(s_.core_->kv().alarm(request), header());
      }
      auto pending = bounded(std::move(done));
      const uint64_t id = s_.core_->propose_v3(request, [this, pending](V3ApplyResult r) {
        if (!r.result) return (void)pending->fire(r.result.error(), header());
        pending->fire(std::get<mvcc::AlarmResponse>(*r.result), header());
      });
      pending->timer.async_wait([this, pending, id](boost::system::error_code ec) {
        if (!ec && s_.core_) s_.core_->cancel(id);
      });
    });
  }

  void member_list(v3rpc::Reply<std::vector<Member>> done) override {
    s_.on_strand([this, done = std::move(done)] {
      if (!s_.core_) return done(stopped(), header());
      done(member_list_now(), member_header());
    });
  }

  void member_add(std::vector<std::string> peer_urls, bool learner,
                  v3rpc::Reply<v3rpc::MemberChange> done) override {
    member_change(std::move(done),
                  [urls = std::move(peer_urls), learner](ServerCore& core, MemberDone cb) {
                    core.add_member(urls, learner, std::move(cb));
                  });
  }
  void member_remove(uint64_t id, v3rpc::Reply<v3rpc::MemberChange> done) override {
    member_change(std::move(done), [id](ServerCore& core, MemberDone cb) {
      core.remove_member(NodeId{id}, std::move(cb));
    });
  }
  void member_update(uint64_t id, std::vector<std::string> peer_urls,
                     v3rpc::Reply<v3rpc::MemberChange> done) override {
    member_change(std::move(done),
                  [id, urls = std::move(peer_urls)](ServerCore& core, MemberDone cb) {
                    core.update_member(NodeId{id}, urls, std::move(cb));
                  });
  }
  void member_promote(uint64_t id, v3rpc::Reply<v3rpc::MemberChange> done) override {
    s_.on_strand([this, id, done = std::move(done)]() mutable {
      if (!s_.core_) return done(stopped(), member_header());
      const NodeId leader = s_.core_->leader();
      const Member* lead = s_.core_->membership().find(leader);
      if (leader == kNoNode || leader == s_.id_ || lead == nullptr || lead->client_urls.empty()) {
        return member_change(std::move(done), [id](ServerCore& core, MemberDone cb) {
          core.promote_member(NodeId{id}, std::move(cb));
        });
      }
      // Only the leader knows how far the learner got: it decides (etcd forwards too).
      v3rpc::forward_member_promote(
          lead->client_urls.front(), id, s_.config_.request_timeout_ms,
          [this, id, done = std::move(done)](Result<void> promoted) mutable {
            s_.on_strand([this, id, promoted, done = std::move(done)] {
              if (!promoted) return done(promoted.error(), member_header());
              if (!s_.core_) return done(stopped(), member_header());
              v3rpc::MemberChange change;
              change.members = member_list_now();
              if (const Member* m = s_.core_->membership().find(NodeId{id})) change.member = *m;
              done(std::move(change), member_header());
            });
          });
    });
  }

 private:
  static Error stopped() { return Error{std::string(kErrStopped)}; }

  // The range (one read transaction, KvStore's) and its header, whose revision is the
  // one the range read at: no second read of the revision counter.
  std::pair<Result<mvcc::RangeResponse>, v3rpc::Header> read_range(
      const mvcc::RangeRequest& request) {
    auto result = s_.core_->kv().range(request);
    const v3rpc::Header h = result ? header_at(result->revision) : header();
    return {std::move(result), h};
  }

  v3rpc::Header header() const {
    return header_at(s_.core_ ? s_.core_->kv().current_revision() : 0);
  }

  v3rpc::Header header_at(int64_t revision) const {
    v3rpc::Header h;
    h.cluster_id = s_.cluster_id_;
    h.member_id = s_.id_.value;
    if (s_.core_) {
      h.revision = revision;
      h.raft_term = s_.core_->term().value;
    }
    return h;
  }

  static constexpr int64_t kLeaseCost = 64;  // bytes a lease row takes, about

  static Error no_space() { return mvcc::make_error(mvcc::ErrorCode::kNoSpace); }

  // Bytes a write may add (etcd's quota cost: keys and values of its puts).
  static int64_t bytes_added(const mvcc::WriteRequest& request) {
    if (const auto* put = std::get_if<mvcc::PutRequest>(&request)) {
      return static_cast<int64_t>(put->key.size() + put->value.size());
    }
    if (const auto* txn = std::get_if<mvcc::TxnRequest>(&request)) return txn_bytes(*txn);
    return 0;
  }
  static int64_t txn_bytes(const mvcc::TxnRequest& txn) {
    int64_t n = 0;
    for (const auto* branch : {&txn.success, &txn.failure}) {
      for (const auto& op : *branch) {
        if (const auto* put = std::get_if<mvcc::PutRequest>(&op)) {
          n += static_cast<int64_t>(put->key.size() + put->value.size());
        } else if (const auto* nested = std::get_if<std::shared_ptr<mvcc::TxnRequest>>(&op)) {
          n += txn_bytes(**nested);
        }
      }
    }
    return n;
  }

  // etcd's quota: a write that adds data past --quota-backend-bytes fails, and raises
  // NOSPACE (through the log) so every member refuses such writes until an operator
  // frees space and disarms it. Writes that add nothing (deletes, compaction) pass.
  bool over_quota(int64_t cost) {
    if (cost <= 0 || s_.config_.quota_backend_bytes <= 0) return false;
    ServerCore& core = *s_.core_;
    const int64_t quota = s_.config_.quota_backend_bytes;
    if (size_in_use(false) + cost <= quota) return false;
    if (size_in_use(true) + cost <= quota) return false;  // a refusal never rests on the cache
    if (!core.kv().space_exceeded()) {
      spdlog::warn("database size is over --quota-backend-bytes ({}): raising NOSPACE",
                   s_.config_.quota_backend_bytes);
      core.propose_v3(
          mvcc::AlarmRequest{mvcc::AlarmAction::kActivate, s_.id_.value, mvcc::AlarmType::kNoSpace},
          [](V3ApplyResult) {});
    }
    return true;
  }

  // The database's bytes in use, read at most every kSizeReadIntervalNs unless `fresh`:
  // a reading is three PRAGMAs (4 % of a member's CPU when taken per put). The size moves
  // only by what the member applies meanwhile, so the quota may be passed by that much
  // (etcd's own check reads a size its backend updates at each commit, every 100 ms).
  int64_t size_in_use(bool fresh) {
    const int64_t now = s_.clock_.steady_ns();
    if (fresh || !size_read_ns_ || now - *size_read_ns_ >= kSizeReadIntervalNs) {
      size_in_use_ = s_.core_->store().database().size_in_use_bytes();
      size_read_ns_ = now;
    }
    return size_in_use_;
  }

  // etcd's minimum lease TTL: 1.5 election timeouts, in whole seconds rounded up.
  int64_t min_lease_ttl() const {
    const int64_t ticks = s_.config_.election_ms / s_.config_.heartbeat_ms;
    const int64_t ms = (3 * ticks / 2) * s_.config_.heartbeat_ms;
    return (ms + 999) / 1000;
  }

  template <typename Request>
  void propose_lease(Request request, v3rpc::Reply<mvcc::LeaseResponse> done) {
    auto pending = bounded(std::move(done));
    const uint64_t id = s_.core_->propose_v3(std::move(request), [this, pending](V3ApplyResult r) {
      if (!r.result) return (void)pending->fire(r.result.error(), header());
      pending->fire(std::get<mvcc::LeaseResponse>(*r.result), header());
    });
    pending->timer.async_wait([this, pending, id](boost::system::error_code ec) {
      if (!ec && s_.core_) s_.core_->cancel(id);
    });
  }

  // etcd's Cluster responses carry no revision.
  v3rpc::Header member_header() const {
    v3rpc::Header h = header();
    h.revision = 0;
    return h;
  }

  std::vector<Member> member_list_now() const { return members_of(s_.core_->membership()); }

  // A reply bounded by the request timeout ("etcdserver: request timed out").
  template <typename T>
  std::shared_ptr<Pending<v3rpc::Reply<T>>> bounded(v3rpc::Reply<T> done) {
    auto pending = std::make_shared<Pending<v3rpc::Reply<T>>>(s_.strand_, std::move(done));
    pending->timer.expires_after(std::chrono::milliseconds(s_.config_.request_timeout_ms));
    pending->timer.async_wait([this, pending](boost::system::error_code ec) {
      if (!ec) pending->fire(Error{std::string(kErrTimedOut)}, header());
    });
    return pending;
  }

  // MoveLeader answers once the target leads (polled every heartbeat, bounded).
  void wait_for_leader(NodeId target, std::shared_ptr<Pending<v3rpc::Reply<bool>>> pending) {
    if (pending->fired) return;
    if (!s_.core_) return (void)pending->fire(stopped(), header());
    if (s_.core_->leader() == target) return (void)pending->fire(true, header());
    auto poll = std::make_shared<asio::steady_timer>(s_.strand_);
    poll->expires_after(std::chrono::milliseconds(s_.config_.heartbeat_ms));
    poll->async_wait([this, target, pending, poll](boost::system::error_code ec) {
      if (!ec) wait_for_leader(target, pending);
    });
  }

  void member_change(v3rpc::Reply<v3rpc::MemberChange> done, MemberCall call) {
    s_.member_op(
        [this, done = std::move(done)](Result<Member> m) {
          // member_op answers on the strand.
          if (!m) return done(v3_member_error(m.error()), member_header());
          v3rpc::MemberChange change;
          change.member = *m;
          if (s_.core_) change.members = member_list_now();
          done(std::move(change), member_header());
        },
        std::move(call));
  }

  static constexpr int64_t kSizeReadIntervalNs = 10'000'000;

  EtcdServer& s_;
  std::optional<int64_t> size_read_ns_;  // strand only, as size_in_use_
  int64_t size_in_use_ = 0;
};

void EtcdServer::open_v3() {
  watch_hub_ = std::make_unique<mvcc::WatchHub>(core_->kv());
  core_->on_v3_events = [this](const std::vector<mvcc::Event>& events) {
    if (!grpc_) return watch_hub_->notify(events);
    auto batch = grpc_->batch_watch_writes();
    watch_hub_->notify(events);
  };
  core_->on_v3_restored = [this] {
    watch_hub_->restored(core_->kv());
    lease_clock_.reset(core_->kv().leases(), clock_.steady_ns());
  };
  core_->on_lease_change = [this](int64_t id, int64_t ttl) {
    lease_clock_.set(id, ttl, clock_.steady_ns());
  };
  lease_clock_.reset(core_->kv().leases(), clock_.steady_ns());
  v3_ = std::make_unique<V3>(*this);
}

v3rpc::Backend& EtcdServer::v3_backend() {
  return *v3_;
}

void EtcdServer::expire_leases() {
  if (!core_ || !core_->is_leader()) return;
  for (int64_t id : lease_clock_.expired(clock_.steady_ns())) {
    if (!revoking_.insert(id).second) continue;  // its revocation is on its way
    spdlog::debug("lease {:x} expired: revoking it", id);
    core_->propose_v3(mvcc::LeaseRevokeRequest{id}, [this, id](V3ApplyResult) {
      // Applied (or failed, e.g. lost leadership): a lease still there is retried later.
      revoking_.erase(id);
    });
  }
}

void EtcdServer::schedule_auto_compaction() {
  // etcd 3.4: periodic mode samples every min(retention, 1h)/10; revision mode every 5 min.
  constexpr int64_t kRevisionModePeriodNs = 5 * 60'000'000'000LL;
  int64_t period_ns = 0;
  if (config_.auto_compaction_retention_ns > 0) {
    period_ns = mvcc::periodic_sample_interval_ns(config_.auto_compaction_retention_ns);
  } else if (config_.auto_compaction_revisions > 0) {
    period_ns = kRevisionModePeriodNs;
  }
  if (period_ns <= 0) return;
  compaction_timer_.expires_after(std::chrono::nanoseconds(period_ns));
  compaction_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    auto_compact();
    schedule_auto_compaction();
  });
}

void EtcdServer::auto_compact() {
  if (!core_) return;
  if (!core_->is_leader()) {
    compaction_samples_.clear();  // a leader starts counting its retention afresh
    return;
  }
  mvcc::KvStore& kv = core_->kv();
  const int64_t now = clock_.steady_ns();
  std::optional<int64_t> target;
  if (const int64_t retention = config_.auto_compaction_retention_ns; retention > 0) {
    compaction_samples_.push_back({now, kv.current_revision()});
    target = mvcc::periodic_compaction_revision(compaction_samples_, retention, now,
                                                kv.compact_revision());
    const size_t stale = mvcc::stale_samples(compaction_samples_, retention, now);
    compaction_samples_.erase(compaction_samples_.begin(),
                              compaction_samples_.begin() + static_cast<std::ptrdiff_t>(stale));
  } else {
    const int64_t rev = kv.current_revision() - config_.auto_compaction_revisions;
    if (rev > 0 && rev > kv.compact_revision()) target = rev;
  }
  if (!target) return;
  spdlog::info("auto compaction: compacting the v3 history to revision {}", *target);
  core_->propose_v3(mvcc::CompactionRequest{*target, false}, [target](V3ApplyResult r) {
    if (!r.result) spdlog::warn("auto compaction to {}: {}", *target, r.result.error().message);
  });
}

void EtcdServer::on_leadership(NodeId leader) {
  // A new leader restarts every lease's countdown: none may expire early for the change.
  if (leader == id_ && core_) lease_clock_.reset(core_->kv().leases(), clock_.steady_ns());
  revoking_.clear();
}

}  // namespace etcd::server
