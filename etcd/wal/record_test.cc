#include "etcd/wal/record.h"

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "etcd/wal/crc32c.h"

namespace etcd::wal {
namespace {

std::string payload_of(size_t size, char fill = 'p') {
  return std::string(size, fill);
}

std::vector<Record> decode_all(std::string_view bytes, DecodeStatus& last) {
  RecordDecoder decoder(bytes);
  std::vector<Record> out;
  Record record;
  while ((last = decoder.next(record)) == DecodeStatus::record)
    out.push_back(record);
  return out;
}

void put_u32(std::string& bytes, size_t at, uint32_t v) {
  std::memcpy(&bytes[at], &v, 4);
}

// Re-seals the header check after a test edits header bytes on purpose.
void reseal_header(std::string& bytes, size_t at) {
  put_u32(bytes, at + 12, crc32c_extend(0, bytes.data() + at, 12));
}

TEST(Record, RoundTripsAlignedRecordsOfEverySize) {
  std::string bytes;
  uint32_t crc = 0;
  for (size_t size = 1; size <= 40; ++size) {
    ASSERT_EQ(bytes.size() % kRecordAlignBytes, 0u);
    crc = append_record(bytes, RecordType::entry, payload_of(size, char('a' + size % 26)), crc);
  }
  DecodeStatus last{};
  const std::vector<Record> records = decode_all(bytes, last);
  EXPECT_EQ(last, DecodeStatus::end);
  ASSERT_EQ(records.size(), 40u);
  uint64_t offset = 0;
  for (size_t k = 0; k < records.size(); ++k) {
    EXPECT_EQ(records[k].offset, offset);
    EXPECT_EQ(records[k].payload, payload_of(k + 1, char('a' + (k + 1) % 26)));
    offset += record_bytes(k + 1);
  }
  EXPECT_EQ(records.back().crc, crc);
}

TEST(Record, LayoutMatchesTheReadme) {
  std::string bytes;
  const uint32_t crc = append_record(bytes, RecordType::hard_state, "abc", 0x12345678);
  ASSERT_EQ(bytes.size(), 24u);  // 16-byte header + 3 payload + 5 padding
  uint32_t length = 0, stored = 0, check = 0;
  std::memcpy(&length, &bytes[0], 4);
  std::memcpy(&stored, &bytes[4], 4);
  std::memcpy(&check, &bytes[12], 4);
  EXPECT_EQ(length, 3u);
  EXPECT_EQ(stored, crc);
  EXPECT_EQ(bytes[8], static_cast<char>(RecordType::hard_state));
  EXPECT_EQ(bytes.substr(9, 3), std::string(3, '\0'));
  EXPECT_EQ(check, crc32c(bytes.substr(0, 12)));
  EXPECT_EQ(bytes.substr(16, 3), "abc");
  EXPECT_EQ(bytes.substr(19), std::string(5, '\0'));
  // The chained crc covers length, type + reserved, then payload, seeded by the previous.
  const std::string covered = bytes.substr(0, 4) + bytes.substr(8, 4) + "abc";
  EXPECT_EQ(crc, crc32c_extend(0x12345678, covered));
}

TEST(Record, ChainsEachCrcFromThePreviousRecord) {
  std::string first, second;
  const uint32_t crc_a = append_record(first, RecordType::entry, "A", 0);
  append_record(first, RecordType::entry, "B", crc_a);
  // A different first record, valid on its own, breaks the chain of the unchanged second.
  append_record(second, RecordType::entry, "X", 0);
  const std::string spliced = second + first.substr(second.size());
  RecordDecoder decoder(spliced);
  Record record;
  EXPECT_EQ(decoder.next(record), DecodeStatus::record);
  EXPECT_EQ(decoder.next(record), DecodeStatus::bad);
  EXPECT_EQ(decoder.failure_offset(), second.size());
  EXPECT_NE(decoder.failure_reason().find("CRC mismatch"), std::string::npos);
}

TEST(Record, CrcRecordStartsAChainFromTheValueItCarries) {
  std::string bytes;
  uint32_t crc = append_record(bytes, RecordType::crc, crc_payload(0xCAFEF00D), 0xCAFEF00D);
  crc = append_record(bytes, RecordType::metadata, "m", crc);
  DecodeStatus last{};
  const std::vector<Record> records = decode_all(bytes, last);
  EXPECT_EQ(last, DecodeStatus::end);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].crc, crc);
}

