// KvStateMachine: the application every simulated node runs — a tiny deterministic key
// -> value register map plus a running hash of every entry applied (index, term, type,
// data). Two nodes that applied the same log prefix have equal hashes, which is how the
// checker compares whole states cheaply and verifies a restored snapshot.
//
// Writes are normal entries whose data is "w<op id>:<key>" (client payloads are unique, so
// each can be traced back to the client operation that proposed it). Anything else (the
// leader's empty no-op, conf changes) only advances the hash. Pure, single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "etcd/common/result.h"
#include "etcd/raft/types.h"

namespace etcd::sim {

// A decoded client write.
struct WriteCommand {
  uint64_t op_id = 0;
  std::string key;
};

std::string encode_write(const WriteCommand& command);
std::optional<WriteCommand> decode_write(std::string_view data);

class KvStateMachine {
 public:
  struct Value {
    uint64_t op_id = 0;  // the write that set it
    Index index;         // log index of that write
  };

  // Precondition: entry.index == applied() + 1 (the caller checks and reports).
  void apply(const raft::Entry& entry);
  Index applied() const { return applied_; }
  uint64_t hash() const { return hash_; }
  const Value* get(const std::string& key) const;

  // The snapshot payload; decode(encode()) reproduces the machine exactly.
  std::string encode() const;
  static Result<KvStateMachine> decode(std::string_view data);

 private:
  std::map<std::string, Value> values_;
  Index applied_;
  uint64_t hash_ = 0;
};

}  // namespace etcd::sim
