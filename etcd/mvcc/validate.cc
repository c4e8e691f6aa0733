#include "etcd/mvcc/validate.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "etcd/mvcc/error.h"
#include "etcd/mvcc/key_range.h"

namespace etcd::mvcc {
namespace {

Result<void> validate_op(const RequestOp& op, int max_txn_ops) {
  return std::visit(
      [&](const auto& request) -> Result<void> {
        using T = std::decay_t<decltype(request)>;
        if constexpr (std::is_same_v<T, std::shared_ptr<TxnRequest>>) {
          return validate(*request, max_txn_ops);
        } else {
          return validate(request);
        }
      },
      op);
}

// The keys one branch writes: puts by key, and the ranges it deletes.
struct Writes {
  std::map<std::string, int> puts;  // key → which nested txn put it (-1: this level)
  std::vector<KeyRange> deletes;
};

bool deleted_by(const std::vector<KeyRange>& deletes, const std::string& key) {
  return std::any_of(deletes.begin(), deletes.end(),
                     [&](const KeyRange& range) { return range.contains(key); });
}

Result<Writes> collect_writes(const std::vector<RequestOp>& ops);

// Adds nested txn `child`'s puts (both branches) to `writes`. Its two branches may share
// keys; anything else already put is a duplicate.
Result<void> add_child_puts(Writes& writes, int child, const Writes& then_writes,
                            const Writes& else_writes) {
  for (const Writes* branch : {&then_writes, &else_writes}) {
    for (const auto& [key, unused] : branch->puts) {
      auto found = writes.puts.find(key);
      if (found != writes.puts.end() && found->second != child) {
        return make_error(ErrorCode::kDuplicateKey);
      }
      writes.puts.emplace(key, child);
    }
  }
  return Ok{};
}

// Puts of nested txn `child` must not meet deletes of this level or of its siblings.
bool meets_other_deletes(const Writes& writes, const std::vector<std::vector<KeyRange>>& child_dels,
                         const std::vector<KeyRange>& level_dels) {
  for (const auto& [key, child] : writes.puts) {
    if (deleted_by(level_dels, key)) return true;
    for (size_t other = 0; other < child_dels.size(); ++other) {
      if (static_cast<int>(other) != child && deleted_by(child_dels[other], key)) return true;
    }
  }
  return false;
}

Result<Writes> collect_writes(const std::vector<RequestOp>& ops) {
  Writes writes;
  std::vector<std::vector<KeyRange>> child_dels;
  for (const RequestOp& op : ops) {
    if (const auto* del = std::get_if<DeleteRangeRequest>(&op)) {
      writes.deletes.push_back(KeyRange::of(del->key, del->range_end));
    } else if (const auto* txn = std::get_if<std::shared_ptr<TxnRequest>>(&op)) {
      auto then_writes = collect_writes((*txn)->success);
      if (!then_writes) return then_writes.error();
      auto else_writes = collect_writes((*txn)->failure);
      if (!else_writes) return else_writes.error();
      const int child = static_cast<int>(child_dels.size());
      if (auto added = add_child_puts(writes, child, *then_writes, *else_writes); !added) {
        return added.error();
      }
      child_dels.push_back(then_writes->deletes);
      child_dels.back().insert(child_dels.back().end(), else_writes->deletes.begin(),
                               else_writes->deletes.end());
    }
  }
  if (meets_other_deletes(writes, child_dels, writes.deletes)) {
    return make_error(ErrorCode::kDuplicateKey);
  }
  for (const RequestOp& op : ops) {
    const auto* put = std::get_if<PutRequest>(&op);
    if (put == nullptr) continue;
    if (!writes.puts.emplace(put->key, -1).second) return make_error(ErrorCode::kDuplicateKey);
    bool deleted = deleted_by(writes.deletes, put->key);
    for (const auto& dels : child_dels)
      deleted = deleted || deleted_by(dels, put->key);
    if (deleted) return make_error(ErrorCode::kDuplicateKey);
  }
  for (auto& dels : child_dels)
    writes.deletes.insert(writes.deletes.end(), dels.begin(), dels.end());
  return writes;
}

Result<void> validate_ops(const TxnRequest& request, int max_txn_ops) {
  const int ops = static_cast<int>(
      std::max({request.compare.size(), request.success.size(), request.failure.size()}));
  if (ops > max_txn_ops) return make_error(ErrorCode::kTooManyOps);
  for (const Compare& compare : request.compare) {
    if (compare.key.empty()) return make_error(ErrorCode::kEmptyKey);
  }
  for (const auto* branch : {&request.success, &request.failure}) {
    for (const RequestOp& op : *branch) {
      if (auto checked = validate_op(op, max_txn_ops - ops); !checked) return checked;
    }
  }
  return Ok{};
}

}  // namespace

Result<void> validate(const RangeRequest& request) {
  if (request.key.empty()) return make_error(ErrorCode::kEmptyKey);
  const auto order = static_cast<int>(request.sort_order);
  const auto target = static_cast<int>(request.sort_target);
  if (order < 0 || order > 2 || target < 0 || target > 4) {
    return make_error(ErrorCode::kInvalidSortOption);
  }
  return Ok{};
}

Result<void> validate(const PutRequest& request) {
  if (request.key.empty()) return make_error(ErrorCode::kEmptyKey);
  if (request.ignore_value && !request.value.empty()) return make_error(ErrorCode::kValueProvided);
  if (request.ignore_lease && request.lease != 0) return make_error(ErrorCode::kLeaseProvided);
  return Ok{};
}

Result<void> validate(const DeleteRangeRequest& request) {
  if (request.key.empty()) return make_error(ErrorCode::kEmptyKey);
  return Ok{};
}

Result<void> validate(const TxnRequest& request, int max_txn_ops) {
  if (auto checked = validate_ops(request, max_txn_ops); !checked) return checked;
  for (const auto* branch : {&request.success, &request.failure}) {
    if (auto writes = collect_writes(*branch); !writes) return writes.error();
  }
  return Ok{};
}

}  // namespace etcd::mvcc
