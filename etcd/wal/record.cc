#include "etcd/wal/record.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "etcd/common/assert.h"
#include "etcd/wal/crc32c.h"

namespace etcd::wal {
namespace {

// Header field offsets; see record.h and README.md.
constexpr size_t kLengthAt = 0;
constexpr size_t kCrcAt = 4;
constexpr size_t kTypeAt = 8;
constexpr size_t kHeaderCheckAt = 12;

uint32_t load_u32(const char* p) {
  uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void store_u32(char* p, uint32_t v) {
  std::memcpy(p, &v, sizeof v);
}

bool all_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

// The chained crc covers length, type + reserved bytes, then the payload.
uint32_t chained_crc(uint32_t prev_crc, const char* header, std::string_view payload) {
  uint32_t crc = crc32c_extend(prev_crc, header + kLengthAt, 4);
  crc = crc32c_extend(crc, header + kTypeAt, 4);
  return crc32c_extend(crc, payload);
}

}  // namespace

bool is_valid_record_type(uint8_t type) {
  return type >= static_cast<uint8_t>(RecordType::metadata) &&
         type <= static_cast<uint8_t>(RecordType::crc);
}

const char* to_string(RecordType type) {
  switch (type) {
    case RecordType::metadata:
      return "metadata";
    case RecordType::entry:
      return "entry";
    case RecordType::hard_state:
      return "hard_state";
    case RecordType::snapshot_marker:
      return "snapshot_marker";
    case RecordType::crc:
      return "crc";
  }
  return "unknown";
}

size_t begin_record(std::string& out) {
  const size_t start = out.size();
  ETCD_ASSERT(start % kRecordAlignBytes == 0, "records start 8-byte aligned");
  out.append(kRecordHeaderBytes, '\0');
  return start;
}

uint32_t finish_record(std::string& out, size_t start, RecordType type, uint32_t prev_crc) {
  const size_t payload_bytes = out.size() - start - kRecordHeaderBytes;
  ETCD_ASSERT(payload_bytes > 0 && payload_bytes <= kRecordPayloadBytesMax,
              "record payload must be 1..kRecordPayloadBytesMax bytes");
  char* header = out.data() + start;
  store_u32(header + kLengthAt, static_cast<uint32_t>(payload_bytes));
  header[kTypeAt] = static_cast<char>(type);
  const std::string_view payload(out.data() + start + kRecordHeaderBytes, payload_bytes);
  const uint32_t crc = chained_crc(prev_crc, header, payload);
  store_u32(header + kCrcAt, crc);
  store_u32(header + kHeaderCheckAt, crc32c_extend(0, header, kHeaderCheckAt));
  out.resize(start + record_bytes(payload_bytes), '\0');
  return crc;
}

uint32_t append_record(std::string& out, RecordType type, std::string_view payload,
                       uint32_t prev_crc) {
  const size_t start = begin_record(out);
  out.append(payload);
  return finish_record(out, start, type, prev_crc);
}

std::string crc_payload(uint32_t prev_crc) {
  std::string out(4, '\0');
  store_u32(out.data(), prev_crc);
  return out;
}

bool RecordDecoder::header_check_ok(uint64_t at) const {
  const char* header = bytes_.data() + at;
  return load_u32(header + kHeaderCheckAt) == crc32c_extend(0, header, kHeaderCheckAt);
}

bool header_intact_at(std::string_view bytes, uint64_t at) {
  if (at > bytes.size() || bytes.size() - at < kRecordHeaderBytes) return false;
  const char* header = bytes.data() + at;
  const uint32_t length = load_u32(header + kLengthAt);
  if (length == 0 || length > kRecordPayloadBytesMax) return false;  // cheap test first
  if (load_u32(header + kHeaderCheckAt) != crc32c_extend(0, header, kHeaderCheckAt)) {
    return false;
  }
  if (!is_valid_record_type(static_cast<uint8_t>(header[kTypeAt]))) return false;
  if (header[kTypeAt + 1] != 0 || header[kTypeAt + 2] != 0 || header[kTypeAt + 3] != 0) {
    return false;
  }
  return record_bytes(length) <= bytes.size() - at;
}

DecodeStatus RecordDecoder::fail(std::string reason) {
  failed_ = true;
  reason_ = std::move(reason);
  return DecodeStatus::bad;
}

DecodeStatus RecordDecoder::check_header(std::string_view rest, uint64_t& size) {
  const char* header = rest.data();
  if (!header_check_ok(offset_)) return fail("record header checksum mismatch");
  const uint32_t length = load_u32(header + kLengthAt);
  if (length == 0 || length > kRecordPayloadBytesMax) {
    return fail(fmt::format("invalid record length {}", length));
  }
  size = record_bytes(length);
  if (size > rest.size()) {
    return fail(
        fmt::format("record of {} bytes runs past the end ({} bytes left)", size, rest.size()));
  }
  header_intact_ = true;  // from here on the length is trustworthy
  failed_bytes_ = size;
  if (!is_valid_record_type(static_cast<uint8_t>(header[kTypeAt]))) {
    return fail(fmt::format("unknown record type {}", static_cast<uint8_t>(header[kTypeAt])));
  }
  if (!all_zero(rest.substr(kTypeAt + 1, 3))) return fail("non-zero reserved header bytes");
  if (!all_zero(rest.substr(kRecordHeaderBytes + length, size - kRecordHeaderBytes - length))) {
    return fail("non-zero record padding");
  }
  return DecodeStatus::record;
}

DecodeStatus RecordDecoder::next(Record& out) {
  if (failed_) return DecodeStatus::bad;
  header_intact_ = false;
  const std::string_view rest = bytes_.substr(offset_);
  if (rest.size() < kRecordHeaderBytes || all_zero(rest.substr(0, kRecordHeaderBytes))) {
    if (all_zero(rest)) return DecodeStatus::end;
    return fail(rest.size() < kRecordHeaderBytes ? "truncated record header"
                                                 : "zero header followed by non-zero bytes");
  }
  uint64_t size = 0;
  if (const DecodeStatus checked = check_header(rest, size); checked != DecodeStatus::record) {
    return checked;
  }
  const char* header = rest.data();
  const auto type = static_cast<RecordType>(header[kTypeAt]);
  const std::string_view payload = rest.substr(kRecordHeaderBytes, load_u32(header + kLengthAt));
  // A crc record starts a chain: it is seeded with the value it carries.
  uint32_t seed = crc_;
  if (type == RecordType::crc) {
    if (payload.size() != 4) return fail("malformed crc record");
    seed = load_u32(payload.data());
  }
  const uint32_t stored = load_u32(header + kCrcAt);
  const uint32_t computed = chained_crc(seed, header, payload);
  if (stored != computed) {
    return fail(fmt::format("CRC mismatch (stored {:08x}, computed {:08x})", stored, computed));
  }
  out = Record{type, payload, offset_, stored};
  crc_ = stored;
  offset_ += size;
  return DecodeStatus::record;
}

}  // namespace etcd::wal
