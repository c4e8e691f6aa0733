// The recipes' shared parts (concurrency.h, concurrency_op.h): owner keys, the watch
// multiplexer, clientv3's request shapes, sessions, and Op's cancellation and waits.
#include "etcd/v3rpc/concurrency.h"

#include <cstdio>
#include <utility>

#include "etcd/mvcc/error.h"
#include "etcd/mvcc/key_range.h"
#include "etcd/mvcc/validate.h"
#include "etcd/v3rpc/concurrency_op.h"

namespace etcd::v3rpc::concurrency {

std::string owner_key(std::string_view name, int64_t lease) {
  // Go's %x of an int64 prints the magnitude after a minus sign.
  const uint64_t magnitude =
      lease < 0 ? ~static_cast<uint64_t>(lease) + 1 : static_cast<uint64_t>(lease);
  char hex[20];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(magnitude));
  return std::string(name) + "/" + (lease < 0 ? "-" : "") + hex;
}

// ---- WatchMux ---------------------------------------------------------------------------

std::shared_ptr<WatchMux> WatchMux::create(Backend& backend) {
  return std::shared_ptr<WatchMux>(new WatchMux(backend));
}

int64_t WatchMux::watch(mvcc::WatchRequest request, Handler handler) {
  std::shared_ptr<WatchStream> stream;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return 0;
    if (!stream_) {
      // The sink holds the mux weakly: the stream must not keep it alive (nor the reverse
      // make a cycle); close() ends both.
      stream_ = backend_.open_watch_stream(
          [weak = weak_from_this()](mvcc::WatchResponse response, Header header) {
            if (auto self = weak.lock()) self->deliver(response, header);
          });
    }
    request.watch_id = next_id_++;
    handlers_.emplace(request.watch_id, std::move(handler));
    stream = stream_;
  }
  const int64_t id = request.watch_id;
  stream->create(std::move(request));  // posted: the handler never runs in here
  return id;
}

void WatchMux::cancel(int64_t id) {
  std::shared_ptr<WatchStream> stream;
  {
    std::lock_guard lock(mutex_);
    if (handlers_.erase(id) == 0) return;
    stream = stream_;
  }
  stream->cancel(id);
}

void WatchMux::close() {
  std::shared_ptr<WatchStream> stream;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    handlers_.clear();
    stream = std::move(stream_);
  }
  if (stream) stream->close();
}

void WatchMux::deliver(const mvcc::WatchResponse& response, const Header& header) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    auto it = handlers_.find(response.watch_id);
    if (it == handlers_.end()) return;  // canceled meanwhile
    handler = it->second;
    if (response.canceled) handlers_.erase(it);  // the member forgot it
  }
  handler(response, header);
}

