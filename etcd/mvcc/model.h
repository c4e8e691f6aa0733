// Test helper: a tiny in-memory reference model of the v3 keyspace, written from etcd's
// rules directly (per-key lists of revisions, brute-force scans), to check KvStore against.
// It shares only validate() and KeyRange with the store. Copyable, so a test can roll it
// back along with an SQLite transaction.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "etcd/mvcc/error.h"
#include "etcd/mvcc/key_range.h"
#include "etcd/mvcc/request.h"
#include "etcd/mvcc/validate.h"

namespace etcd::mvcc::testing {

class Model {
 public:
  int64_t current = 1;
  int64_t compacted = 0;

  Result<RangeResponse> range(const RangeRequest& r) const {
    if (auto valid = validate(r); !valid) return valid.error();
    if (r.revision > current) return make_error(ErrorCode::kFutureRevision);
    if (r.revision > 0 && r.revision < compacted) return make_error(ErrorCode::kCompacted);
    return read(r, current);
  }

  Result<PutResponse> put(const PutRequest& r, std::vector<Event>* events) {
    if (auto valid = validate(r); !valid) return valid.error();
    if ((r.ignore_value || r.ignore_lease) && !at(r.key, current)) {
      return make_error(ErrorCode::kKeyNotFound);
    }
    Write w{current, 0, events};
    PutResponse response = apply_put(w, r);
    finish(w);
    return response;
  }

  Result<DeleteRangeResponse> del(const DeleteRangeRequest& r, std::vector<Event>* events) {
    if (auto valid = validate(r); !valid) return valid.error();
    Write w{current, 0, events};
    DeleteRangeResponse response = apply_delete(w, r);
    finish(w);
    return response;
  }

  Result<TxnResponse> txn(const TxnRequest& r, std::vector<Event>* events) {
    if (auto valid = validate(r); !valid) return valid.error();
    Write w{current, 0, events};
    outcome_.clear();
    if (auto checked = check(r, w.begin); !checked) return checked.error();
    TxnResponse response = apply_txn(w, r);
    finish(w);
    response.revision = w.read_rev();
    return response;
  }

