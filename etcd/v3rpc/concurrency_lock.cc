// Lock and Unlock (concurrency.h): etcd 3.4's Mutex.Lock as its v3lock server runs it.
#include <utility>

#include "etcd/mvcc/validate.h"
#include "etcd/v3rpc/concurrency_op.h"

namespace etcd::v3rpc::concurrency {

namespace {

using detail::Op;

class LockOp final : public Op {
 public:
  LockOp(Backend& backend, std::shared_ptr<WatchMux> watches, std::string name, int64_t lease,
         Reply<std::string> done)
      : Op(backend, std::move(watches)),
        name_(std::move(name)),
        prefix_(name_ + "/"),
        lease_(lease),
        done_(std::move(done)) {}

  void start() {
    detail::session(backend_, lease_, [self = self<LockOp>()](Result<int64_t> lease) {
      if (self->stopped()) return;
      if (!lease) return self->finish(lease.error(), Header{});
      self->acquire(*lease);
    });
  }

 private:
  // tryAcquire: one txn creates the key (or finds it, from an earlier Lock with the lease)
  // and reads the current holder.
  void acquire(int64_t lease) {
    const std::string key = owner_key(name_, lease);
    {
      std::lock_guard lock(mutex_);
      key_ = key;
    }
    mvcc::TxnRequest txn;
    txn.compare.push_back(detail::create_revision_is(key, 0));
    mvcc::PutRequest put;
    put.key = key;
    put.lease = lease;
    mvcc::RangeRequest get;
    get.key = key;
    txn.success = {put, detail::first_created(prefix_)};
    txn.failure = {get, detail::first_created(prefix_)};
    detail::txn(backend_, std::move(txn),
                [self = self<LockOp>()](Result<mvcc::TxnResponse> r, Header h) {
                  self->acquired(std::move(r), h);
                });
  }

  void acquired(Result<mvcc::TxnResponse> r, const Header& h) {
    if (r) {
      // From here on the key is ours to delete if the caller goes away (etcd's Unlock
      // when its wait ends early).
      std::lock_guard lock(mutex_);
      owned_ = true;
    }
    if (stopped()) return;
    if (!r) return finish(r.error(), h);
    const auto& mine = detail::range_at(*r, 0).kvs;
    const int64_t rev = r->succeeded   ? r->revision
                        : mine.empty() ? 0
                                       : mine.front().create_revision;
    const auto& holder = detail::range_at(*r, 1).kvs;
    if (holder.empty() || holder.front().create_revision == rev || rev <= 1) {
      return finish(key(), h);
    }
    wait_deletes(prefix_, rev - 1, [self = self<LockOp>()](Result<Header> waited) {
      if (waited) return self->confirm();
      // etcd unlocks, then finds its key gone: "session is expired".
      self->delete_key([self] { self->confirm(); });
    });
  }

  // The key must still be there: the lease may have run out while waiting.
  void confirm() {
    mvcc::RangeRequest get;
    get.key = key();
    backend_.range(std::move(get), [self = self<LockOp>()](auto got, Header h) {
      if (self->stopped()) return;
      if (!got) {
        return self->delete_key([self, e = got.error(), h] { self->finish(e, h); });
      }
      h.revision = got->revision;
      if (got->kvs.empty()) return self->finish(Error{std::string(kErrSessionExpired)}, h);
      self->finish(self->key(), h);
    });
  }

  void delete_key(std::function<void()> then) {
    mvcc::DeleteRangeRequest del;
    del.key = key();
    backend_.write(std::move(del),
                   [then = std::move(then)](Result<mvcc::WriteResponse>, Header) { then(); });
  }

  void cleanup() override {
    bool owned = false;
    {
      std::lock_guard lock(mutex_);
      owned = owned_;
    }
    if (owned) delete_key([] {});
  }

  void finish(Result<std::string> result, const Header& h) {
    if (!answer()) return;
    Reply<std::string> done;
    {
      std::lock_guard lock(mutex_);
      done = std::move(done_);
    }
    if (done) done(std::move(result), h);
  }

  std::string key() {
    std::lock_guard lock(mutex_);
    return key_;
  }

  const std::string name_;
  const std::string prefix_;  // name + "/": the keys of the lock's contenders
  const int64_t lease_;
  Reply<std::string> done_;
  std::string key_;
  bool owned_ = false;
};

}  // namespace

std::shared_ptr<Waiter> lock(Backend& backend, std::shared_ptr<WatchMux> watches, std::string name,
                             int64_t lease, Reply<std::string> done) {
  auto op = std::make_shared<LockOp>(backend, std::move(watches), std::move(name), lease,
                                     std::move(done));
  op->start();
  return op;
}

void unlock(Backend& backend, std::string key, Reply<void> done) {
  mvcc::DeleteRangeRequest del;
  del.key = std::move(key);
  if (auto valid = mvcc::validate(del); !valid) return done(valid.error(), Header{});
  backend.write(std::move(del), [done = std::move(done)](auto result, Header h) {
    if (!result) return done(result.error(), h);
    if (const auto* d = std::get_if<mvcc::DeleteRangeResponse>(&*result)) h.revision = d->revision;
    done(Ok{}, h);
  });
}

}  // namespace etcd::v3rpc::concurrency
