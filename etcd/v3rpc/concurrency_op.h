// Internals of the recipes (concurrency.h), shared by concurrency_lock.cc and
// concurrency_election.cc: the requests clientv3's options build, and Op, the base of a
// recipe that waits and can be canceled.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "etcd/mvcc/request.h"
#include "etcd/v3rpc/concurrency.h"

namespace etcd::v3rpc::concurrency::detail {

// Get(prefix, WithFirstCreate()): the key under `prefix` with the lowest create revision.
mvcc::RangeRequest first_created(const std::string& prefix);
// Get(prefix, WithLastCreate(), WithMaxCreateRev(max_rev)): the newest key under `prefix`
// created at or before max_rev.
mvcc::RangeRequest last_created(const std::string& prefix, int64_t max_rev);
mvcc::Compare create_revision_is(const std::string& key, int64_t rev);
// responses[i] of a txn, which the recipe built as a range.
const mvcc::RangeResponse& range_at(const mvcc::TxnResponse& txn, size_t i);

// Proposes `request` after the checks KV.Txn makes; the header carries the txn's revision.
void txn(Backend& backend, mvcc::TxnRequest request, Reply<mvcc::TxnResponse> done);
// etcd's NewSession: `lease`, or a kSessionTtl lease granted now when it is 0.
void session(Backend& backend, int64_t lease, std::function<void(Result<int64_t>)> next);

// A recipe that waits. Its steps run as Backend callbacks and watch handlers; each step
// first asks stopped(). cancel() marks it canceled; the cleanup (a virtual of the
// recipe) runs exactly once: at once when the recipe is parked on a watch, otherwise in
// the step that finds it canceled. Once answer() succeeded, cancel() does nothing.
class Op : public Waiter, public std::enable_shared_from_this<Op> {
 public:
  void cancel() final;

 protected:
  Op(Backend& backend, std::shared_ptr<WatchMux> watches)
      : backend_(backend), watches_(std::move(watches)) {}

  // True when canceled (the cleanup has then been started): the step must stop.
  bool stopped();
  // Claims the right to answer; false when canceled (the cleanup has then been started).
  bool answer();
  // etcd's waitDeletes: until no key under `prefix` was created at or before max_rev.
  // `next` gets the last read's header, or the error of a read or watch; never runs once
  // the op is canceled.
  void wait_deletes(std::string prefix, int64_t max_rev, std::function<void(Result<Header>)> next);
  // Parks the op on a watch: `handler` gets its responses (outside the op's lock) while
  // it returns true; false ends the watch.
  void park(mvcc::WatchRequest request,
            std::function<bool(const mvcc::WatchResponse&, const Header&)> handler);
  // What a canceled recipe undoes. Runs once, from cancel() or from a step.
  virtual void cleanup() {}

  template <typename T>
  std::shared_ptr<T> self() {
    return std::static_pointer_cast<T>(shared_from_this());
  }

  Backend& backend_;
  std::shared_ptr<WatchMux> watches_;
  std::mutex mutex_;  // guards the fields below and the recipes' own

 private:
  void run_cleanup();

  bool canceled_ = false;
  bool answered_ = false;
  bool cleaned_ = false;
  int64_t parked_ = 0;  // the watch the op waits on (0: none)
};

}  // namespace etcd::v3rpc::concurrency::detail
