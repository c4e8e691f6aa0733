// Replay: turns the records of consecutive segments into a Recovered state — the Raft
// meaning of each record type, the segment head structure, and the "last record wins"
// rule for entries. Pure: it is fed records (from segment_scan.h) and never touches
// files, so the recovery rules can be tested and fuzzed without a disk.
//
// Segment head (README.md "Segments"): record 0 is a crc record, record 1 the metadata
// record; neither type may appear anywhere else. Entries must be contiguous: a record at
// index i with i <= last + 1 replaces the entries from i on; i > last + 1 is a gap
// (corruption, or a snapshot newer than `from` that the caller did not load).
#pragma once

#include <cstdint>
#include <optional>

#include "etcd/common/result.h"
#include "etcd/wal/record.h"
#include "etcd/wal/types.h"

namespace etcd::wal {

class Replay {
 public:
  // Keeps entries with index > from.
  explicit Replay(Index from) : from_(from) {}

  // Starts the next segment. `prev_final_crc` is the crc the previous segment ended with,
  // when that segment was read, so the chain across files can be checked.
  void begin_segment(std::optional<uint32_t> prev_final_crc);

  // Applies one good record. Errors (malformed payload, misplaced head record, broken
  // chain, differing identity, entry gap) carry kErrCorrupt; the caller adds file+offset.
  Result<void> add(const Record& record);

  // Metadata of the segments read so far (nullopt before the first metadata record).
  const std::optional<Identity>& identity() const { return identity_; }

  // Index the next appended entry follows: the last entry kept, else max(from, marker).
  Index last_index() const;

  const Recovered& state() const { return state_; }
  Recovered take() { return std::move(state_); }

 private:
  Result<void> add_head(const Record& record, uint64_t position);
  Result<void> add_entry(const Record& record);

  Index from_;
  Recovered state_;
  std::optional<Identity> identity_;
  std::optional<uint32_t> prev_final_crc_;
  uint64_t record_in_segment_ = 0;
};

// Metadata record payload: [u8 version=1][u64 member_id][u64 cluster_id].
std::string encode_identity(const Identity& identity);
Result<Identity> decode_identity(std::string_view payload);

}  // namespace etcd::wal
