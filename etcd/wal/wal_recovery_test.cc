// Recovery from damaged segment files: torn tails are repaired, everything else is
// refused with the file and byte offset. Includes the power-cut test (truncation at every
// byte offset of the final records, and a flipped byte in every earlier record).
#include <iostream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "etcd/raft/codec.h"
#include "etcd/wal/recovery.h"
#include "etcd/wal/test_util.h"
#include "etcd/wal/wal.h"

namespace etcd::wal {
namespace {

using testing::make_entries;
using testing::make_entry;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

constexpr uint64_t kSegmentBytes = 4096;
constexpr uint64_t kEntries = 120;

Options options() {
  Options o;
  o.segment_bytes = kSegmentBytes;
  return o;
}

struct RecordInfo {
  uint64_t offset;
  uint64_t payload_end;  // padding follows up to `end`
  uint64_t end;
  RecordType type;
  uint64_t entry_index;  // 0 unless an entry record
};

// A WAL of kEntries single-entry saves (entry i, then hard state commit = i) spread over
// several 4 KiB segments.
class DamagedWal : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.sub("wal");
    auto wal = Wal::create(dir_, {NodeId{1}, 1}, options());
    ASSERT_TRUE(wal.ok());
    for (uint64_t i = 1; i <= kEntries; ++i) {
      ASSERT_TRUE((*wal)->save({Term{1}, NodeId{1}, Index{i}}, {make_entry(i, 1)}, true).ok());
    }
    for (const SegmentName& s : (*wal)->segments())
      paths_.push_back(dir_ + "/" + s.file_name());
    ASSERT_GE(paths_.size(), 3u);
  }

  static std::vector<RecordInfo> records_of(const std::string& bytes) {
    std::vector<RecordInfo> out;
    RecordDecoder decoder(bytes);
    Record r;
    while (decoder.next(r) == DecodeStatus::record) {
      const uint64_t index =
          r.type == RecordType::entry ? raft::decode_entry(r.payload)->index.value : 0;
      out.push_back({r.offset, r.offset + kRecordHeaderBytes + r.payload.size(), decoder.offset(),
                     r.type, index});
    }
    return out;
  }

  // Entries in segments before the last one.
  uint64_t entries_before_last() const {
    uint64_t last = 0;
    for (size_t j = 0; j + 1 < paths_.size(); ++j) {
      for (const RecordInfo& r : records_of(read_bytes(paths_[j]))) {
        last = std::max(last, r.entry_index);
      }
    }
    return last;
  }

  Result<std::pair<std::unique_ptr<Wal>, Recovered>> open() {
    return Wal::open(dir_, Index{0}, options());
  }

  TempDir tmp_;
  std::string dir_;
  std::vector<std::string> paths_;
};

TEST_F(DamagedWal, RepairsAShortLastRecordAndAppendsAfterIt) {
  const std::string last = paths_.back();
  const std::string bytes = read_bytes(last);
  const std::vector<RecordInfo> records = records_of(bytes);
  const RecordInfo& final_entry = records[records.size() - 2];  // [entry 120][hard state]
  write_bytes(last, bytes.substr(0, final_entry.offset + 20));  // file ends mid-record
  testing::LogCapture log;
  {
    auto opened = open();
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened->second.entries, make_entries(1, kEntries - 1, 1));
    EXPECT_EQ(opened->second.hard_state.commit, Index{kEntries - 1});
    ASSERT_TRUE(opened->first->save({}, {make_entry(kEntries, 2)}, true).ok());
  }
  EXPECT_NE(log.text().find(fmt::format("warning: wal: torn tail in {} at offset {}", last,
                                        final_entry.offset)),
            std::string::npos)
      << log.text();
  EXPECT_GE(read_bytes(last).size(), kSegmentBytes) << "preallocated again";
  auto reopened = open();
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_EQ(reopened->second.entries.back(), make_entry(kEntries, 2));
}

