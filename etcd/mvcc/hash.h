// The keyspace hash behind HashKV: members that applied the same entries hold the same
// history, so equal hashes at one revision (an etcd corruption check's premise).
//
// Definition (version 1): 64-bit FNV-1a over, for each stored revision in (main, sub)
// order: u64 main, u64 sub, u8 tombstone, u64 create_revision, u64 version, u64 lease
// (all little-endian), then u32 length + bytes of the key and of the value; the result is
// folded to 32 bits (high xor low), HashKVResponse's width. It is not etcd's value (etcd
// hashes its bbolt encoding), only a deterministic function of our history.
#pragma once

#include <cstdint>
#include <string_view>

#include "etcd/mvcc/revision_table.h"

namespace etcd::mvcc {

class KeyspaceHash {
 public:
  void add(const Row& row);
  uint32_t value() const { return static_cast<uint32_t>(state_ ^ (state_ >> 32)); }

 private:
  void bytes(const unsigned char* data, size_t size);
  void u64(uint64_t value);
  void blob(std::string_view data);

  uint64_t state_ = 14695981039346656037ULL;  // FNV-1a offset basis
};

}  // namespace etcd::mvcc
