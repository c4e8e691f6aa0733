// bbolt's on-disk format (go.etcd.io/bbolt 1.3, file format version 2), as far as writing
// and reading a whole database needs it. bbolt writes its Go structs as the machine lays
// them out, so every integer of the format is little-endian on the machines etcd runs on
// (amd64, arm64); we read and write them byte by byte, never by casting.
//
// A file is pages of kPageSize bytes, page id = offset / kPageSize. Pages 0 and 1 are the
// two meta pages (bbolt uses the valid one with the higher txid), the meta names the
// freelist page, the root bucket's page and the high-water mark `pgid` (pages in use).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace etcd::bolt::format {

inline constexpr uint32_t kPageSize = 4096;
inline constexpr uint32_t kMagic = 0xED0CDAED;
inline constexpr uint32_t kVersion = 2;

// Page header: id u64, flags u16, count u16, overflow u32 (extra pages after this one).
inline constexpr size_t kPageHeaderSize = 16;
inline constexpr uint16_t kBranchPage = 0x01;
inline constexpr uint16_t kLeafPage = 0x02;
inline constexpr uint16_t kMetaPage = 0x04;
inline constexpr uint16_t kFreelistPage = 0x10;
// A freelist with this many ids or more keeps its count in its first u64 instead.
inline constexpr uint16_t kFreelistCountOverflow = 0xFFFF;

// Leaf element: flags u32, pos u32, ksize u32, vsize u32. Branch element: pos u32,
// ksize u32, pgid u64. `pos` is the distance from the element itself to its key; the
// value follows the key.
inline constexpr size_t kLeafElementSize = 16;
inline constexpr size_t kBranchElementSize = 16;
// A leaf element whose value is a bucket header (a nested bucket).
inline constexpr uint32_t kBucketLeafFlag = 0x01;

// Bucket header: root pgid u64 (0: the bucket is inline, its one leaf page follows the
// header inside the value), sequence u64.
inline constexpr size_t kBucketHeaderSize = 16;
// bbolt keeps a bucket inline when it has no nested bucket and its leaf page is at most
// this big (Bucket.inlineable).
inline constexpr size_t kMaxInlineBucketSize = kPageSize / 4;

// The meta, right after the page header: magic u32, version u32, page_size u32, flags u32,
// root bucket header (16), freelist u64, pgid u64, txid u64, checksum u64. The checksum is
// FNV-64a over the 56 bytes before it.
inline constexpr size_t kMetaSize = 64;
inline constexpr size_t kMetaChecksummed = 56;

// bbolt's MaxKeySize and MaxValueSize.
inline constexpr size_t kMaxKeySize = 32768;
inline constexpr size_t kMaxValueSize = (size_t{1} << 31) - 2;

inline void put16(char* p, uint16_t v) {
  for (int i = 0; i < 2; ++i)
    p[i] = static_cast<char>(v >> (8 * i));
}
inline void put32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<char>(v >> (8 * i));
}
inline void put64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    p[i] = static_cast<char>(v >> (8 * i));
}
inline uint64_t get_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline uint16_t get16(const char* p) {
  return static_cast<uint16_t>(get_le(p, 2));
}
inline uint32_t get32(const char* p) {
  return static_cast<uint32_t>(get_le(p, 4));
}
inline uint64_t get64(const char* p) {
  return get_le(p, 8);
}

// FNV-64a, as Go's hash/fnv New64a (the meta checksum).
inline uint64_t fnv64a(std::string_view bytes) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace etcd::bolt::format
