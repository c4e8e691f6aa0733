// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of every
// WAL record and snapshot file. Pure functions: no I/O, no state beyond constant tables;
// safe from any thread.
//
// Uses the SSE4.2 `crc32` instruction when the CPU has it (checked once at run time) and
// a slicing-by-8 table otherwise; both give identical results (tested).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace etcd::wal {

// Continues a CRC: crc32c_extend(crc32c(a), b) == crc32c(a + b). `crc` is a finished
// value (as returned by these functions), 0 to start; this is how records chain.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size_bytes);

inline uint32_t crc32c_extend(uint32_t crc, std::string_view bytes) {
  return crc32c_extend(crc, bytes.data(), bytes.size());
}

inline uint32_t crc32c(std::string_view bytes) {
  return crc32c_extend(0, bytes);
}

// The portable table implementation, exposed so tests can compare it with the
// hardware path on the same inputs.
uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t size_bytes);

// True when crc32c_extend() uses the SSE4.2 instruction on this machine.
bool crc32c_hardware_accelerated();

}  // namespace etcd::wal
