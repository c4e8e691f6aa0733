// libFuzzer target: the record decoder, the segment scanner with its torn-tail rule, the
// replay of record payloads (raft codec) and the snapshot file decoder, on arbitrary
// bytes. Must never crash, hang or read out of bounds; scan results must be consistent.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <spdlog/spdlog.h>

#include "etcd/wal/record.h"
#include "etcd/wal/replay.h"
#include "etcd/wal/segment_scan.h"
#include "etcd/wal/snapshotter.h"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

void decode_records(std::string_view bytes) {
  etcd::wal::RecordDecoder decoder(bytes);
  etcd::wal::Record record;
  uint64_t previous_end = 0;
  while (decoder.next(record) == etcd::wal::DecodeStatus::record) {
    check(record.offset == previous_end);
    check(record.offset % etcd::wal::kRecordAlignBytes == 0);
    check(record.offset + etcd::wal::record_bytes(record.payload.size()) == decoder.offset());
    check(decoder.offset() <= bytes.size());
    previous_end = decoder.offset();
  }
}

void scan_and_replay(std::string_view bytes, bool last) {
  etcd::wal::Replay replay(etcd::Index{0});
  replay.begin_segment(std::nullopt);
  const etcd::wal::SegmentScan scan = etcd::wal::scan_segment(
      bytes, last, 2, [&replay](const etcd::wal::Record& r) { return replay.add(r); });
  check(scan.end_offset <= bytes.size());
  if (scan.failure) {
    check(scan.failure->offset == scan.end_offset || !scan.failure->reason.empty());
    check(last || !scan.failure->torn);
  }
  const etcd::wal::Recovered& state = replay.state();
  for (size_t k = 1; k < state.entries.size(); ++k) {
    check(state.entries[k].index == state.entries[k - 1].index + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (spdlog::set_level(spdlog::level::off), true);
  (void)quiet;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  decode_records(bytes);
  scan_and_replay(bytes, false);
  scan_and_replay(bytes, true);
  (void)etcd::wal::Snapshotter::decode(bytes);
  return 0;
}
