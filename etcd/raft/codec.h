// Binary encoding of raft types, shared by the WAL (entries, hard state, snapshot
// metadata) and the peer transport (messages). Pure functions: no I/O.
//
// Format: little-endian fixed-width integers, u32-length-prefixed byte strings, and a
// leading format version byte on each top-level value so the format can evolve.
// Decoders reject truncated input, trailing bytes, unknown enum values and absurd counts.
#pragma once

#include <string>
#include <string_view>

#include "etcd/common/result.h"
#include "etcd/raft/types.h"

namespace etcd::raft {

void encode(const Entry& entry, std::string& out);
void encode(const HardState& state, std::string& out);
void encode(const ConfChange& change, std::string& out);
void encode(const SnapshotMetadata& metadata, std::string& out);
void encode(const Message& message, std::string& out);

template <typename T>
std::string encode(const T& value) {
  std::string out;
  encode(value, out);
  return out;
}

Result<Entry> decode_entry(std::string_view in);
Result<HardState> decode_hard_state(std::string_view in);
Result<ConfChange> decode_conf_change(std::string_view in);
Result<SnapshotMetadata> decode_snapshot_metadata(std::string_view in);
Result<Message> decode_message(std::string_view in);

}  // namespace etcd::raft
