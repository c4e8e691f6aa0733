#include "etcd/wal/segment_scan.h"

#include <gtest/gtest.h>
#include <algorithm>
#include <vector>

namespace etcd::wal {
namespace {

struct Built {
  std::string bytes;
  std::vector<uint64_t> offsets;  // of each record
};

// `count` records with payloads of `payload_bytes` non-zero bytes.
Built build(size_t count, size_t payload_bytes) {
  Built b;
  uint32_t crc = 0;
  for (size_t k = 0; k < count; ++k) {
    b.offsets.push_back(b.bytes.size());
    crc = append_record(b.bytes, RecordType::entry, std::string(payload_bytes, char('a' + k)), crc);
  }
  return b;
}

SegmentScan scan(std::string_view bytes, bool tail_may_tear, uint64_t head_records = 0) {
  return scan_segment(bytes, tail_may_tear, head_records,
                      [](const Record&) { return Result<void>(Ok{}); });
}

TEST(SegmentScan, CleanSegmentHasNoFailure) {
  Built b = build(5, 30);
  b.bytes.append(1000, '\0');
  const SegmentScan s = scan(b.bytes, true);
  EXPECT_FALSE(s.failure);
  EXPECT_EQ(s.records, 5u);
  EXPECT_EQ(s.end_offset, b.offsets.back() + record_bytes(30));
}

TEST(SegmentScan, PartialLastRecordFollowedByZerosIsTorn) {
  Built b = build(5, 100);
  const uint64_t cut = b.offsets[4] + 50;
  std::string bytes = b.bytes.substr(0, cut) + std::string(2000, '\0');
  const SegmentScan s = scan(bytes, true);
  ASSERT_TRUE(s.failure);
  EXPECT_TRUE(s.failure->torn);
  EXPECT_EQ(s.failure->offset, b.offsets[4]);
  EXPECT_EQ(s.end_offset, b.offsets[4]);
}

TEST(SegmentScan, GarbageToTheEndIsTorn) {
  Built b = build(3, 20);
  std::string bytes = b.bytes.substr(0, b.offsets[2]) + std::string(300, '\x5a');
  const SegmentScan s = scan(bytes, true);
  ASSERT_TRUE(s.failure);
  EXPECT_TRUE(s.failure->torn);
}

TEST(SegmentScan, BadRecordFollowedByAGoodOneIsCorruption) {
  Built b = build(6, 100);
  b.bytes[b.offsets[3] + 40] ^= 0x04;
  const SegmentScan s = scan(b.bytes, true);
  ASSERT_TRUE(s.failure);
  EXPECT_FALSE(s.failure->torn);
  EXPECT_EQ(s.failure->offset, b.offsets[3]);
  EXPECT_NE(s.failure->reason.find("CRC mismatch"), std::string::npos);
}

TEST(SegmentScan, LostSectorBeforeLaterRecordsIsTorn) {
  // A power cut that persisted sectors of an unsynced write out of order: a zero-filled
  // sector, then records from the same write. Nothing after the hole was acknowledged.
  Built b = build(40, 100);  // 40 * 120 bytes = 4800 bytes
  std::string bytes = b.bytes;
  std::fill(bytes.begin() + 1024, bytes.begin() + 1536, '\0');
  const SegmentScan s = scan(bytes, true);
  ASSERT_TRUE(s.failure);
  EXPECT_TRUE(s.failure->torn);
  EXPECT_LE(s.failure->offset, 1024u);
}

TEST(SegmentScan, ZerosFromTheBadRecordToTheSectorEndAreTorn) {
  // The sector holding the start of an unsynced write kept its old contents (zeros past
  // the synced end) while the next sector was written.
  Built b = build(40, 100);
  std::string bytes = b.bytes;
  const uint64_t start = b.offsets[9];  // 1080: inside sector 2
  std::fill(bytes.begin() + static_cast<ptrdiff_t>(start), bytes.begin() + 1536, '\0');
  const SegmentScan s = scan(bytes, true);
  ASSERT_TRUE(s.failure);
  EXPECT_EQ(s.failure->offset, start);
  EXPECT_TRUE(s.failure->torn);
}

TEST(SegmentScan, OnlyTheLastSegmentPastItsHeadMayTear) {
  Built b = build(5, 100);
  const std::string bytes = b.bytes.substr(0, b.offsets[4] + 50);
  EXPECT_FALSE(scan(bytes, false).failure->torn);
  EXPECT_FALSE(scan(bytes, true, 5).failure->torn);
  EXPECT_TRUE(scan(bytes, true, 4).failure->torn);
}

TEST(SegmentScan, VisitorErrorStopsAtThatRecordAndIsNeverTorn) {
  Built b = build(5, 10);
  int seen = 0;
  const SegmentScan s = scan_segment(b.bytes, true, 0, [&seen](const Record&) -> Result<void> {
    if (++seen == 3) return Error{"bad payload"};
    return Ok{};
  });
  ASSERT_TRUE(s.failure);
  EXPECT_EQ(s.failure->offset, b.offsets[2]);
  EXPECT_EQ(s.failure->reason, "bad payload");
  EXPECT_FALSE(s.failure->torn);
}

}  // namespace
}  // namespace etcd::wal
