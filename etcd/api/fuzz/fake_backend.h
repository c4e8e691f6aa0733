// FakeBackend: api::Backend over one in-memory store, synchronous, for the api fuzzers.
// A write is "committed" at once: one store batch per request with the next raft index,
// as ServerCore::apply_entries does for a single normal entry; reads and watches go to
// the same store; membership is a plain list. Every store change is checked: the etcd
// index never decreases, and a rejected write leaves it where it was.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "etcd/api/auth_plan.h"
#include "etcd/api/backend.h"
#include "etcd/auth/auth.h"
#include "etcd/server/member.h"
#include "etcd/store/store.h"

namespace etcd::api::fuzz {

inline void check(bool condition) {
  if (!condition) __builtin_trap();
}

class FakeBackend final : public Backend {
 public:
  static constexpr int64_t kNowNs = 1'700'000'000'000'000'000;

  explicit FakeBackend(store::Store& store) : store_(store) {
    server::Member self{NodeId{0x8e9e05c52164694d},
                        "default",
                        {"http://127.0.0.1:2380"},
                        {"http://127.0.0.1:2379"},
                        false};
    members_.push_back(self);
  }

  store::Store& store() { return store_; }
  uint64_t raft_index() const { return raft_index_; }

  // Applies one request in its own batch; checks the index rules.
  EventResult apply(const store::Request& request) {
    const store::EtcdIndex before = store_.index();
    store_.begin_batch();
    auto result = store_.apply(request, Index{++raft_index_});
    store_.commit_batch(Index{raft_index_});
    check(store_.applied_index() == Index{raft_index_});
    check(store_.index() >= before);
    if (!result) {
      check(store_.index() == before);
      check(result.error().index == before);
    } else if (request.method != store::Method::sync && request.method != store::Method::get) {
      // A v2 write takes exactly the next index, which is the event's.
      check(store_.index().value == before.value + 1);
      check(result->index() == store_.index());
      check(result->etcd_index == store_.index());
    }
    return result;
  }

  IndexHeaders headers() const { return {cluster_id(), store_.index().value, raft_index_, 2}; }

  uint64_t cluster_id() const override { return 0xcdf818194e3a8c32; }

  void write(store::Request request, EventCallback done) override {
    request.id = ++request_id_;
    auto result = apply(request);
    done(std::move(result), headers());
  }

  void read(const KeysRequest& request, EventCallback done) override {
    const auto& r = request.request;
    const store::EtcdIndex before = store_.index();
    auto result = store_.get(r.path, r.recursive, r.sorted, kNowNs);
    check(store_.index() == before);
    done(std::move(result), headers());
  }

  CancelWatch watch(const KeysRequest& request, WatchCallbacks callbacks) override {
    const auto& r = request.request;
    auto started = store_.watch(r.path, r.recursive, request.stream, request.wait_index);
    if (!started) {
      callbacks.on_start(started.error());
      return [] {};
    }
    auto watcher = std::move(started).value();
    IndexHeaders h = headers();
    h.etcd_index = watcher->start_index().value;
    callbacks.on_start(h);
    store::Watcher* w = watcher.get();
    w->set_listener([w, on_event = callbacks.on_event, on_end = callbacks.on_end] {
      for (auto& event : w->take_events())
        on_event(std::move(event));
      if (w->done()) on_end();
    });
    watchers_.push_back(watcher);
    // Holds the watcher weakly: its listener holds the exchange, which holds this.
    return [weak = std::weak_ptr<store::Watcher>(watcher)] {
      if (auto w = weak.lock()) w->remove();
    };
  }

  void members(std::function<void(MemberList)> done) override {
    done(MemberList{members_, members_.front().id});
  }

  void add_member(std::vector<std::string> peer_urls,
                  std::function<void(Result<server::Member>)> done) override {
    check(!peer_urls.empty());
    for (const auto& m : members_) {
      for (const auto& url : m.peer_urls) {
        for (const auto& wanted : peer_urls) {
          if (url == wanted) return done(Error{"membership: peerURL exists"});
        }
      }
    }
    server::Member m{
        server::member_id(peer_urls, "etcd-cluster", 1'700'000'000), "", peer_urls, {}, false};
    roundtrip(m);
    members_.push_back(m);
    done(m);
  }

  void remove_member(uint64_t id, std::function<void(Result<server::Member>)> done) override {
    for (auto it = members_.begin(); it != members_.end(); ++it) {
      if (it->id.value != id) continue;
      if (it == members_.begin()) return done(Error{"membership: ID removed"});
      server::Member m = *it;
      members_.erase(it);
      return done(m);
    }
    done(Error{"membership: member not found"});
  }

  void update_member(uint64_t id, std::vector<std::string> peer_urls,
                     std::function<void(Result<server::Member>)> done) override {
    check(!peer_urls.empty());
    for (auto& m : members_) {
      if (m.id.value != id) continue;
      m.peer_urls = std::move(peer_urls);
      roundtrip(m);
      return done(m);
    }
    done(Error{"membership: member not found"});
  }

  void store_stats(std::function<void(store::Stats)> done) override { done(store_.stats()); }
  void self_stats(std::function<void(SelfStats)> done) override {
    done(SelfStats{.name = "default", .id = members_.front().id.value, .is_leader = true});
  }
  void leader_stats(std::function<void(std::optional<std::string> json)> done) override {
    done(std::string(R"({"leader":"8e9e05c52164694d","followers":{}})"));
  }
  void health(std::function<void(bool)> done) override { done(true); }
  void metrics(std::function<void(std::string)> done) override { done("# none\n"); }

  void auth_state(std::function<void(auth::State)> done) override {
    auto tree = store_.get(auth::kStoreDir, true, false, kNowNs);
    done(tree ? auth_state_from_tree(tree->node) : auth::State{});
  }

  // Drops every watcher still registered (the fuzz input ended).
  void close_watches() {
    for (auto& w : watchers_) {
      w->remove();
      w->set_listener(nullptr);  // drops the exchange it holds
    }
    watchers_.clear();
  }

 private:
  // The binary member form (conf change contexts, snapshots) must read back the same.
  static void roundtrip(server::Member m) {
    std::sort(m.peer_urls.begin(), m.peer_urls.end());
    std::string bytes;
    server::encode(m, bytes);
    auto back = server::decode_member(bytes);
    check(back.ok() && *back == m);
  }

  store::Store& store_;
  uint64_t raft_index_ = 0;
  uint64_t request_id_ = 0;
  std::vector<server::Member> members_;
  std::vector<std::shared_ptr<store::Watcher>> watchers_;
};

}  // namespace etcd::api::fuzz
