// KvStore::txn, as etcd 3.4's applierV3backend.Txn: every compare on the path (nested txns
// included) is decided against the keyspace before the txn, the chosen ops are checked
// (range revisions, ignore_* keys) before any is applied, then they run in order at one
// main revision.
#include "etcd/mvcc/compare.h"
#include "etcd/mvcc/error.h"
#include "etcd/mvcc/kv_store.h"

namespace etcd::mvcc {
namespace {

const std::vector<RequestOp>& branch(const TxnRequest& request, bool succeeded) {
  return succeeded ? request.success : request.failure;
}

}  // namespace

Result<TxnResponse> KvStore::txn(const TxnRequest& request, std::vector<Event>* events) {
  if (auto valid = validate(request, options_.max_txn_ops); !valid) return valid.error();
  Write write = start(events);
  std::vector<bool> path;
  choose_path(request, path);
  size_t at = 0;
  if (auto checked = check_path(request, path, at, write.begin); !checked) {
    return checked.error();
  }
  at = 0;
  std::shared_ptr<TxnResponse> response = apply_txn(write, request, path, at);
  finish(write);
  response->revision = write.current();
  return std::move(*response);
}

// Depth first, in op order: the outcome of this txn's compares, then those of the nested
// txns on the chosen branch (etcd compareToPath).
void KvStore::choose_path(const TxnRequest& request, std::vector<bool>& path) {
  bool succeeded = true;
  for (const Compare& compare : request.compare) {
    if (!compare_rows(compare, live_rows(KeyRange::of(compare.key, compare.range_end)))) {
      succeeded = false;
      break;
    }
  }
  path.push_back(succeeded);
  for (const RequestOp& op : branch(request, succeeded)) {
    if (const auto* nested = std::get_if<std::shared_ptr<TxnRequest>>(&op)) {
      choose_path(**nested, path);
    }
  }
}

// etcd checkRequestPut / checkRequestRange over the chosen ops, against the keyspace at
// `begin` (so a range inside a txn may not ask for the txn's own revision).
Result<void> KvStore::check_path(const TxnRequest& request, const std::vector<bool>& path,
                                 size_t& at, int64_t begin) {
  for (const RequestOp& op : branch(request, path[at++])) {
    if (const auto* range = std::get_if<RangeRequest>(&op)) {
      if (range->revision == 0) continue;
      if (range->revision > begin) return make_error(ErrorCode::kFutureRevision);
      if (range->revision < compact_revision()) return make_error(ErrorCode::kCompacted);
    } else if (const auto* put = std::get_if<PutRequest>(&op)) {
      if ((put->ignore_value || put->ignore_lease) && !table_.live(put->key)) {
        return make_error(ErrorCode::kKeyNotFound);
      }
      if (auto leased = check_lease(*put); !leased) return leased;
      if (space_exceeded()) return make_error(ErrorCode::kNoSpace);
    } else if (const auto* nested = std::get_if<std::shared_ptr<TxnRequest>>(&op)) {
      if (auto checked = check_path(**nested, path, at, begin); !checked) return checked;
    }
  }
  return Ok{};
}

std::shared_ptr<TxnResponse> KvStore::apply_txn(Write& write, const TxnRequest& request,
                                                const std::vector<bool>& path, size_t& at) {
  auto response = std::make_shared<TxnResponse>();
  response->succeeded = path[at++];
  for (const RequestOp& op : branch(request, response->succeeded)) {
    response->responses.push_back(apply_op(write, op, path, at));
  }
  return response;
}

ResponseOp KvStore::apply_op(Write& write, const RequestOp& op, const std::vector<bool>& path,
                             size_t& at) {
  if (const auto* range = std::get_if<RangeRequest>(&op)) {
    const int64_t current = write.current();
    // check_path() vetted the revision against the txn's start.
    return read(*range, range->revision <= 0 ? current : range->revision, current);
  }
  if (const auto* put = std::get_if<PutRequest>(&op)) return apply_put(write, *put);
  if (const auto* del = std::get_if<DeleteRangeRequest>(&op)) return apply_delete(write, *del);
  return apply_txn(write, *std::get<std::shared_ptr<TxnRequest>>(op), path, at);
}

}  // namespace etcd::mvcc