  Result<CompactionResponse> compact(int64_t revision) {
    if (revision <= compacted) return make_error(ErrorCode::kCompacted);
    if (revision > current) return make_error(ErrorCode::kFutureRevision);
    for (auto it = history_.begin(); it != history_.end();) {
      auto& rows = it->second;
      // Keep the newest revision at or below `revision` unless it is a tombstone.
      size_t newest = rows.size();
      for (size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].kv.mod_revision <= revision) newest = i;
      }
      if (newest != rows.size()) {
        rows.erase(rows.begin(), rows.begin() + static_cast<ptrdiff_t>(newest));
        if (rows.front().tombstone) rows.erase(rows.begin());
      }
      it = rows.empty() ? history_.erase(it) : std::next(it);
    }
    compacted = revision;
    return CompactionResponse{current};
  }

  Result<std::vector<Event>> events(int64_t first, int64_t last, size_t limit, bool prev_kv) const {
    if (first < compacted) return make_error(ErrorCode::kCompacted);
    if (last <= 0 || last > current) last = current;
    std::vector<std::tuple<int64_t, int64_t, const Row*>> rows;
    for (const auto& [key, list] : history_) {
      for (const Row& row : list) {
        const int64_t main = row.kv.mod_revision;
        if (main >= first && main <= last) rows.emplace_back(main, row.sub, &row);
      }
    }
    std::sort(rows.begin(), rows.end());
    std::vector<Event> out;
    for (const auto& [main, sub, row] : rows) {
      if (limit > 0 && out.size() >= limit && out.back().revision.main != main) break;
      Event e{row->tombstone ? EventType::kDelete : EventType::kPut,
              row->kv,
              std::nullopt,
              {main, sub}};
      // etcd reads the previous value at main - 1, which fails below the compact revision.
      if (prev_kv && main - 1 >= compacted) e.prev_kv = at(row->kv.key, main - 1);
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  struct Row {
    KeyValue kv;
    int64_t sub = 0;
    bool tombstone = false;
  };
  struct Write {
    int64_t begin;
    int64_t changes;
    std::vector<Event>* events;
    int64_t read_rev() const { return begin + (changes > 0 ? 1 : 0); }
  };

  std::optional<KeyValue> at(const std::string& key, int64_t revision) const {
    auto it = history_.find(key);
    if (it == history_.end()) return std::nullopt;
    const Row* newest = nullptr;
    for (const Row& row : it->second) {
      if (row.kv.mod_revision <= revision) newest = &row;
    }
    if (newest == nullptr || newest->tombstone) return std::nullopt;
    return newest->kv;
  }

  std::vector<KeyValue> live(const std::string& key, const std::string& end,
                             int64_t revision) const {
    const KeyRange range = KeyRange::of(key, end);
    std::vector<KeyValue> out;
    for (const auto& [k, rows] : history_) {
      if (!range.contains(k)) continue;
      if (auto kv = at(k, revision)) out.push_back(*kv);
    }
    return out;
  }

  static bool keep(const RangeRequest& r, const KeyValue& kv) {
    return !((r.min_mod_revision && kv.mod_revision < r.min_mod_revision) ||
             (r.max_mod_revision && kv.mod_revision > r.max_mod_revision) ||
             (r.min_create_revision && kv.create_revision < r.min_create_revision) ||
             (r.max_create_revision && kv.create_revision > r.max_create_revision));
  }

  static void sort(const RangeRequest& r, std::vector<KeyValue>& kvs) {
    SortOrder order = r.sort_order;
    if (r.sort_target != SortTarget::kKey && order == SortOrder::kNone) order = SortOrder::kAscend;
    if (order == SortOrder::kNone) return;
    auto number = [&](const KeyValue& kv) {
      switch (r.sort_target) {
        case SortTarget::kVersion:
          return kv.version;
        case SortTarget::kCreate:
          return kv.create_revision;
        case SortTarget::kMod:
          return kv.mod_revision;
        default:
          return int64_t{0};
      }
    };
    auto text = [&](const KeyValue& kv) {
      return r.sort_target == SortTarget::kValue ? kv.value
             : r.sort_target == SortTarget::kKey ? kv.key
                                                 : std::string();
    };
    std::sort(kvs.begin(), kvs.end(), [&](const KeyValue& a, const KeyValue& b) {
      auto ka = std::make_tuple(number(a), text(a));
      auto kb = std::make_tuple(number(b), text(b));
      if (ka != kb) return order == SortOrder::kAscend ? ka < kb : kb < ka;
      return a.key < b.key;  // ties stay in key order
    });
  }

  RangeResponse read(const RangeRequest& r, int64_t cur) const {
    RangeResponse response;
    response.revision = cur;
    std::vector<KeyValue> kvs = live(r.key, r.range_end, r.revision <= 0 ? cur : r.revision);
    response.count = static_cast<int64_t>(kvs.size());
    if (r.count_only) return response;
    // etcd reads only limit + 1 keys (in key order) when neither the order nor a filter
    // asks for all, even if a non-KEY target then sorts them: a quirk of etcd 3.4, kept.
    const bool filtered =
        r.min_mod_revision || r.max_mod_revision || r.min_create_revision || r.max_create_revision;
    if (r.limit > 0 && r.sort_order == SortOrder::kNone && !filtered &&
        kvs.size() > static_cast<size_t>(r.limit) + 1) {
      kvs.resize(static_cast<size_t>(r.limit) + 1);
    }
    std::erase_if(kvs, [&](const KeyValue& kv) { return !keep(r, kv); });
    sort(r, kvs);
    if (r.limit > 0 && kvs.size() > static_cast<size_t>(r.limit)) {
      kvs.resize(static_cast<size_t>(r.limit));
      response.more = true;
    }
    if (r.keys_only) {
      for (auto& kv : kvs)
        kv.value.clear();
    }
    response.kvs = std::move(kvs);
    return response;
  }

  void record(Write& w, KeyValue kv, bool tombstone, std::optional<KeyValue> prev) {
    kv.mod_revision = w.begin + 1;
    const int64_t sub = w.changes++;
    history_[kv.key].push_back(Row{kv, sub, tombstone});
    if (w.events != nullptr) {
      w.events->push_back(Event{
          tombstone ? EventType::kDelete : EventType::kPut, kv, prev, {kv.mod_revision, sub}});
    }
  }

  void finish(const Write& w) { current = w.read_rev(); }

  PutResponse apply_put(Write& w, const PutRequest& r) {
    const int64_t rev = w.begin + 1;
    std::optional<KeyValue> prev = at(r.key, rev);
    KeyValue kv{r.key,
                prev ? prev->create_revision : rev,
                rev,
                prev ? prev->version + 1 : 1,
                r.ignore_value ? prev->value : r.value,
                r.ignore_lease ? prev->lease : r.lease};
    record(w, kv, false, prev);
    return PutResponse{rev, r.prev_kv ? prev : std::nullopt};
  }

  DeleteRangeResponse apply_delete(Write& w, const DeleteRangeRequest& r) {
    std::vector<KeyValue> doomed = live(r.key, r.range_end, w.begin + 1);
    for (const KeyValue& kv : doomed)
      record(w, KeyValue{kv.key, 0, 0, 0, "", 0}, true, kv);
    DeleteRangeResponse response{w.read_rev(), static_cast<int64_t>(doomed.size()), {}};
    if (r.prev_kv) response.prev_kvs = doomed;
    return response;
  }

  bool holds(const Compare& c, int64_t revision) const {
    std::vector<KeyValue> kvs = live(c.key, c.range_end, revision);
    if (kvs.empty()) {
      if (c.target == CompareTarget::kValue) return false;
      kvs.push_back(KeyValue{});
    }
    for (const KeyValue& kv : kvs) {
      int cmp = 0;
      switch (c.target) {
        case CompareTarget::kValue:
          cmp = kv.value.compare(c.value);
          break;
        case CompareTarget::kVersion:
          cmp = (kv.version > c.number) - (kv.version < c.number);
          break;
        case CompareTarget::kCreate:
          cmp = (kv.create_revision > c.number) - (kv.create_revision < c.number);
          break;
        case CompareTarget::kMod:
          cmp = (kv.mod_revision > c.number) - (kv.mod_revision < c.number);
          break;
        case CompareTarget::kLease:
          cmp = (kv.lease > c.number) - (kv.lease < c.number);
          break;
      }
      bool ok = c.result == CompareResult::kEqual      ? cmp == 0
                : c.result == CompareResult::kNotEqual ? cmp != 0
                : c.result == CompareResult::kGreater  ? cmp > 0
                                                       : cmp < 0;
      if (!ok) return false;
    }
    return true;
  }

  // Decides every compare on the chosen path against the keyspace at `begin`, remembering
  // the outcome per txn; then vets the chosen ops.
  Result<void> check(const TxnRequest& r, int64_t begin) {
    bool ok = true;
    for (const Compare& c : r.compare)
      ok = ok && holds(c, begin);
    outcome_[&r] = ok;
    for (const RequestOp& op : ok ? r.success : r.failure) {
      if (const auto* range = std::get_if<RangeRequest>(&op)) {
        if (range->revision > begin) return make_error(ErrorCode::kFutureRevision);
        if (range->revision != 0 && range->revision < compacted)
          return make_error(ErrorCode::kCompacted);
      } else if (const auto* put = std::get_if<PutRequest>(&op)) {
        if ((put->ignore_value || put->ignore_lease) && !at(put->key, begin)) {
          return make_error(ErrorCode::kKeyNotFound);
        }
      } else if (const auto* nested = std::get_if<std::shared_ptr<TxnRequest>>(&op)) {
        if (auto checked = check(**nested, begin); !checked) return checked;
      }
    }
    return Ok{};
  }

  TxnResponse apply_txn(Write& w, const TxnRequest& r) {
    TxnResponse response;
    response.succeeded = outcome_.at(&r);
    for (const RequestOp& op : response.succeeded ? r.success : r.failure) {
      if (const auto* range = std::get_if<RangeRequest>(&op)) {
        response.responses.push_back(read(*range, w.read_rev()));
      } else if (const auto* put = std::get_if<PutRequest>(&op)) {
        response.responses.push_back(apply_put(w, *put));
      } else if (const auto* del = std::get_if<DeleteRangeRequest>(&op)) {
        response.responses.push_back(apply_delete(w, *del));
      } else {
        const auto& nested = *std::get<std::shared_ptr<TxnRequest>>(op);
        response.responses.push_back(std::make_shared<TxnResponse>(apply_txn(w, nested)));
      }
    }
    return response;
  }

  std::map<std::string, std::vector<Row>> history_;
  std::map<const TxnRequest*, bool> outcome_;
};

}  // namespace etcd::mvcc::testing