TEST_F(DamagedWal, ZeroFilledFinalRecordIsATornTail) {
  std::string bytes = read_bytes(paths_.back());
  const std::vector<RecordInfo> records = records_of(bytes);
  const uint64_t from = records[records.size() - 2].offset + 24;
  std::fill(bytes.begin() + static_cast<ptrdiff_t>(from), bytes.end(), '\0');
  write_bytes(paths_.back(), bytes);
  auto opened = open();
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->second.entries, make_entries(1, kEntries - 1, 1));
}

TEST_F(DamagedWal, CrcMismatchInTheFinalRecordIsATornTail) {
  std::string bytes = read_bytes(paths_.back());
  const std::vector<RecordInfo> records = records_of(bytes);
  bytes[records.back().offset + 18] ^= 0x20;  // the final hard state record
  write_bytes(paths_.back(), bytes);
  auto opened = open();
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->second.entries, make_entries(1, kEntries, 1));
  EXPECT_EQ(opened->second.hard_state.commit, Index{kEntries - 1});
}

TEST_F(DamagedWal, RefusesCorruptionInAnEarlierSegmentWithFileAndOffset) {
  std::string bytes = read_bytes(paths_[1]);
  const RecordInfo r = records_of(bytes)[5];
  bytes[r.offset + 30] ^= 0x01;
  write_bytes(paths_[1], bytes);
  auto opened = open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, kErrCorrupt);
  EXPECT_EQ(opened.error().message.rfind(
                fmt::format("wal: corrupt record in {} at offset {}: ", paths_[1], r.offset), 0),
            0u)
      << opened.error().message;
  EXPECT_EQ(read_bytes(paths_[1]), bytes) << "a refused open changes nothing";
}

TEST_F(DamagedWal, RefusesABadRecordFollowedByAGoodOneInTheLastSegment) {
  const std::string original = read_bytes(paths_.back());
  std::string bytes = original;
  const std::vector<RecordInfo> records = records_of(bytes);
  bytes[records[records.size() - 3].offset + 20] ^= 0x01;
  write_bytes(paths_.back(), bytes);
  auto opened = open();
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find(
                fmt::format("{} at offset {}", paths_.back(), records[records.size() - 3].offset)),
            std::string::npos)
      << opened.error().message;
  EXPECT_EQ(read_bytes(paths_.back()), bytes);
}

TEST_F(DamagedWal, RefusesAMissingSegment) {
  ASSERT_EQ(::unlink(paths_[2].c_str()), 0);
  auto opened = open();
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("a segment file is missing or duplicated"),
            std::string::npos)
      << opened.error().message;
}

TEST_F(DamagedWal, IgnoresAGapAmongSegmentsItDoesNotNeed) {
  // A purge cut short by a power loss: an older segment survived, a newer one did not.
  ASSERT_EQ(::unlink(paths_[1].c_str()), 0);
  const SegmentName third = *SegmentName::parse(paths_[2].substr(paths_[2].rfind('/') + 1));
  auto opened = Wal::open(dir_, third.first_index, options());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->second.entries.back().index, Index{kEntries});
}

TEST_F(DamagedWal, RefusesABrokenChainBetweenSegments) {
  // Re-encode segment 2 as a self-consistent chain that starts from the wrong value, as
  // if it had been copied from another log.
  const std::string original = read_bytes(paths_[2]);
  RecordDecoder decoder(original);
  Record r;
  std::string forged;
  uint32_t crc = 0xDEADBEEF;
  while (decoder.next(r) == DecodeStatus::record) {
    const std::string payload =
        r.type == RecordType::crc ? crc_payload(crc) : std::string(r.payload);
    crc = append_record(forged, r.type, payload, crc);
  }
  forged.resize(original.size(), '\0');
  write_bytes(paths_[2], forged);
  auto opened = open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, kErrCorrupt);
  EXPECT_NE(opened.error().message.find(fmt::format("{} at offset 0: crc chain broken", paths_[2])),
            std::string::npos)
      << opened.error().message;
}