TEST(Record, ZerosAfterTheLastRecordAreACleanEnd) {
  std::string bytes;
  append_record(bytes, RecordType::entry, "x", 0);
  const size_t used = bytes.size();
  bytes.append(4096, '\0');
  RecordDecoder decoder(bytes);
  Record record;
  EXPECT_EQ(decoder.next(record), DecodeStatus::record);
  EXPECT_EQ(decoder.next(record), DecodeStatus::end);
  EXPECT_EQ(decoder.offset(), used);
}

struct Damage {
  const char* name;
  void (*apply)(std::string& bytes, size_t at);  // `at` = offset of the second record
  const char* reason;
};

TEST(Record, ReportsEachKindOfDamageAtTheRecordOffset) {
  const Damage damages[] = {
      {"truncated header", [](std::string& b, size_t at) { b.resize(at + 7); },
       "truncated record header"},
      {"zero header, data after",
       [](std::string& b, size_t at) { std::memset(&b[at], 0, kRecordHeaderBytes); },
       "zero header followed by non-zero bytes"},
      {"header bit flip", [](std::string& b, size_t at) { b[at] ^= 0x10; },
       "header checksum mismatch"},
      {"zero length", [](std::string& b, size_t at) { put_u32(b, at, 0), reseal_header(b, at); },
       "invalid record length 0"},
      {"past the end",
       [](std::string& b, size_t at) { put_u32(b, at, 4000), reseal_header(b, at); },
       "runs past the end"},
      {"unknown type", [](std::string& b, size_t at) { b[at + 8] = 9, reseal_header(b, at); },
       "unknown record type 9"},
      {"reserved byte", [](std::string& b, size_t at) { b[at + 10] = 1, reseal_header(b, at); },
       "non-zero reserved header bytes"},
      {"padding byte", [](std::string& b, size_t at) { b[at + 16 + 3] = 1; },
       "non-zero record padding"},
      {"payload bit flip", [](std::string& b, size_t at) { b[at + 17] ^= 0x01; }, "CRC mismatch"},
  };
  for (const Damage& damage : damages) {
    std::string bytes;
    uint32_t crc = append_record(bytes, RecordType::entry, "first", 0);
    const size_t at = bytes.size();
    crc = append_record(bytes, RecordType::entry, "abc", crc);
    append_record(bytes, RecordType::entry, "third", crc);
    damage.apply(bytes, at);
    RecordDecoder decoder(bytes);
    Record record;
    EXPECT_EQ(decoder.next(record), DecodeStatus::record) << damage.name;
    EXPECT_EQ(decoder.next(record), DecodeStatus::bad) << damage.name;
    EXPECT_EQ(decoder.failure_offset(), at) << damage.name;
    EXPECT_NE(decoder.failure_reason().find(damage.reason), std::string::npos)
        << damage.name << ": " << decoder.failure_reason();
    EXPECT_EQ(decoder.next(record), DecodeStatus::bad) << "stays failed: " << damage.name;
  }
}

TEST(Record, HeaderIntactAtFindsOnlyWholeRecords) {
  std::string bytes;
  const uint32_t crc = append_record(bytes, RecordType::entry, "first", 0);
  const size_t second = bytes.size();
  append_record(bytes, RecordType::entry, payload_of(100), crc);
  EXPECT_TRUE(header_intact_at(bytes, 0));
  EXPECT_TRUE(header_intact_at(bytes, second));
  EXPECT_FALSE(header_intact_at(bytes, 8));
  EXPECT_FALSE(header_intact_at(bytes, bytes.size()));
  EXPECT_FALSE(header_intact_at(std::string_view(bytes).substr(0, bytes.size() - 8), second));
}

}  // namespace
}  // namespace etcd::wal
