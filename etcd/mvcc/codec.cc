#include "etcd/mvcc/codec.h"

#include <algorithm>

#include "etcd/common/bytes.h"

namespace etcd::mvcc {
namespace {

enum class Kind : uint8_t {
  put = 1,
  delete_range = 2,
  txn = 3,
  compaction = 4,
  range = 5,
  lease_grant = 6,
  lease_revoke = 7,
  lease_renew = 8,
  alarm = 9,
};

void flag(ByteWriter& w, bool b) {
  w.u8(b ? 1 : 0);
}
void i64(ByteWriter& w, int64_t v) {
  w.u64(static_cast<uint64_t>(v));
}

void encode_range(ByteWriter& w, const RangeRequest& r) {
  w.bytes(r.key);
  w.bytes(r.range_end);
  i64(w, r.limit);
  i64(w, r.revision);
  w.u8(static_cast<uint8_t>(r.sort_order));
  w.u8(static_cast<uint8_t>(r.sort_target));
  flag(w, r.serializable);
  flag(w, r.keys_only);
  flag(w, r.count_only);
  i64(w, r.min_mod_revision);
  i64(w, r.max_mod_revision);
  i64(w, r.min_create_revision);
  i64(w, r.max_create_revision);
}

void encode_put(ByteWriter& w, const PutRequest& p) {
  w.bytes(p.key);
  w.bytes(p.value);
  i64(w, p.lease);
  flag(w, p.prev_kv);
  flag(w, p.ignore_value);
  flag(w, p.ignore_lease);
}

void encode_delete(ByteWriter& w, const DeleteRangeRequest& d) {
  w.bytes(d.key);
  w.bytes(d.range_end);
  flag(w, d.prev_kv);
}

void encode_txn(ByteWriter& w, const TxnRequest& t);

void encode_ops(ByteWriter& w, const std::vector<RequestOp>& ops) {
  w.u32(static_cast<uint32_t>(ops.size()));
  for (const auto& op : ops) {
    std::visit(
        [&w](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, RangeRequest>) {
            w.u8(static_cast<uint8_t>(Kind::range));
            encode_range(w, o);
          } else if constexpr (std::is_same_v<T, PutRequest>) {
            w.u8(static_cast<uint8_t>(Kind::put));
            encode_put(w, o);
          } else if constexpr (std::is_same_v<T, DeleteRangeRequest>) {
            w.u8(static_cast<uint8_t>(Kind::delete_range));
            encode_delete(w, o);
          } else {
            w.u8(static_cast<uint8_t>(Kind::txn));
            encode_txn(w, *o);
          }
        },
        op);
  }
}

void encode_txn(ByteWriter& w, const TxnRequest& t) {
  w.u32(static_cast<uint32_t>(t.compare.size()));
  for (const auto& c : t.compare) {
    w.u8(static_cast<uint8_t>(c.result));
    w.u8(static_cast<uint8_t>(c.target));
    w.bytes(c.key);
    w.bytes(c.range_end);
    i64(w, c.number);
    w.bytes(c.value);
  }
  encode_ops(w, t.success);
  encode_ops(w, t.failure);
}

class Decoder {
 public:
  explicit Decoder(std::string_view data) : r_(data) {}

  Result<WriteRequest> request() {
    uint8_t kind = 0;
    if (!r_.u8(kind)) return malformed();
    WriteRequest out;
    bool ok = false;
    switch (static_cast<Kind>(kind)) {
      case Kind::put:
        ok = put(out.emplace<PutRequest>());
        break;
      case Kind::delete_range:
        ok = del(out.emplace<DeleteRangeRequest>());
        break;
      case Kind::txn:
        ok = txn(out.emplace<TxnRequest>(), 1);
        break;
      case Kind::compaction: {
        auto& c = out.emplace<CompactionRequest>();
        ok = i64(c.revision) && flag(c.physical);
        break;
      }
      case Kind::lease_grant: {
        auto& g = out.emplace<LeaseGrantRequest>();
        ok = i64(g.id) && i64(g.ttl);
        break;
      }
      case Kind::lease_revoke:
        ok = i64(out.emplace<LeaseRevokeRequest>().id);
        break;
      case Kind::lease_renew:
        ok = i64(out.emplace<LeaseRenewRequest>().id);
        break;
      case Kind::alarm: {
        auto& a = out.emplace<AlarmRequest>();
        int64_t member = 0;
        ok = enumeration(a.action, 2) && i64(member) && enumeration(a.alarm, 2);
        a.member_id = static_cast<uint64_t>(member);
        break;
      }
      case Kind::range:
        break;  // never a request of its own
    }
    if (!ok || !r_.at_end()) return malformed();
    return out;
  }

 private:
  static Error malformed() { return Error{"malformed v3 request"}; }

