#include "etcd/wal/crc32c.h"

#include <iostream>
#include <string>

#include <gtest/gtest.h>

#include "etcd/common/random.h"

namespace etcd::wal {
namespace {

std::string bytes_from(std::initializer_list<int> values) {
  std::string out;
  for (int v : values)
    out.push_back(static_cast<char>(v));
  return out;
}

// Known answers: the standard check value and the iSCSI vectors of RFC 3720 §B.4.
TEST(Crc32c, MatchesKnownAnswers) {
  EXPECT_EQ(crc32c(""), 0x00000000u);
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
  // An iSCSI SCSI Read (10) command PDU.
  const std::string pdu = bytes_from({0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
                                      0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,  //
                                      0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,  //
                                      0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
                                      0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
  EXPECT_EQ(crc32c(pdu), 0xD9963A56u);
}

TEST(Crc32c, ExtendingEqualsHashingTheConcatenation) {
  const std::string a = "the quick brown fox ", b = "jumps over the lazy dog";
  EXPECT_EQ(crc32c_extend(crc32c(a), b), crc32c(a + b));
  EXPECT_EQ(crc32c_extend(0, a), crc32c(a));
}

TEST(Crc32c, HardwareAndPortablePathsAgreeOnEveryLengthAndAlignment) {
  Rng rng(20240611);
  std::string buffer(1100, '\0');
  for (char& c : buffer)
    c = static_cast<char>(rng.next());
  for (size_t offset = 0; offset < 9; ++offset) {
    for (size_t size = 0; size + offset <= buffer.size(); size += 1 + size / 7) {
      const uint32_t seed = static_cast<uint32_t>(rng.next());
      ASSERT_EQ(crc32c_extend(seed, buffer.data() + offset, size),
                crc32c_extend_portable(seed, buffer.data() + offset, size))
          << "offset " << offset << " size " << size;
    }
  }
  // Say which path ran, so a result on a machine without SSE4.2 is not misread.
  std::cout << "crc32c hardware path: " << (crc32c_hardware_accelerated() ? "yes" : "no") << "\n";
}

}  // namespace
}  // namespace etcd::wal
