#include "etcd/transport/message_batch.h"

#include <cstring>

#include "etcd/common/assert.h"
#include "etcd/common/bytes.h"
#include "etcd/raft/codec.h"

namespace etcd::transport {
namespace {

void patch_u32(std::string& out, size_t at, uint32_t value) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "formats are little-endian");
  std::memcpy(out.data() + at, &value, sizeof value);
}

// Smallest possible encoded message: version, type, 8 u64, reject, context length, entry
// count, snapshot flag.
constexpr size_t kMinMessageBytes = 1 + 1 + 8 * 8 + 1 + 4 + 4 + 1;

bool read_u32(std::string_view in, size_t at, uint32_t& value) {
  if (in.size() < 4 || at > in.size() - 4) return false;
  std::memcpy(&value, in.data() + at, sizeof value);
  return true;
}

}  // namespace

MessageBatch::MessageBatch(std::string& out) : out_(out) {
  out_.clear();
  ByteWriter(out_).u32(0);
}

void MessageBatch::append(const raft::Message& message) {
  const size_t length_at = out_.size();
  last_at_ = length_at;
  ByteWriter(out_).u32(0);
  raft::encode(message, out_);
  patch_u32(out_, length_at, static_cast<uint32_t>(out_.size() - length_at - 4));
  patch_u32(out_, 0, ++count_);
}

void MessageBatch::drop_last() {
  ETCD_ASSERT(last_at_ != 0 && count_ > 0, "drop_last() without append()");
  out_.resize(last_at_);
  last_at_ = 0;
  patch_u32(out_, 0, --count_);
}

Result<std::vector<raft::Message>> decode_batch(std::string_view in) {
  uint32_t count = 0;
  if (!read_u32(in, 0, count) || count > (in.size() - 4) / (4 + kMinMessageBytes)) {
    return Error{"malformed batch header"};
  }
  std::vector<raft::Message> messages;
  messages.reserve(count);
  size_t at = 4;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t length = 0;
    if (!read_u32(in, at, length) || length > in.size() - at - 4) {
      return Error{"truncated batch at message " + std::to_string(i)};
    }
    auto message = raft::decode_message(in.substr(at + 4, length));
    if (!message) {
      return Error{"batch message " + std::to_string(i) + ": " + message.error().message};
    }
    messages.push_back(std::move(*message));
    at += 4 + size_t{length};
  }
  if (at != in.size()) return Error{"trailing bytes after batch"};
  return messages;
}

}  // namespace etcd::transport