  bool i64(int64_t& v) {
    uint64_t u = 0;
    if (!r_.u64(u)) return false;
    v = static_cast<int64_t>(u);
    return true;
  }
  bool flag(bool& b) {
    uint8_t v = 0;
    if (!r_.u8(v) || v > 1) return false;
    b = v == 1;
    return true;
  }
  template <typename E>
  bool enumeration(E& e, uint8_t max) {
    uint8_t v = 0;
    if (!r_.u8(v) || v > max) return false;
    e = static_cast<E>(v);
    return true;
  }

  bool range(RangeRequest& q) {
    return r_.bytes(q.key) && r_.bytes(q.range_end) && i64(q.limit) && i64(q.revision) &&
           enumeration(q.sort_order, 2) && enumeration(q.sort_target, 4) && flag(q.serializable) &&
           flag(q.keys_only) && flag(q.count_only) && i64(q.min_mod_revision) &&
           i64(q.max_mod_revision) && i64(q.min_create_revision) && i64(q.max_create_revision);
  }
  bool put(PutRequest& p) {
    return r_.bytes(p.key) && r_.bytes(p.value) && i64(p.lease) && flag(p.prev_kv) &&
           flag(p.ignore_value) && flag(p.ignore_lease);
  }
  bool del(DeleteRangeRequest& d) {
    return r_.bytes(d.key) && r_.bytes(d.range_end) && flag(d.prev_kv);
  }
  bool txn(TxnRequest& t, int depth) {
    if (depth > kMaxTxnDepth) return false;
    uint32_t n = 0;
    if (!r_.count(n, 2 + 4 + 4 + 8 + 4)) return false;
    t.compare.resize(n);
    for (auto& c : t.compare) {
      if (!enumeration(c.result, 3) || !enumeration(c.target, 4) || !r_.bytes(c.key) ||
          !r_.bytes(c.range_end) || !i64(c.number) || !r_.bytes(c.value)) {
        return false;
      }
    }
    return ops(t.success, depth) && ops(t.failure, depth);
  }
  bool ops(std::vector<RequestOp>& out, int depth) {
    uint32_t n = 0;
    if (!r_.count(n, 1 + 4)) return false;
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      uint8_t kind = 0;
      if (!r_.u8(kind)) return false;
      bool ok = false;
      switch (static_cast<Kind>(kind)) {
        case Kind::range:
          ok = range(std::get<RangeRequest>(out.emplace_back(RangeRequest{})));
          break;
        case Kind::put:
          ok = put(std::get<PutRequest>(out.emplace_back(PutRequest{})));
          break;
        case Kind::delete_range:
          ok = del(std::get<DeleteRangeRequest>(out.emplace_back(DeleteRangeRequest{})));
          break;
        case Kind::txn: {
          auto nested = std::make_shared<TxnRequest>();
          ok = txn(*nested, depth + 1);
          out.emplace_back(std::move(nested));
          break;
        }
        default:
          break;  // not an op of a txn
      }
      if (!ok) return false;
    }
    return true;
  }

  ByteReader r_;
};

}  // namespace

void encode(const WriteRequest& request, std::string& out) {
  ByteWriter w(out);
  std::visit(
      [&w](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, PutRequest>) {
          w.u8(static_cast<uint8_t>(Kind::put));
          encode_put(w, r);
        } else if constexpr (std::is_same_v<T, DeleteRangeRequest>) {
          w.u8(static_cast<uint8_t>(Kind::delete_range));
          encode_delete(w, r);
        } else if constexpr (std::is_same_v<T, TxnRequest>) {
          w.u8(static_cast<uint8_t>(Kind::txn));
          encode_txn(w, r);
        } else if constexpr (std::is_same_v<T, CompactionRequest>) {
          w.u8(static_cast<uint8_t>(Kind::compaction));
          i64(w, r.revision);
          flag(w, r.physical);
        } else if constexpr (std::is_same_v<T, LeaseGrantRequest>) {
          w.u8(static_cast<uint8_t>(Kind::lease_grant));
          i64(w, r.id);
          i64(w, r.ttl);
        } else if constexpr (std::is_same_v<T, LeaseRevokeRequest>) {
          w.u8(static_cast<uint8_t>(Kind::lease_revoke));
          i64(w, r.id);
        } else if constexpr (std::is_same_v<T, LeaseRenewRequest>) {
          w.u8(static_cast<uint8_t>(Kind::lease_renew));
          i64(w, r.id);
        } else {
          static_assert(std::is_same_v<T, AlarmRequest>);
          w.u8(static_cast<uint8_t>(Kind::alarm));
          w.u8(static_cast<uint8_t>(r.action));
          w.u64(r.member_id);
          w.u8(static_cast<uint8_t>(r.alarm));
        }
      },
      request);
}

Result<WriteRequest> decode_write_request(std::string_view data) {
  return Decoder(data).request();
}

int txn_depth(const TxnRequest& request) {
  int deepest = 0;
  for (const auto* branch : {&request.success, &request.failure}) {
    for (const auto& op : *branch) {
      if (const auto* nested = std::get_if<std::shared_ptr<TxnRequest>>(&op)) {
        deepest = std::max(deepest, txn_depth(**nested));
      }
    }
  }
  return deepest + 1;
}

}  // namespace etcd::mvcc
