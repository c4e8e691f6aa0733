// EtcdServer as api::Backend: every store or core access hops onto the strand; waits on
// raft (writes, quorum reads, membership changes) are bounded by the request timeout.
#include <nlohmann/json.hpp>

#include "etcd/server/etcd_server.h"

#include "etcd/api/auth_plan.h"
#include "etcd/api/response.h"
#include "etcd/server/fetch_membership.h"
#include "etcd/server/pending.h"

namespace etcd::server {

namespace asio = boost::asio;

namespace {

store::StoreError raft_error(std::string cause, store::EtcdIndex index = store::EtcdIndex{0}) {
  return store::StoreError{store::ErrorCode::raft_internal, std::move(cause), index};
}

constexpr std::string_view kTimedOut = kErrTimedOut;

}  // namespace

api::IndexHeaders EtcdServer::headers() const {
  if (!core_) return {cluster_id_, 0, 0, 0};
  return {cluster_id_, core_->store().index().value, core_->applied_index().value,
          core_->term().value};
}

void EtcdServer::write(store::Request request, api::EventCallback done) {
  on_strand([this, request = std::move(request), done = std::move(done)]() mutable {
    if (!core_) return done(raft_error("etcdserver: server stopped"), headers());
    request.id = core_->next_request_id();
    const uint64_t id = request.id;
    auto pending = std::make_shared<Pending<api::EventCallback>>(strand_, std::move(done));
    pending->timer.expires_after(std::chrono::milliseconds(config_.request_timeout_ms));
    pending->timer.async_wait([this, pending, id](boost::system::error_code ec) {
      if (ec) return;
      if (core_) core_->cancel(id);
      pending->fire(raft_error(std::string(kTimedOut)), headers());
    });
    core_->propose(std::move(request),
                   [this, pending](const ApplyResult& r) { pending->fire(r.result, headers()); });
  });
}

void EtcdServer::get_now(const api::KeysRequest& request, const api::EventCallback& done) {
  const auto& r = request.request;
  done(core_->store().get(r.path, r.recursive, r.sorted, clock_.now_unix_ns()), headers());
}

void EtcdServer::read(const api::KeysRequest& request, api::EventCallback done) {
  on_strand([this, request, done = std::move(done)]() mutable {
    if (!core_) return done(raft_error("etcdserver: server stopped"), headers());
    if (!request.quorum) return get_now(request, done);
    auto pending = std::make_shared<Pending<api::EventCallback>>(strand_, std::move(done));
    pending->timer.expires_after(std::chrono::milliseconds(config_.request_timeout_ms));
    pending->timer.async_wait([this, pending](boost::system::error_code ec) {
      if (!ec) pending->fire(raft_error(std::string(kTimedOut)), headers());
    });
    core_->read_index([this, pending, request](Result<void> ok) {
      if (pending->fired || !core_) return;
      if (!ok) return (void)pending->fire(raft_error(ok.error().message), headers());
      get_now(request, [pending](api::EventResult r, api::IndexHeaders h) {
        pending->fire(std::move(r), h);
      });
    });
  });
}

api::CancelWatch EtcdServer::watch(const api::KeysRequest& request, api::WatchCallbacks callbacks) {
  auto watcher = std::make_shared<std::shared_ptr<store::Watcher>>();
  on_strand([this, request, callbacks = std::move(callbacks), watcher]() mutable {
    if (!core_) {
      return callbacks.on_start(raft_error("etcdserver: server stopped"));
    }
    const auto& r = request.request;
    auto started = core_->store().watch(r.path, r.recursive, request.stream, request.wait_index);
    if (!started) return callbacks.on_start(started.error());
    *watcher = std::move(started).value();
    api::IndexHeaders h = headers();
    h.etcd_index = (*watcher)->start_index().value;
    callbacks.on_start(h);
    store::Watcher* w = watcher->get();
    std::weak_ptr<std::shared_ptr<store::Watcher>> holder = watcher;
    w->set_listener([this, w, holder, on_event = callbacks.on_event, on_end = callbacks.on_end] {
      for (auto& event : w->take_events())
        on_event(std::move(event));
      if (!w->done()) return;
      on_end();
      // The exchange keeps the returned cancel hook (its abort hook) until it is destroyed,
      // the hook keeps the watcher and the watcher's listener keeps the exchange: a cycle
      // that leaked every watch that ended (~20 KB with its session). An ended watch drops
      // its watcher, after this listener has returned.
      on_strand([holder] {
        if (auto h = holder.lock()) h->reset();
      });
    });
  });
  return [this, watcher] {
    on_strand([watcher] {
      if (*watcher) (*watcher)->remove();
      watcher->reset();
    });
  };
}

void EtcdServer::members(std::function<void(api::MemberList)> done) {
  on_strand([this, done = std::move(done)] {
    api::MemberList list;
    if (core_) {
      for (const auto& [id, m] : core_->membership().members())
        list.members.push_back(m);
      if (core_->leader() != kNoNode) list.leader = core_->leader();
    }
    done(std::move(list));
  });
}

void EtcdServer::member_op(MemberDone done, MemberCall call) {
  on_strand([this, done = std::move(done), call = std::move(call)]() mutable {
    if (!core_) return done(Error{"etcdserver: server stopped"});
    auto pending = std::make_shared<Pending<MemberDone>>(strand_, std::move(done));
    pending->timer.expires_after(std::chrono::milliseconds(config_.request_timeout_ms));
    pending->timer.async_wait([pending](boost::system::error_code ec) {
      if (!ec) pending->fire(Error{std::string(kTimedOut)});
    });
    call(*core_, [pending](Result<Member> m) { pending->fire(std::move(m)); });
  });
}

void EtcdServer::add_member(std::vector<std::string> peer_urls, MemberDone done) {
  member_op(std::move(done), [urls = std::move(peer_urls)](ServerCore& core, MemberDone cb) {
    core.add_member(urls, false, std::move(cb));
  });
}

void EtcdServer::remove_member(uint64_t id, MemberDone done) {
  member_op(std::move(done), [id](ServerCore& core, MemberDone cb) {
    core.remove_member(NodeId{id}, std::move(cb));
  });
}

void EtcdServer::update_member(uint64_t id, std::vector<std::string> peer_urls, MemberDone done) {
  member_op(std::move(done), [id, urls = std::move(peer_urls)](ServerCore& core, MemberDone cb) {
    core.update_member(NodeId{id}, urls, std::move(cb));
  });
}

void EtcdServer::store_stats(std::function<void(store::Stats)> done) {
  on_strand(
      [this, done = std::move(done)] { done(core_ ? core_->store().stats() : store::Stats{}); });
}

void EtcdServer::self_stats(std::function<void(api::SelfStats)> done) {
  on_strand([this, done = std::move(done)] {
    api::SelfStats s;
    s.name = config_.core.name;
    s.id = id_.value;
    s.start_time_ns = start_time_ns_;
    if (core_) {
      s.is_leader = core_->is_leader();
      s.leader_id = core_->leader().value;
      s.leader_since_ns = leader_since_ns_;
    }
    done(std::move(s));
  });
}

void EtcdServer::leader_stats(std::function<void(std::optional<std::string>)> done) {
  on_strand([this, done = std::move(done)] {
    if (!core_ || !core_->is_leader()) return done(std::nullopt);
    nlohmann::ordered_json followers = nlohmann::ordered_json::object();
    for (const auto& f : core_->status().progress) {
      if (f.id == id_) continue;
      followers[api::hex_id(f.id.value)] = {{"latency",
                                             {{"current", 0.0},
                                              {"average", 0.0},
                                              {"standardDeviation", 0.0},
                                              {"minimum", 0.0},
                                              {"maximum", 0.0}}},
                                            {"counts", {{"fail", 0}, {"success", f.match.value}}}};
    }
    done(nlohmann::ordered_json{{"leader", api::hex_id(id_.value)}, {"followers", followers}}
             .dump());
  });
}

void EtcdServer::health(std::function<void(bool)> done) {
  on_strand([this, done = std::move(done)]() mutable {
    if (!core_ || core_->leader() == kNoNode) return done(false);
    auto pending = std::make_shared<Pending<std::function<void(bool)>>>(strand_, std::move(done));
    pending->timer.expires_after(std::chrono::seconds(1));
    pending->timer.async_wait([pending](boost::system::error_code ec) {
      if (!ec) pending->fire(false);
    });
    core_->read_index([pending](Result<void> ok) { pending->fire(ok.ok()); });
  });
}

void EtcdServer::metrics(std::function<void(std::string)> done) {
  done(metrics_.render());  // the instruments are thread-safe: no strand hop
}

transport::PeerHttpResponse EtcdServer::peer_http(const transport::PeerHttpRequest& request) {
  if (request.method == "GET" && request.target == "/members") {
    std::lock_guard lock(members_json_mutex_);
    return transport::PeerHttpResponse{.body = members_json_};
  }
  return transport::default_peer_http(request);
}

void EtcdServer::set_members_json(std::string json) {
  std::lock_guard lock(members_json_mutex_);
  members_json_ = std::move(json);
}

void EtcdServer::auth_state(std::function<void(auth::State)> done) {
  on_strand([this, done = std::move(done)] {
    if (!core_) return done(auth::State{});
    // Every keys request asks: read and parse the /_auth tree only when it changed.
    if (!auth_cache_ || auth_cache_generation_ != core_->auth_generation()) {
      auto tree = core_->store().get(auth::kStoreDir, true, false, clock_.now_unix_ns());
      auth_cache_ = std::make_shared<const auth::State>(tree ? api::auth_state_from_tree(tree->node)
                                                             : auth::State{});
      auth_cache_generation_ = core_->auth_generation();
    }
    // Off the strand: the caller checks passwords (a deliberately slow KDF) with it.
    asio::post(io_, [state = auth_cache_, done = std::move(done)] { done(*state); });
  });
}

}  // namespace etcd::server
