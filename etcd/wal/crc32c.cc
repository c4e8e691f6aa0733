#include "etcd/wal/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace etcd::wal {
namespace {

constexpr uint32_t kPolynomialReflected = 0x82F63B78u;

// kTables[k][b] is the CRC contribution of byte b followed by k zero bytes; slicing-by-8
// folds eight input bytes per step with eight lookups.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables make_tables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ ((crc & 1u) ? kPolynomialReflected : 0u);
    t[0][b] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b)
      t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  }
  return t;
}

constexpr Tables kTables = make_tables();

uint32_t raw_portable(uint32_t state, const uint8_t* p, size_t n) {
  while (n >= 8) {
    uint64_t word = 0;
    std::memcpy(&word, p, 8);  // formats are little-endian (see common/bytes.h)
    word ^= state;
    state = kTables[7][word & 0xFF] ^ kTables[6][(word >> 8) & 0xFF] ^
            kTables[5][(word >> 16) & 0xFF] ^ kTables[4][(word >> 24) & 0xFF] ^
            kTables[3][(word >> 32) & 0xFF] ^ kTables[2][(word >> 40) & 0xFF] ^
            kTables[1][(word >> 48) & 0xFF] ^ kTables[0][word >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0)
    state = (state >> 8) ^ kTables[0][(state ^ *p++) & 0xFFu];
  return state;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t raw_hardware(uint32_t state, const uint8_t* p,
                                                        size_t n) {
  uint64_t wide = state;
  while (n >= 8) {
    uint64_t word = 0;
    std::memcpy(&word, p, 8);
    wide = _mm_crc32_u64(wide, word);
    p += 8;
    n -= 8;
  }
  auto narrow = static_cast<uint32_t>(wide);
  while (n-- > 0)
    narrow = _mm_crc32_u8(narrow, *p++);
  return narrow;
}

bool detect_hardware() {
  return __builtin_cpu_supports("sse4.2");
}
#else
uint32_t raw_hardware(uint32_t state, const uint8_t* p, size_t n) {
  return raw_portable(state, p, n);
}
bool detect_hardware() {
  return false;
}
#endif

const bool kHardware = detect_hardware();

}  // namespace

uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t size_bytes) {
  return ~raw_portable(~crc, static_cast<const uint8_t*>(data), size_bytes);
}

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size_bytes) {
  const auto* p = static_cast<const uint8_t*>(data);
  return ~(kHardware ? raw_hardware(~crc, p, size_bytes) : raw_portable(~crc, p, size_bytes));
}

bool crc32c_hardware_accelerated() {
  return kHardware;
}

}  // namespace etcd::wal
