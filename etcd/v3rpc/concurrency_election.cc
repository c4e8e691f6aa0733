// Campaign, Proclaim, Resign, Leader and Observe (concurrency.h): etcd 3.4's Election as
// its v3election server runs it.
#include <utility>

#include "etcd/v3rpc/concurrency_op.h"

namespace etcd::v3rpc::concurrency {

namespace {

using detail::Op;

// The txn Resign and Proclaim guard with: the leader key still has its create revision.
mvcc::TxnRequest if_leader(const LeaderKey& leader, mvcc::RequestOp then) {
  mvcc::TxnRequest txn;
  txn.compare.push_back(detail::create_revision_is(leader.key, leader.rev));
  txn.success.push_back(std::move(then));
  return txn;
}

void put_if_leader(Backend& backend, const LeaderKey& leader, int64_t lease, std::string value,
                   Reply<void> done) {
  mvcc::PutRequest put;
  put.key = leader.key;
  put.value = std::move(value);
  put.lease = lease;
  detail::txn(backend, if_leader(leader, std::move(put)),
              [done = std::move(done)](Result<mvcc::TxnResponse> r, Header h) {
                if (!r) return done(r.error(), h);
                if (!r->succeeded) return done(Error{std::string(kErrNotLeader)}, h);
                done(Ok{}, h);
              });
}

class CampaignOp final : public Op {
 public:
  CampaignOp(Backend& backend, std::shared_ptr<WatchMux> watches, std::string name, int64_t lease,
             std::string value, Reply<LeaderKey> done)
      : Op(backend, std::move(watches)),
        prefix_(name + "/"),
        value_(std::move(value)),
        done_(std::move(done)) {
    leader_.name = std::move(name);
    leader_.lease = lease;
  }

  void start() {
    detail::session(backend_, leader_.lease, [self = self<CampaignOp>()](Result<int64_t> lease) {
      if (self->stopped()) return;
      if (!lease) return self->finish(lease.error(), Header{});
      self->campaign(*lease);
    });
  }

 private:
  void campaign(int64_t lease) {
    std::string key = owner_key(leader_.name, lease);
    {
      std::lock_guard lock(mutex_);
      leader_.key = key;
      leader_.lease = lease;
    }
    mvcc::TxnRequest txn;
    txn.compare.push_back(detail::create_revision_is(key, 0));
    mvcc::PutRequest put;
    put.key = key;
    put.value = value_;
    put.lease = lease;
    mvcc::RangeRequest get;
    get.key = std::move(key);
    txn.success.push_back(std::move(put));
    txn.failure.push_back(std::move(get));
    detail::txn(backend_, std::move(txn),
                [self = self<CampaignOp>()](Result<mvcc::TxnResponse> r, Header h) {
                  self->created(std::move(r), h);
                });
  }

  void created(Result<mvcc::TxnResponse> r, const Header& h) {
    bool proclaim = false;
    if (r) {
      const auto& mine = detail::range_at(*r, 0).kvs;
      std::lock_guard lock(mutex_);
      leader_.rev = r->succeeded || mine.empty() ? r->revision : mine.front().create_revision;
      // The key of an earlier campaign with this lease: it takes the new value.
      proclaim = !r->succeeded && !mine.empty() && mine.front().value != value_;
      header_ = h;  // etcd answers the header of this txn, however long the wait
      owned_ = true;
    }
    if (stopped()) return;
    if (!r) return finish(r.error(), h);
    if (proclaim) return proclaim_then_wait();
    wait();
  }

  void proclaim_then_wait() {
    const LeaderKey me = leader();
    put_if_leader(backend_, me, me.lease, value_, [self = self<CampaignOp>()](auto p, Header h) {
      if (self->stopped()) return;
      if (p) return self->wait();
      self->resign_then([self, e = p.error(), h] { self->finish(e, h); });
    });
  }

  void wait() {
    wait_deletes(prefix_, leader().rev - 1, [self = self<CampaignOp>()](Result<Header> waited) {
      // A failed wait leaves the key (etcd resigns only when the caller went away).
      if (!waited) return self->finish(waited.error(), Header{});
      Header h;
      {
        std::lock_guard lock(self->mutex_);
        h = self->header_;
      }
      self->finish(self->leader(), h);
    });
  }

  void resign_then(std::function<void()> then) {
    resign(backend_, leader(), [then = std::move(then)](Result<void>, Header) { then(); });
  }

  void cleanup() override {
    bool owned = false;
    {
      std::lock_guard lock(mutex_);
      owned = owned_;
    }
    if (owned) resign_then([] {});
  }

  void finish(Result<LeaderKey> result, const Header& h) {
    if (!answer()) return;
    Reply<LeaderKey> done;
    {
      std::lock_guard lock(mutex_);
      done = std::move(done_);
    }
    if (done) done(std::move(result), h);
  }

  LeaderKey leader() {
    std::lock_guard lock(mutex_);
    return leader_;
  }

