#include "etcd/transport/snapshot_body.h"

#include <cstring>

#include "etcd/common/assert.h"
#include "etcd/common/bytes.h"
#include "etcd/raft/codec.h"

namespace etcd::transport::snapshot_body {

std::string split(raft::Message& message, std::string& data) {
  ETCD_ASSERT(message.snapshot.has_value(), "snapshot message without a snapshot");
  data = std::move(message.snapshot->data);
  message.snapshot->data.clear();
  const std::string meta = raft::encode(message);
  std::string prefix;
  prefix.reserve(kMetaLengthBytes + meta.size() + kDataLengthBytes);
  ByteWriter writer(prefix);
  writer.bytes(meta);
  writer.u64(data.size());
  return prefix;
}

uint64_t total_bytes(uint64_t prefix_bytes, uint64_t data_bytes) {
  return prefix_bytes + data_bytes + Sha256::kDigestBytes;
}

uint64_t read_length(std::string_view field) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "formats are little-endian");
  ETCD_ASSERT(field.size() == 4 || field.size() == 8, "length fields are 4 or 8 bytes");
  uint64_t value = 0;
  std::memcpy(&value, field.data(), field.size());
  return value;
}

Result<raft::Message> join(std::string_view meta, std::string data) {
  auto message = raft::decode_message(meta);
  if (!message) return Error{"snapshot meta: " + message.error().message};
  if (message->type != raft::MessageType::snapshot || !message->snapshot) {
    return Error{std::string("snapshot body carries a ") + raft::to_string(message->type) +
                 " message"};
  }
  message->snapshot->data = std::move(data);
  return message;
}

}  // namespace etcd::transport::snapshot_body