// Power cut: the last segment ends at every byte offset across its final records, either
// short (file truncated) or zero-filled (preallocated space never written). Open must
// repair it and lose only entries whose records were cut.
TEST_F(DamagedWal, PowerCutAtEveryOffsetOfTheFinalRecordsLosesOnlyTheCutTail) {
  const std::string original = read_bytes(paths_.back());
  const std::vector<RecordInfo> records = records_of(original);
  ASSERT_GE(records.size(), 6u);
  const uint64_t before_last = entries_before_last();
  uint64_t checked = 0;
  for (uint64_t cut = records[records.size() - 4].offset; cut <= records.back().end; ++cut) {
    for (bool zero_fill : {false, true}) {
      // A zero-filled cut inside a record's padding leaves that record whole.
      uint64_t expected = before_last;
      for (const RecordInfo& r : records) {
        if ((zero_fill ? r.payload_end : r.end) <= cut && r.entry_index > 0) {
          expected = r.entry_index;
        }
      }
      std::string damaged = original.substr(0, cut);
      if (zero_fill) damaged.resize(original.size(), '\0');
      write_bytes(paths_.back(), damaged);
      testing::LogCapture quiet;
      auto opened = open();
      ASSERT_TRUE(opened.ok()) << "cut at " << cut << ": " << opened.error().message;
      ASSERT_EQ(opened->second.entries.size(), expected) << "cut at " << cut;
      ASSERT_EQ(opened->second.entries, make_entries(1, expected, 1)) << "cut at " << cut;
      ++checked;
    }
  }
  EXPECT_GT(checked, 300u);
  std::cout << checked << " power cuts repaired\n";
}

// Bit rot: one flipped byte in the middle of any record that is not the very last one is
// refused, naming the file and the record's offset. Every byte of two chosen records is
// flipped too (header fields, payload, padding).
TEST_F(DamagedWal, FlippedByteInAnyEarlierRecordIsRefusedWithFileAndOffset) {
  uint64_t checked = 0;
  for (size_t j = 0; j < paths_.size(); ++j) {
    const std::string original = read_bytes(paths_[j]);
    const std::vector<RecordInfo> records = records_of(original);
    const bool last_segment = j + 1 == paths_.size();
    for (size_t k = 0; k + (last_segment ? 1 : 0) < records.size(); ++k) {
      const RecordInfo& r = records[k];
      const bool every_byte = (k == 3 && (j == 1 || last_segment));
      for (uint64_t at = every_byte ? r.offset : (r.offset + r.end) / 2;
           at < (every_byte ? r.end : (r.offset + r.end) / 2 + 1); ++at) {
        std::string damaged = original;
        damaged[at] = static_cast<char>(~damaged[at]);
        write_bytes(paths_[j], damaged);
        auto opened = open();
        ASSERT_FALSE(opened.ok()) << paths_[j] << " byte " << at;
        ASSERT_NE(
            opened.error().message.find(fmt::format("{} at offset {}: ", paths_[j], r.offset)),
            std::string::npos)
            << "byte " << at << ": " << opened.error().message;
        ++checked;
      }
    }
    write_bytes(paths_[j], original);
  }
  EXPECT_GT(checked, 200u);
  std::cout << checked << " flipped bytes refused with file + offset\n";
  EXPECT_TRUE(open().ok());
}

TEST(Recovery, ListsSegmentsBySequenceIgnoringOtherFiles) {
  TempDir tmp;
  for (const char* name : {"0000000000000001-0000000000000009.wal", "junk.wal",
                           "0000000000000000-0000000000000000.wal", "x.wal.tmp"}) {
    write_bytes(tmp.sub(name), "");
  }
  auto segments = list_segments(tmp.path());
  ASSERT_TRUE(segments.ok());
  ASSERT_EQ(segments->size(), 2u);
  EXPECT_EQ((*segments)[0], (SegmentName{0, Index{0}}));
  EXPECT_EQ((*segments)[1], (SegmentName{1, Index{9}}));
}

}  // namespace
}  // namespace etcd::wal
