// Little-endian binary writer and bounds-checked reader for the project's own formats
// (raft messages, WAL records, replicated requests). The reader never reads past its
// input: malformed bytes yield an error, not undefined behaviour, so it is safe to fuzz.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace etcd {

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { put(&v, sizeof v); }
  void u64(uint64_t v) { put(&v, sizeof v); }
  // Length-prefixed (u32) byte string.
  void bytes(std::string_view v) {
    u32(static_cast<uint32_t>(v.size()));
    out_.append(v);
  }

 private:
  void put(const void* p, size_t n) {
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "formats are little-endian");
    out_.append(static_cast<const char*>(p), n);
  }
  std::string& out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  // Each getter returns false (and leaves the reader failed) when input runs out.
  bool u8(uint8_t& v) { return get(&v, sizeof v); }
  bool u32(uint32_t& v) { return get(&v, sizeof v); }
  bool u64(uint64_t& v) { return get(&v, sizeof v); }
  bool bytes(std::string& v) {
    uint32_t n = 0;
    if (!u32(n) || n > in_.size() - pos_) return fail();
    v.assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // Element counts are checked against the bytes left, so a hostile count cannot make a
  // caller reserve gigabytes: each element takes at least `min_element_bytes`.
  bool count(uint32_t& n, size_t min_element_bytes) {
    if (!u32(n)) return false;
    if (min_element_bytes > 0 && n > (in_.size() - pos_) / min_element_bytes) return fail();
    return true;
  }

  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  size_t position() const { return pos_; }

 private:
  bool get(void* p, size_t n) {
    if (!ok_ || n > in_.size() - pos_) return fail();
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool fail() {
    ok_ = false;
    return false;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace etcd
