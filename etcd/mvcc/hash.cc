#include "etcd/mvcc/hash.h"

namespace etcd::mvcc {

void KeyspaceHash::bytes(const unsigned char* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    state_ ^= data[i];
    state_ *= 1099511628211ULL;  // FNV-1a 64 prime
  }
}

void KeyspaceHash::u64(uint64_t value) {
  unsigned char le[8];
  for (int i = 0; i < 8; ++i)
    le[i] = static_cast<unsigned char>(value >> (8 * i));
  bytes(le, sizeof le);
}

void KeyspaceHash::blob(std::string_view data) {
  const auto size = static_cast<uint32_t>(data.size());
  const unsigned char le[4] = {
      static_cast<unsigned char>(size), static_cast<unsigned char>(size >> 8),
      static_cast<unsigned char>(size >> 16), static_cast<unsigned char>(size >> 24)};
  bytes(le, sizeof le);
  bytes(reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

void KeyspaceHash::add(const Row& row) {
  u64(static_cast<uint64_t>(row.kv.mod_revision));
  u64(static_cast<uint64_t>(row.sub));
  const unsigned char tombstone = row.tombstone ? 1 : 0;
  bytes(&tombstone, 1);
  u64(static_cast<uint64_t>(row.kv.create_revision));
  u64(static_cast<uint64_t>(row.kv.version));
  u64(static_cast<uint64_t>(row.kv.lease));
  blob(row.kv.key);
  blob(row.kv.value);
}

}  // namespace etcd::mvcc
