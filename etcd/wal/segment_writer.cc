#include "etcd/wal/segment_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include "etcd/raft/codec.h"
#include "etcd/wal/replay.h"

namespace etcd::wal {
namespace {

// Returns the head's bytes; `crc` receives the chained crc of its last record.
std::string encode_head(const SegmentHead& head, uint32_t& crc) {
  std::string out;
  crc = append_record(out, RecordType::crc, crc_payload(head.prev_crc), head.prev_crc);
  crc = append_record(out, RecordType::metadata, encode_identity(head.identity), crc);
  if (!head.hard_state.empty()) {
    crc = append_record(out, RecordType::hard_state, raft::encode(head.hard_state), crc);
  }
  if (head.marker) {
    const raft::SnapshotMetadata metadata{head.marker->index, head.marker->term, {}};
    crc = append_record(out, RecordType::snapshot_marker, raft::encode(metadata), crc);
  }
  return out;
}

}  // namespace

SegmentWriter::SegmentWriter(std::string path, SegmentName name, FileDescriptor fd, uint64_t offset,
                             uint32_t crc, bool has_body, uint64_t segment_bytes)
    : path_(std::move(path)),
      name_(name),
      fd_(std::move(fd)),
      offset_(offset),
      crc_(crc),
      has_body_(has_body),
      segment_bytes_(segment_bytes) {}

Result<SegmentWriter> SegmentWriter::create(const std::string& dir, const SegmentName& name,
                                            const SegmentHead& head, uint64_t segment_bytes) {
  const std::string path = join_path(dir, name.file_name());
  const std::string temp = path + std::string(kTempSuffix);
  ::unlink(temp.c_str());  // a leftover from a crash during an earlier attempt
  Result<FileDescriptor> fd = open_file(temp, O_WRONLY | O_CREAT | O_EXCL);
  if (!fd) return fd.error();
  Result<void> done = preallocate(fd->get(), temp, segment_bytes);
  uint32_t crc = 0;
  const std::string bytes = encode_head(head, crc);
  if (done) done = write_at(fd->get(), temp, bytes, 0);
  if (done) done = sync_data(fd->get(), temp);
  // The head is durable before the name exists, so a segment never lacks its head.
  if (done) done = rename_durably(temp, path);
  if (!done) return done.error();
  return SegmentWriter(path, name, std::move(*fd), bytes.size(), crc, false, segment_bytes);
}

Result<SegmentWriter> SegmentWriter::resume(const std::string& dir, const SegmentName& name,
                                            uint64_t end_offset, uint32_t crc, bool has_body,
                                            uint64_t segment_bytes) {
  const std::string path = join_path(dir, name.file_name());
  Result<FileDescriptor> fd = open_file(path, O_WRONLY);
  if (!fd) return fd.error();
  return SegmentWriter(path, name, std::move(*fd), end_offset, crc, has_body, segment_bytes);
}

bool SegmentWriter::fits(uint64_t payload_bytes) const {
  return !has_body_ || end_offset() + record_bytes(payload_bytes) <= segment_bytes_;
}

void SegmentWriter::append(RecordType type, std::string_view payload) {
  crc_ = append_record(buffer_, type, payload, crc_);
  has_body_ = true;
}

Result<void> SegmentWriter::flush() {
  if (buffer_.empty()) return Ok{};
  Result<void> written = write_at(fd_.get(), path_, buffer_, offset_);
  if (!written) return written;
  offset_ += buffer_.size();
  buffer_.clear();
  return Ok{};
}

Result<void> SegmentWriter::sync() {
  return sync_data(fd_.get(), path_);
}

}  // namespace etcd::wal
