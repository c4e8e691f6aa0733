#include "cloud-config/codec.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace corestack::cloudinit {
namespace {

std::string gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(Codec, Base64) {
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode("aGVs\nbG8h\n"),
            "hell"
            "o!");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_FALSE(base64_decode("aGVsbG8"));    // no padding
  EXPECT_FALSE(base64_decode("aGV sbG8="));  // space
  EXPECT_FALSE(base64_decode("a=Vs"));       // padding inside
}

TEST(Codec, Gzip) {
  const std::string packed = gzip("payload\n");
  EXPECT_TRUE(is_gzip(packed));
  EXPECT_EQ(gunzip(packed), "payload\n");
  EXPECT_FALSE(gunzip(packed.substr(0, packed.size() / 2)));  // truncated
  EXPECT_FALSE(gunzip("plain"));
  EXPECT_FALSE(gunzip(gzip(std::string(4096, 'x')), 1000));  // over the limit
}

TEST(Codec, WriteFilesEncodings) {
  EXPECT_EQ(decode_content("", "raw"), "raw");
  EXPECT_EQ(decode_content("b64", "aGk="), "hi");
  EXPECT_EQ(decode_content("base64", "aGk="), "hi");
  const std::string both = "H4sIAAAAAAAC/8tIzcnJBwCGphA2BQAAAA==";  // gzip("hello") in base64
  ASSERT_TRUE(base64_decode(both));
  EXPECT_EQ(decode_content("gz+b64", both), "hello");
  EXPECT_EQ(decode_content("gzip+base64", both), "hello");
  EXPECT_EQ(decode_content("gzip", *base64_decode(both)), "hello");
  EXPECT_FALSE(decode_content("rot13", "x"));
}

}  // namespace
}  // namespace corestack::cloudinit
