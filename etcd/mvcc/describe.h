// Test helper: canonical text for responses, events and errors, so results compare as
// strings and a mismatch prints readably (bytes outside printable ASCII as \xNN).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/mvcc/request.h"

namespace etcd::mvcc::testing {

inline std::string escape(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

inline std::string describe(const KeyValue& kv) {
  return "{" + escape(kv.key) + " c" + std::to_string(kv.create_revision) + " m" +
         std::to_string(kv.mod_revision) + " v" + std::to_string(kv.version) + " =" +
         escape(kv.value) + " l" + std::to_string(kv.lease) + "}";
}

inline std::string describe(const std::optional<KeyValue>& kv) {
  return kv ? describe(*kv) : "-";
}

inline std::string describe(const std::vector<KeyValue>& kvs) {
  std::string out = "[";
  for (const auto& kv : kvs)
    out += describe(kv);
  return out + "]";
}

inline std::string describe(const RangeResponse& r) {
  return "range rev" + std::to_string(r.revision) + " count" + std::to_string(r.count) +
         (r.more ? " more " : " ") + describe(r.kvs);
}

inline std::string describe(const PutResponse& r) {
  return "put rev" + std::to_string(r.revision) + " prev" + describe(r.prev_kv);
}

inline std::string describe(const DeleteRangeResponse& r) {
  return "delete rev" + std::to_string(r.revision) + " n" + std::to_string(r.deleted) +
         describe(r.prev_kvs);
}

std::string describe(const TxnResponse& r);

inline std::string describe(const ResponseOp& op) {
  return std::visit(
      [](const auto& response) -> std::string {
        using T = std::decay_t<decltype(response)>;
        if constexpr (std::is_same_v<T, std::shared_ptr<TxnResponse>>) {
          return describe(*response);
        } else {
          return describe(response);
        }
      },
      op);
}

inline std::string describe(const TxnResponse& r) {
  std::string out = "txn rev" + std::to_string(r.revision) + (r.succeeded ? " then(" : " else(");
  for (const auto& op : r.responses)
    out += describe(op) + "; ";
  return out + ")";
}

inline std::string describe(const CompactionResponse& r) {
  return "compact rev" + std::to_string(r.revision);
}

inline std::string describe(const Event& e) {
  return std::string(e.type == EventType::kPut ? "PUT" : "DEL") + "@" +
         std::to_string(e.revision.main) + "." + std::to_string(e.revision.sub) + describe(e.kv) +
         " prev" + describe(e.prev_kv);
}

inline std::string describe(const std::vector<Event>& events) {
  std::string out;
  for (const auto& e : events)
    out += describe(e) + "\n";
  return out;
}

template <typename T>
std::string describe(const Result<T>& result) {
  if (!result.ok())
    return "error " + std::to_string(result.error().code) + ": " + result.error().message;
  return describe(result.value());
}

}  // namespace etcd::mvcc::testing
