// MessageBatch: the payload of one binary WebSocket message on a raft stream — many raft
// messages in one write, which is what makes the stream fast (one syscall, one frame, one
// wake-up of the reader for hundreds of heartbeats and appends).
//
// Layout (little-endian, see README.md):
//   u32 count, then count times { u32 length, length bytes of raft::encode(Message) }
// Pure; a batch is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/raft/types.h"

namespace etcd::transport {

class MessageBatch {
 public:
  // Starts an empty batch in `out`, which is cleared (its capacity is kept for reuse).
  explicit MessageBatch(std::string& out);

  // Appends one message. The message's snapshot (if any) is encoded too; snapshots travel
  // on their own connection, so callers never pass one here.
  void append(const raft::Message& message);
  // Removes the message the last append() added. Precondition: append() was called since
  // construction or the previous drop_last().
  void drop_last();

  size_t count() const { return count_; }
  size_t bytes() const { return out_.size(); }

 private:
  std::string& out_;
  uint32_t count_ = 0;
  size_t last_at_ = 0;  // where the last appended message starts; 0 = none
};

// Decodes a whole batch. Fails on a truncated or malformed batch or message, and on
// trailing bytes; the error message says which message was bad.
Result<std::vector<raft::Message>> decode_batch(std::string_view in);

}  // namespace etcd::transport