namespace detail {

// ---- requests ---------------------------------------------------------------------------

mvcc::RangeRequest first_created(const std::string& prefix) {
  mvcc::RangeRequest r;
  r.key = prefix;
  r.range_end = mvcc::prefix_range_end(prefix);
  r.limit = 1;
  r.sort_target = mvcc::SortTarget::kCreate;
  r.sort_order = mvcc::SortOrder::kAscend;
  return r;
}

mvcc::RangeRequest last_created(const std::string& prefix, int64_t max_rev) {
  mvcc::RangeRequest r = first_created(prefix);
  r.sort_order = mvcc::SortOrder::kDescend;
  r.max_create_revision = max_rev;
  return r;
}

mvcc::Compare create_revision_is(const std::string& key, int64_t rev) {
  mvcc::Compare c;
  c.target = mvcc::CompareTarget::kCreate;
  c.result = mvcc::CompareResult::kEqual;
  c.key = key;
  c.number = rev;
  return c;
}

const mvcc::RangeResponse& range_at(const mvcc::TxnResponse& txn, size_t i) {
  static const mvcc::RangeResponse kNone;
  if (i >= txn.responses.size()) return kNone;
  const auto* range = std::get_if<mvcc::RangeResponse>(&txn.responses[i]);
  return range != nullptr ? *range : kNone;
}

void txn(Backend& backend, mvcc::TxnRequest request, Reply<mvcc::TxnResponse> done) {
  // Keys come from callers (Proclaim's, Resign's leader key): KV.Txn's checks first, so
  // that an empty key fails before the log as it does there.
  if (auto valid = mvcc::validate(request); !valid) return done(valid.error(), Header{});
  backend.write(std::move(request), [done = std::move(done)](auto result, Header h) {
    if (!result) return done(result.error(), h);
    auto* answer = std::get_if<mvcc::TxnResponse>(&*result);
    if (answer == nullptr) return done(Error{"etcdserver: unexpected response"}, h);
    h.revision = answer->revision;
    done(std::move(*answer), h);
  });
}

void session(Backend& backend, int64_t lease, std::function<void(Result<int64_t>)> next) {
  if (lease != 0) return next(lease);
  backend.lease_grant(0, kSessionTtl,
                      [next = std::move(next)](Result<mvcc::LeaseResponse> granted, Header) {
                        if (!granted) return next(granted.error());
                        next(granted->id);
                      });
}

// ---- Op -----------------------------------------------------------------------------------

void Op::cancel() {
  int64_t parked = 0;
  {
    std::lock_guard lock(mutex_);
    if (answered_ || canceled_) return;
    canceled_ = true;
    std::swap(parked, parked_);
  }
  // Parked on a watch: no step is on its way, so the cleanup is ours to start. Otherwise
  // the step in flight finds the op canceled and starts it.
  if (parked != 0) {
    watches_->cancel(parked);
    run_cleanup();
  }
}

bool Op::stopped() {
  {
    std::lock_guard lock(mutex_);
    if (!canceled_) return false;
  }
  run_cleanup();
  return true;
}

bool Op::answer() {
  {
    std::lock_guard lock(mutex_);
    if (!canceled_) {
      answered_ = true;
      return true;
    }
  }
  run_cleanup();
  return false;
}

void Op::run_cleanup() {
  {
    std::lock_guard lock(mutex_);
    if (cleaned_) return;
    cleaned_ = true;
  }
  cleanup();
}

void Op::park(mvcc::WatchRequest request,
              std::function<bool(const mvcc::WatchResponse&, const Header&)> handler) {
  std::unique_lock lock(mutex_);
  if (canceled_) {
    lock.unlock();
    return run_cleanup();
  }
  // Registered under the op's lock: no response can be looked at before parked_ is set.
  parked_ = watches_->watch(std::move(request), [self = shared_from_this(), handler](
                                                    const mvcc::WatchResponse& r, const Header& h) {
    {
      std::lock_guard lock(self->mutex_);
      if (self->canceled_ || self->parked_ != r.watch_id) return;
    }
    if (handler(r, h)) return;
    {
      std::lock_guard lock(self->mutex_);
      if (self->parked_ == r.watch_id) self->parked_ = 0;
    }
    self->watches_->cancel(r.watch_id);
  });
  if (parked_ != 0) return;
  // The mux is closed (the server stops): the watch ended before it began.
  lock.unlock();
  mvcc::WatchResponse ended;
  ended.canceled = true;
  handler(ended, Header{});
}

void Op::wait_deletes(std::string prefix, int64_t max_rev,
                      std::function<void(Result<Header>)> next) {
  auto read = last_created(prefix, max_rev);
  backend_.range(std::move(read), [self = shared_from_this(), prefix = std::move(prefix), max_rev,
                                   next = std::move(next)](auto got, Header h) mutable {
    if (self->stopped()) return;
    if (!got) return next(got.error());
    h.revision = got->revision;
    if (got->kvs.empty()) return next(h);
    // etcd's waitDelete: watch the newest earlier key from the revision just read until it
    // is deleted, then read again (another earlier key may still be there).
    mvcc::WatchRequest watch;
    watch.key = got->kvs.front().key;
    watch.start_revision = got->revision;
    self->park(std::move(watch),
               [self, prefix, max_rev, next](const mvcc::WatchResponse& r, const Header&) {
                 if (self->stopped()) return false;
                 if (r.canceled) {
                   next(r.compact_revision != 0 ? mvcc::make_error(mvcc::ErrorCode::kCompacted)
                                                : Error{std::string(kErrLostWatcher)});
                   return false;
                 }
                 for (const auto& event : r.events) {
                   if (event.type != mvcc::EventType::kDelete) continue;
                   self->wait_deletes(prefix, max_rev, next);
                   return false;
                 }
                 return true;
               });
  });
}

}  // namespace detail

}  // namespace etcd::v3rpc::concurrency
