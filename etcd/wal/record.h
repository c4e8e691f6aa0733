// WAL record framing: how one record is laid out in a segment file and how a run of
// records is encoded and decoded. Pure functions over byte strings: no files, no Raft
// rules (payload meaning lives in replay.h), safe to fuzz. The byte-by-byte format is in
// etcd/wal/README.md ("Records").
//
// Layout (little-endian), every record starting at an 8-byte-aligned offset:
//   [u32 length][u32 crc][u8 type][3 zero bytes][u32 header_check][payload][zero pad to 8]
// `crc` chains: it is CRC32C seeded with the previous record's crc, over bytes 0-3 and
// 8-11 of the header and the payload. `header_check` is an unchained CRC32C of bytes
// 0-11, so a reader can trust `length` (and find the next record) on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace etcd::wal {

enum class RecordType : uint8_t {
  metadata = 1,         // member ID + cluster ID; second record of every segment
  entry = 2,            // one raft::Entry (raft/codec.h)
  hard_state = 3,       // raft::HardState (raft/codec.h)
  snapshot_marker = 4,  // raft::SnapshotMetadata with index + term only (raft/codec.h)
  crc = 5,              // u32 crc of the previous segment's last record; first record of a segment
};

inline constexpr size_t kRecordHeaderBytes = 16;
inline constexpr size_t kRecordAlignBytes = 8;
// Upper bound on one payload; larger lengths are corruption, never an allocation.
inline constexpr uint32_t kRecordPayloadBytesMax = 1u << 30;

bool is_valid_record_type(uint8_t type);
const char* to_string(RecordType type);

// Bytes a record with this payload occupies on disk, header and padding included.
constexpr uint64_t record_bytes(uint64_t payload_bytes) {
  return (kRecordHeaderBytes + payload_bytes + kRecordAlignBytes - 1) & ~(kRecordAlignBytes - 1);
}

// Two-step encoding so payloads are encoded in place, without a copy:
//   size_t start = begin_record(out); raft::encode(entry, out);
//   crc = finish_record(out, start, RecordType::entry, crc);
// begin_record reserves the header; finish_record fills it, pads `out` and returns the
// record's chained crc (the seed for the next record). Payload must be 1..max bytes.
size_t begin_record(std::string& out);
uint32_t finish_record(std::string& out, size_t start, RecordType type, uint32_t prev_crc);

// One-step form of the above.
uint32_t append_record(std::string& out, RecordType type, std::string_view payload,
                       uint32_t prev_crc);

// Payload of a crc record.
std::string crc_payload(uint32_t prev_crc);

struct Record {
  RecordType type = RecordType::entry;
  std::string_view payload;  // view into the decoder's input
  uint64_t offset = 0;       // of the record's first header byte
  uint32_t crc = 0;          // chained crc of this record
};

enum class DecodeStatus {
  record,  // next() produced a record
  end,     // clean end: end of input, or zero bytes from here to the end (preallocation)
  bad,     // the bytes at failure_offset() are not a valid record (see failure_reason())
};

// Decodes consecutive records from the start of `bytes` (one segment file). A crc
// record is checked against its own payload (it starts a chain); every other record
// against the previous record's crc. After `bad`, the decoder stays failed.
class RecordDecoder {
 public:
  explicit RecordDecoder(std::string_view bytes) : bytes_(bytes) {}

  DecodeStatus next(Record& out);

  uint64_t offset() const { return offset_; }  // first byte not yet consumed
  uint32_t crc() const { return crc_; }        // chained crc of the last good record
  uint64_t failure_offset() const { return offset_; }
  const std::string& failure_reason() const { return reason_; }
  // After `bad`: whether the failed record's header passed its own check, so its
  // length can be trusted and the next record would start at failure_offset() + size.
  bool failed_header_intact() const { return header_intact_; }
  uint64_t failed_record_bytes() const { return failed_bytes_; }

 private:
  DecodeStatus fail(std::string reason);
  // Validates the header and padding at offset_; `size` receives the record's bytes.
  DecodeStatus check_header(std::string_view rest, uint64_t& size);
  bool header_check_ok(uint64_t at) const;

  std::string_view bytes_;
  uint64_t offset_ = 0;
  uint32_t crc_ = 0;
  std::string reason_;
  bool failed_ = false;
  bool header_intact_ = false;
  uint64_t failed_bytes_ = 0;
};

// True when a plausible record header starts at `at`: its header_check matches, type and
// reserved bytes are valid, and the record fits in `bytes`. Used to tell a torn tail from
// mid-log corruption (segment_scan.h).
bool header_intact_at(std::string_view bytes, uint64_t at);

}  // namespace etcd::wal
