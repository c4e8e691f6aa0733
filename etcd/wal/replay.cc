#include "etcd/wal/replay.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "etcd/common/bytes.h"
#include "etcd/raft/codec.h"

namespace etcd::wal {
namespace {

constexpr uint8_t kIdentityVersion = 1;

Error corrupt(std::string message) {
  return Error{std::move(message), kErrCorrupt};
}

}  // namespace

std::string encode_identity(const Identity& identity) {
  std::string out;
  ByteWriter w(out);
  w.u8(kIdentityVersion);
  w.u64(identity.member_id.value);
  w.u64(identity.cluster_id);
  return out;
}

Result<Identity> decode_identity(std::string_view payload) {
  ByteReader r(payload);
  uint8_t version = 0;
  Identity identity;
  if (!r.u8(version) || version != kIdentityVersion || !r.u64(identity.member_id.value) ||
      !r.u64(identity.cluster_id) || !r.at_end()) {
    return corrupt("malformed metadata record");
  }
  return identity;
}

void Replay::begin_segment(std::optional<uint32_t> prev_final_crc) {
  prev_final_crc_ = prev_final_crc;
  record_in_segment_ = 0;
}

Index Replay::last_index() const {
  if (!state_.entries.empty()) return state_.entries.back().index;
  Index last = from_;
  if (state_.snapshot) last = std::max(last, state_.snapshot->index);
  return last;
}

Result<void> Replay::add(const Record& record) {
  const uint64_t position = record_in_segment_++;
  if (position < 2) return add_head(record, position);
  switch (record.type) {
    case RecordType::entry:
      return add_entry(record);
    case RecordType::hard_state: {
      Result<raft::HardState> state = raft::decode_hard_state(record.payload);
      if (!state) return corrupt("malformed hard_state record");
      state_.hard_state = *state;
      return Ok{};
    }
    case RecordType::snapshot_marker: {
      Result<raft::SnapshotMetadata> marker = raft::decode_snapshot_metadata(record.payload);
      if (!marker) return corrupt("malformed snapshot_marker record");
      state_.snapshot = SnapshotMarker{marker->index, marker->term};
      return Ok{};
    }
    case RecordType::metadata:
    case RecordType::crc:
      break;
  }
  return corrupt(fmt::format("{} record outside the segment head", to_string(record.type)));
}

Result<void> Replay::add_head(const Record& record, uint64_t position) {
  if (position == 0) {
    if (record.type != RecordType::crc) return corrupt("segment does not start with a crc record");
    uint32_t carried = 0;
    std::memcpy(&carried, record.payload.data(), sizeof carried);
    if (prev_final_crc_ && carried != *prev_final_crc_) {
      return corrupt(
          fmt::format("crc chain broken: segment carries {:08x}, previous segment "
                      "ended with {:08x}",
                      carried, *prev_final_crc_));
    }
    return Ok{};
  }
  if (record.type != RecordType::metadata) return corrupt("second record is not metadata");
  Result<Identity> identity = decode_identity(record.payload);
  if (!identity) return identity.error();
  if (identity_ && *identity_ != *identity) {
    return corrupt(
        fmt::format("metadata (member {:x}, cluster {:x}) differs from earlier "
                    "segments (member {:x}, cluster {:x})",
                    identity->member_id.value, identity->cluster_id, identity_->member_id.value,
                    identity_->cluster_id));
  }
  identity_ = *identity;
  state_.identity = *identity;
  return Ok{};
}

Result<void> Replay::add_entry(const Record& record) {
  Result<raft::Entry> decoded = raft::decode_entry(record.payload);
  if (!decoded) return corrupt("malformed entry record");
  raft::Entry& entry = *decoded;
  std::vector<raft::Entry>& entries = state_.entries;
  if (entry.index <= from_) {
    entries.clear();  // rewrites history at or below `from`: nothing after it survives
    return Ok{};
  }
  const Index last = entries.empty() ? from_ : entries.back().index;
  if (entry.index > last + 1) {
    return corrupt(fmt::format("entry {} does not follow entry {} (missing entries)",
                               entry.index.value, last.value));
  }
  entries.resize(entry.index - from_ - 1);
  entries.push_back(std::move(entry));
  return Ok{};
}

}  // namespace etcd::wal
