// The body of POST /raft/snapshot (README.md "Snapshots"): a raft snapshot message sent
// without copying its data into an encoded buffer.
//
//   u32 meta_length | meta: raft::encode(Message) with snapshot->data emptied
//   u64 data_length | data: the snapshot data, streamed in chunks
//   32 bytes        | SHA-256 of every body byte before it
//
// These helpers build and check the small parts; the data itself is written and read in
// place by snapshot_sender.cc / snapshot_receiver.cc. Pure; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "etcd/common/result.h"
#include "etcd/raft/types.h"
#include "etcd/transport/sha256.h"

namespace etcd::transport::snapshot_body {

inline constexpr size_t kMetaLengthBytes = 4;
inline constexpr size_t kDataLengthBytes = 8;
inline constexpr size_t kMetaBytesMax = 16 << 20;  // conf state of a huge cluster still fits

// Moves the snapshot data out of `message` (a snapshot message) into `data` and returns
// the bytes that precede the data: meta length, meta, data length.
std::string split(raft::Message& message, std::string& data);

// The Content-Length of a body whose prefix is `prefix_bytes` long.
uint64_t total_bytes(uint64_t prefix_bytes, uint64_t data_bytes);

// Reads a little-endian length field of 4 or 8 bytes.
uint64_t read_length(std::string_view field);

// Decodes the meta part and puts `data` back in; checks it is a snapshot message.
Result<raft::Message> join(std::string_view meta, std::string data);

}  // namespace etcd::transport::snapshot_body