  const std::string prefix_;  // name + "/": the keys of the election's candidates
  const std::string value_;
  Reply<LeaderKey> done_;
  LeaderKey leader_;
  Header header_;
  bool owned_ = false;
};

// etcd's Election.observe: read the leader (or wait for a first candidate), follow its
// key's puts until it is deleted, read again.
class ObserveOp final : public Op {
 public:
  ObserveOp(Backend& backend, std::shared_ptr<WatchMux> watches, std::string name,
            std::function<void(mvcc::KeyValue, Header)> on_leader, std::function<void()> on_end)
      : Op(backend, std::move(watches)),
        prefix_(std::move(name) + "/"),
        on_leader_(std::move(on_leader)),
        on_end_(std::move(on_end)) {}

  void read() {
    backend_.range(detail::first_created(prefix_), [self = self<ObserveOp>()](auto got, Header h) {
      if (self->stopped()) return;
      if (!got) return self->end();
      h.revision = got->revision;
      if (got->kvs.empty()) return self->wait_first(got->revision);
      const mvcc::KeyValue& kv = got->kvs.front();
      self->on_leader_(kv, h);
      self->follow(kv.key, h.revision + 1);
    });
  }

 private:
  // No candidate yet: the first put under the prefix is the leader.
  void wait_first(int64_t from) {
    mvcc::WatchRequest watch;
    watch.key = prefix_;
    watch.range_end = mvcc::prefix_range_end(prefix_);
    watch.start_revision = from;
    park(std::move(watch), [self = self<ObserveOp>()](const mvcc::WatchResponse& r, Header h) {
      if (self->stopped()) return false;
      if (r.canceled) {
        self->end();
        return false;
      }
      for (const auto& event : r.events) {
        if (event.type != mvcc::EventType::kPut) continue;
        h.revision = event.kv.mod_revision;  // as etcd: the put's, not the batch's
        self->on_leader_(event.kv, h);
        self->follow(event.kv.key, h.revision + 1);
        return false;
      }
      return true;
    });
  }

  // Each put of the leader key is a proclamation; its deletion ends the leadership.
  void follow(const std::string& key, int64_t from) {
    mvcc::WatchRequest watch;
    watch.key = key;
    watch.start_revision = from;
    park(std::move(watch),
         [self = self<ObserveOp>()](const mvcc::WatchResponse& r, const Header& h) {
           if (self->stopped()) return false;
           if (r.canceled) {
             self->end();
             return false;
           }
           for (const auto& event : r.events) {
             if (event.type == mvcc::EventType::kDelete) {
               self->read();
               return false;
             }
             self->on_leader_(event.kv, h);
           }
           return true;
         });
  }

  void end() {
    if (answer()) on_end_();
  }

  const std::string prefix_;
  const std::function<void(mvcc::KeyValue, Header)> on_leader_;
  const std::function<void()> on_end_;
};

}  // namespace

std::shared_ptr<Waiter> campaign(Backend& backend, std::shared_ptr<WatchMux> watches,
                                 std::string name, int64_t lease, std::string value,
                                 Reply<LeaderKey> done) {
  auto op = std::make_shared<CampaignOp>(backend, std::move(watches), std::move(name), lease,
                                         std::move(value), std::move(done));
  op->start();
  return op;
}

void proclaim(Backend& backend, LeaderKey leader, std::string value, Reply<void> done) {
  const int64_t lease = leader.lease;
  detail::session(backend, lease,
                  [&backend, leader = std::move(leader), value = std::move(value),
                   done = std::move(done)](Result<int64_t> lease) mutable {
                    if (!lease) return done(lease.error(), Header{});
                    put_if_leader(backend, leader, *lease, std::move(value), std::move(done));
                  });
}

void resign(Backend& backend, LeaderKey leader, Reply<void> done) {
  mvcc::DeleteRangeRequest del;
  del.key = leader.key;
  detail::txn(backend, if_leader(leader, std::move(del)),
              [done = std::move(done)](Result<mvcc::TxnResponse> r, Header h) {
                if (!r) return done(r.error(), h);
                done(Ok{}, h);  // not the leader (any more): nothing to resign, no error
              });
}

void leader(Backend& backend, std::string name, Reply<mvcc::KeyValue> done) {
  backend.range(detail::first_created(name + "/"),
                [done = std::move(done)](Result<mvcc::RangeResponse> got, Header h) {
                  if (!got) return done(got.error(), h);
                  h.revision = got->revision;
                  if (got->kvs.empty()) return done(Error{std::string(kErrNoLeader)}, h);
                  done(std::move(got->kvs.front()), h);
                });
}

std::shared_ptr<Waiter> observe(Backend& backend, std::shared_ptr<WatchMux> watches,
                                std::string name,
                                std::function<void(mvcc::KeyValue, Header)> on_leader,
                                std::function<void()> on_end) {
  auto op = std::make_shared<ObserveOp>(backend, std::move(watches), std::move(name),
                                        std::move(on_leader), std::move(on_end));
  op->read();
  return op;
}

}  // namespace etcd::v3rpc::concurrency
