// Writes the committed seed corpus of the WAL fuzzers (etcd/wal/fuzz/corpus/): real
// segment files and record streams made by the production code, intact and damaged.
// Run by hand after a format change:
//   ninja -C build wal_fuzz_corpus && build/etcd/wal/wal_fuzz_corpus etcd/wal/fuzz/corpus
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <spdlog/spdlog.h>

#include "etcd/raft/codec.h"
#include "etcd/wal/record.h"
#include "etcd/wal/replay.h"
#include "etcd/wal/snapshotter.h"
#include "etcd/wal/wal.h"

namespace {

using namespace etcd;
using namespace etcd::wal;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void must(const Result<void>& r) {
  if (!r) {
    std::fprintf(stderr, "wal_fuzz_corpus: %s\n", r.error().message.c_str());
    std::exit(1);
  }
}

// Where the records of a segment end (before its zero-filled preallocation).
size_t data_end(const std::string& bytes) {
  RecordDecoder decoder(bytes);
  Record record;
  while (decoder.next(record) == DecodeStatus::record) {
  }
  return decoder.offset();
}

raft::Entry entry(uint64_t index, uint64_t term) {
  return {Term{term}, Index{index}, raft::EntryType::normal, "value-" + std::to_string(index)};
}

// A one-segment WAL with a few saves, an overwrite and a marker; returns its bytes with
// the zero-filled preallocation trimmed to `keep_zero_bytes`.
std::string sample_segment(const std::string& scratch, uint64_t keep_zero_bytes) {
  std::filesystem::remove_all(scratch);
  Options o;
  o.segment_bytes = 4096;
  auto wal = Wal::create(scratch, {NodeId{1}, 2}, o);
  if (!wal) std::abort();
  must((*wal)->save({Term{1}, NodeId{1}, Index{0}}, {entry(1, 1), entry(2, 1), entry(3, 1)}, true));
  must((*wal)->save({Term{2}, NodeId{2}, Index{2}}, {entry(3, 2), entry(4, 2)}, true));
  must((*wal)->save_snapshot_marker({Index{2}, Term{1}}));
  must((*wal)->save({Term{2}, NodeId{2}, Index{4}}, {entry(5, 2)}, false));
  const std::string bytes = read_all(scratch + "/0000000000000000-0000000000000000.wal");
  return bytes.substr(0, std::min(bytes.size(), data_end(bytes) + keep_zero_bytes));
}

void write_open_corpus(const std::string& out, const std::string& scratch) {
  const std::string full = sample_segment(scratch, 64);
  write_all(out + "/open/segment", full);
  write_all(out + "/open/segment-preallocated", sample_segment(scratch, 4096));
  write_all(out + "/open/segment-torn", full.substr(0, full.size() - 64 - 30));
  std::string flipped = full;
  flipped[flipped.size() / 2] ^= 0x08;
  write_all(out + "/open/segment-flipped", flipped);
  std::filesystem::remove_all(scratch);
  auto fresh = Wal::create(scratch, {NodeId{9}, 9}, Options{});
  if (!fresh) std::abort();
  const std::string head = read_all(scratch + "/0000000000000000-0000000000000000.wal");
  write_all(out + "/open/segment-head-only", head.substr(0, data_end(head)));
}

void write_record_corpus(const std::string& out) {
  std::string stream;
  uint32_t crc = append_record(stream, RecordType::crc, crc_payload(7), 7);
  crc = append_record(stream, RecordType::metadata, encode_identity({NodeId{1}, 2}), crc);
  crc = append_record(stream, RecordType::entry, raft::encode(entry(1, 1)), crc);
  crc = append_record(stream, RecordType::hard_state,
                      raft::encode(raft::HardState{Term{1}, NodeId{1}, Index{1}}), crc);
  append_record(stream, RecordType::snapshot_marker,
                raft::encode(raft::SnapshotMetadata{Index{1}, Term{1}, {}}), crc);
  write_all(out + "/record/stream", stream);
  write_all(out + "/record/stream-torn",
            stream.substr(0, stream.size() - 5) + std::string(40, '\0'));
  write_all(out + "/record/snapshot",
            Snapshotter::encode({{Index{3}, Term{1}, {{NodeId{1}}, {}}}, "db-bytes"}));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
    return 2;
  }
  spdlog::set_level(spdlog::level::off);
  const std::string out = argv[1];
  std::filesystem::create_directories(out + "/open");
  std::filesystem::create_directories(out + "/record");
  const std::string scratch =
      std::filesystem::temp_directory_path() / ("wal_corpus." + std::to_string(::getpid()));
  write_open_corpus(out, scratch);
  write_record_corpus(out);
  std::filesystem::remove_all(scratch);
  std::printf("wrote seed corpus under %s\n", out.c_str());
  return 0;
}
