#include "etcd/wal/snapshotter.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include <algorithm>
#include <cstring>
#include <tuple>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "etcd/common/bytes.h"
#include "etcd/raft/codec.h"
#include "etcd/wal/crc32c.h"
#include "etcd/wal/file_io.h"
#include "etcd/wal/segment_name.h"
#include "etcd/wal/types.h"

namespace etcd::wal {
namespace {

constexpr uint8_t kSnapshotVersion = 1;
constexpr size_t kCrcBytes = 4;

// Everything between the crc and the data: [u8 version][u32 metadata length][metadata]
// [u64 data length].
std::string encode_preamble(const raft::Snapshot& snapshot) {
  std::string out;
  ByteWriter w(out);
  w.u8(kSnapshotVersion);
  w.bytes(raft::encode(snapshot.metadata));
  w.u64(snapshot.data.size());
  return out;
}

std::string encode_crc(const std::string& preamble, std::string_view data) {
  std::string out;
  ByteWriter(out).u32(crc32c_extend(crc32c(preamble), data));
  return out;
}

bool dir_exists(const std::string& dir) {
  struct stat st {};
  return ::stat(dir.c_str(), &st) == 0 || errno != ENOENT;  // other errors: let listing report
}

struct SnapName {
  Term term;
  Index index;
};

std::optional<SnapName> parse_name(std::string_view name) {
  if (!name.ends_with(kSnapshotSuffix)) return std::nullopt;
  // Reuse the segment parser: same "%016x-%016x" shape, different suffix.
  std::string as_segment(name.substr(0, name.size() - kSnapshotSuffix.size()));
  as_segment += kSegmentSuffix;
  const std::optional<SegmentName> parsed = SegmentName::parse(as_segment);
  if (!parsed) return std::nullopt;
  return SnapName{Term{parsed->seq}, parsed->first_index};
}

}  // namespace

std::string Snapshotter::file_name(Term term, Index index) {
  return fmt::format("{:016x}-{:016x}{}", term.value, index.value, kSnapshotSuffix);
}

std::string Snapshotter::encode(const raft::Snapshot& snapshot) {
  const std::string preamble = encode_preamble(snapshot);
  return encode_crc(preamble, snapshot.data) + preamble + snapshot.data;
}

Result<raft::Snapshot> Snapshotter::decode(std::string_view bytes) {
  if (bytes.size() < kCrcBytes) return Error{"snapshot file too short"};
  uint32_t stored = 0;
  std::memcpy(&stored, bytes.data(), sizeof stored);
  const std::string_view body = bytes.substr(kCrcBytes);
  if (crc32c(body) != stored) return Error{"snapshot checksum mismatch"};
  ByteReader r(body);
  uint8_t version = 0;
  std::string metadata;
  uint64_t data_bytes = 0;
  if (!r.u8(version) || version != kSnapshotVersion || !r.bytes(metadata) || !r.u64(data_bytes) ||
      data_bytes != body.size() - r.position()) {
    return Error{"malformed snapshot file"};
  }
  Result<raft::SnapshotMetadata> decoded = raft::decode_snapshot_metadata(metadata);
  if (!decoded) return Error{"malformed snapshot metadata"};
  return raft::Snapshot{*decoded, std::string(body.substr(r.position()))};
}

Result<void> Snapshotter::save(const raft::Snapshot& snapshot) const {
  if (Result<void> made = make_dirs(dir_, 0700); !made) return made;
  const std::string path =
      join_path(dir_, file_name(snapshot.metadata.term, snapshot.metadata.index));
  const std::string temp = path + std::string(kTempSuffix);
  Result<FileDescriptor> fd = open_file(temp, O_WRONLY | O_CREAT | O_TRUNC);
  if (!fd) return fd.error();
  const std::string preamble = encode_preamble(snapshot);
  const std::string head = encode_crc(preamble, snapshot.data) + preamble;
  Result<void> done = write_at(fd->get(), temp, head, 0);
  if (done) done = write_at(fd->get(), temp, snapshot.data, head.size());
  if (done) done = sync_data(fd->get(), temp);
  if (done) done = rename_durably(temp, path);
  return done;
}

Result<std::vector<std::string>> Snapshotter::list() const {
  if (!dir_exists(dir_)) return std::vector<std::string>{};
  Result<std::vector<std::string>> names = list_dir(dir_);
  if (!names) return names.error();
  std::vector<std::pair<SnapName, std::string>> snaps;
  for (const std::string& name : *names) {
    if (std::optional<SnapName> parsed = parse_name(name)) snaps.emplace_back(*parsed, name);
  }
  std::sort(snaps.begin(), snaps.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.index, a.first.term) < std::tie(b.first.index, b.first.term);
  });
  std::vector<std::string> out;
  for (auto& snap : snaps)
    out.push_back(std::move(snap.second));
  return out;
}

Result<std::optional<raft::Snapshot>> Snapshotter::load_newest() const {
  Result<std::vector<std::string>> names = list();
  if (!names) return names.error();
  for (auto it = names->rbegin(); it != names->rend(); ++it) {
    const std::string path = join_path(dir_, *it);
    Result<std::string> bytes = read_file(path);
    if (!bytes) return bytes.error();
    Result<raft::Snapshot> snapshot = decode(*bytes);
    if (snapshot) return std::optional<raft::Snapshot>(std::move(*snapshot));
    spdlog::warn(
        "wal: snapshot {} is unreadable ({}); renaming it to {}{} and trying an "
        "older one",
        path, snapshot.error().message, *it, kBrokenSuffix);
    Result<void> renamed = rename_durably(path, path + std::string(kBrokenSuffix));
    if (!renamed) return renamed.error();
  }
  return std::optional<raft::Snapshot>();
}

Result<size_t> Snapshotter::purge(uint32_t max_snapshots) const {
  if (!dir_exists(dir_)) return size_t{0};
  Result<std::vector<std::string>> snaps = list();
  if (!snaps) return snaps.error();
  Result<std::vector<std::string>> all = list_dir(dir_);
  if (!all) return all.error();
  std::vector<std::string> doomed;
  for (const std::string& name : *all) {
    if (name.ends_with(std::string(kSnapshotSuffix) + std::string(kTempSuffix))) {
      doomed.push_back(name);
    }
  }
  size_t deleted = 0;
  if (max_snapshots > 0 && snaps->size() > max_snapshots) {
    deleted = snaps->size() - max_snapshots;
    doomed.insert(doomed.end(), snaps->begin(), snaps->begin() + static_cast<ptrdiff_t>(deleted));
  }
  for (const std::string& name : doomed) {
    if (Result<void> gone = remove_file(join_path(dir_, name)); !gone) return gone.error();
    spdlog::info("wal: purged snapshot file {}", join_path(dir_, name));
  }
  if (!doomed.empty()) {
    if (Result<void> synced = sync_dir(dir_); !synced) return synced.error();
  }
  return deleted;
}

}  // namespace etcd::wal
