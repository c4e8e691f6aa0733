#include "etcd/bolt/reader.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etcd/bolt/format.h"

namespace etcd::bolt {
namespace {

namespace f = format;

struct Meta {
  uint64_t root = 0;
  uint64_t freelist = 0;
  uint64_t pgid = 0;
  uint64_t txid = 0;
};

Error page_error(uint64_t id, const std::string& what) {
  return Error{"bolt: page " + std::to_string(id) + ": " + what};
}

// bbolt's meta.validate, plus the page size we write (bbolt takes it from the meta).
Result<Meta> read_meta(std::string_view file, uint64_t id) {
  const size_t at = id * f::kPageSize;
  if (file.size() < at + f::kPageHeaderSize + f::kMetaSize) {
    return page_error(id, "the file is too small for a meta page");
  }
  const char* p = file.data() + at;
  const char* m = p + f::kPageHeaderSize;
  if ((f::get16(p + 8) & f::kMetaPage) == 0) return page_error(id, "not a meta page");
  if (f::get32(m) != f::kMagic) return page_error(id, "invalid magic (not a bbolt file)");
  if (f::get32(m + 4) != f::kVersion) return page_error(id, "unsupported format version");
  if (f::get64(m + 56) != f::fnv64a(std::string_view(m, f::kMetaChecksummed))) {
    return page_error(id, "meta checksum mismatch");
  }
  if (f::get32(m + 8) != f::kPageSize) return page_error(id, "unsupported page size");
  return Meta{f::get64(m + 16), f::get64(m + 32), f::get64(m + 40), f::get64(m + 48)};
}

class FileReader {
 public:
  explicit FileReader(std::string_view file) : file_(file) {}

  Result<Bucket> read(ReadStats* stats) {
    auto meta = choose_meta();
    if (!meta) return meta.error();
    meta_ = *meta;
    if (meta_.pgid < 3 || meta_.pgid > file_.size() / f::kPageSize) {
      return Error{"bolt: high-water mark " + std::to_string(meta_.pgid) +
                   " does not fit a file of " + std::to_string(file_.size()) + " bytes"};
    }
    state_.assign(meta_.pgid, kUnseen);
    state_[0] = state_[1] = kReached;
    if (auto freed = read_freelist(); !freed) return freed.error();
    Bucket root;
    std::optional<std::string> last;
    if (auto walked = walk(meta_.root, 1, root, last); !walked) return walked.error();
    for (uint64_t id = 0; id < meta_.pgid; ++id) {
      if (state_[id] == kUnseen) return page_error(id, "unreachable unfreed");
    }
    stats_.pages = meta_.pgid;
    if (stats != nullptr) *stats = stats_;
    return root;
  }

 private:
  enum : uint8_t { kUnseen, kReached, kFree };

  // The valid meta with the higher txid, as bbolt's DB.meta.
  Result<Meta> choose_meta() {
    auto m0 = read_meta(file_, 0);
    auto m1 = read_meta(file_, 1);
    if (m0 && m1) return m1->txid > m0->txid ? m1 : m0;
    if (m1) return m1;
    return m0;
  }

  Result<void> read_freelist() {
    auto page = take(meta_.freelist);
    if (!page) return page.error();
    const char* p = page->data();
    if (f::get16(p + 8) != f::kFreelistPage) return page_error(meta_.freelist, "not a freelist");
    uint64_t count = f::get16(p + 10);
    size_t at = f::kPageHeaderSize;
    if (count == f::kFreelistCountOverflow) {
      count = f::get64(p + at);
      at += 8;
    }
    if (count > (page->size() - at) / 8) return page_error(meta_.freelist, "count past the page");
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t id = f::get64(p + at + 8 * i);
      if (id < 2 || id >= meta_.pgid) return page_error(id, "freed but out of bounds");
      if (state_[id] != kUnseen) return page_error(id, "already freed or reachable");
      state_[id] = kFree;
      ++stats_.free_pages;
    }
    return Ok{};
  }

  // The page `id` with its overflow pages, marked reached (each page only once).
  Result<std::string_view> take(uint64_t id) {
    if (id >= meta_.pgid) return page_error(id, "beyond the high-water mark");
    const char* p = file_.data() + id * f::kPageSize;
    if (f::get64(p) != id) return page_error(id, "its header names another page");
    const uint64_t overflow = f::get32(p + 12);
    if (overflow >= meta_.pgid - id) return page_error(id, "overflow beyond the high-water mark");
    for (uint64_t i = id; i <= id + overflow; ++i) {
      if (state_[i] == kFree) return page_error(i, "reachable freed");
      if (state_[i] == kReached) return page_error(i, "multiple references");
      state_[i] = kReached;
    }
    stats_.overflow_pages += overflow;
    return file_.substr(id * f::kPageSize, (overflow + 1) * f::kPageSize);
  }

  // Reads the tree at page `id` into `into`; returns its first key ("" when empty).
  Result<std::string> walk(uint64_t id, size_t depth, Bucket& into,
                           std::optional<std::string>& last) {
    auto page = take(id);
    if (!page) return page.error();
    const uint16_t flags = f::get16(page->data() + 8);
    stats_.max_depth = std::max(stats_.max_depth, depth);
    if (flags == f::kLeafPage) {
      ++stats_.leaf_pages;
      return read_leaf(*page, id, into, last);
    }
    if (flags != f::kBranchPage) return page_error(id, "not a branch or leaf page");
    ++stats_.branch_pages;
    const size_t count = f::get16(page->data() + 10);
    if (count == 0) return page_error(id, "empty branch page");
    std::string first;
    for (size_t i = 0; i < count; ++i) {
      const size_t at = f::kPageHeaderSize + f::kBranchElementSize * i;
      if (at + f::kBranchElementSize > page->size())
        return page_error(id, "element out of the page");
      auto key =
          element_data(*page, id, at, f::get32(page->data() + at), f::get32(page->data() + at + 4));
      if (!key) return key.error();
      auto below = walk(f::get64(page->data() + at + 8), depth + 1, into, last);
      if (!below) return below.error();
      if (*below != *key) return page_error(id, "branch key differs from the first key below");
      if (i == 0) first = std::string(*key);
    }
    return first;
  }

  // `size` bytes at `pos` from the element at `at` (itself within the page), within the page.
  static Result<std::string_view> element_data(std::string_view page, uint64_t id, size_t at,
                                               uint64_t pos, uint64_t size) {
    if (pos > page.size() - at || size > page.size() - at - pos) {
      return page_error(id, "element out of the page");
    }
    return page.substr(at + pos, size);
  }

  // A leaf page (`id` 0: an inline one); returns its first key.
  Result<std::string> read_leaf(std::string_view page, uint64_t id, Bucket& into,
                                std::optional<std::string>& last) {
    const size_t count = f::get16(page.data() + 10);
    std::string first;
    for (size_t i = 0; i < count; ++i) {
      const size_t at = f::kPageHeaderSize + f::kLeafElementSize * i;
      if (at + f::kLeafElementSize > page.size()) return page_error(id, "element out of the page");
      const uint32_t flags = f::get32(page.data() + at);
      const uint32_t ksize = f::get32(page.data() + at + 8);
      const uint64_t vsize = f::get32(page.data() + at + 12);
      auto kv = element_data(page, id, at, f::get32(page.data() + at + 4), ksize + vsize);
      if (!kv) return kv.error();
      const std::string_view key = kv->substr(0, ksize);
      if (key.empty()) return page_error(id, "empty key");
      if (last && key <= *last) return page_error(id, "keys out of order");
      last = std::string(key);
      if (i == 0) first = *last;
      if (auto added = add(into, key, kv->substr(ksize), flags, id); !added) return added.error();
    }
    return first;
  }

  Result<void> add(Bucket& into, std::string_view key, std::string_view value, uint32_t flags,
                   uint64_t id) {
    if (flags == 0) {
      into.values.emplace_back(key, value);
      return Ok{};
    }
    if (flags != f::kBucketLeafFlag) return page_error(id, "unknown leaf element flags");
    if (value.size() < f::kBucketHeaderSize) return page_error(id, "short bucket header");
    Bucket nested;
    std::optional<std::string> last;
    const uint64_t root = f::get64(value.data());
    if (root != 0) {
      if (auto walked = walk(root, 1, nested, last); !walked) return walked.error();
    } else {
      const std::string_view page = value.substr(f::kBucketHeaderSize);
      if (page.size() < f::kPageHeaderSize || f::get16(page.data() + 8) != f::kLeafPage) {
        return page_error(id, "inline bucket without a leaf page");
      }
      ++stats_.inline_buckets;
      if (auto read = read_leaf(page, 0, nested, last); !read) return read.error();
    }
    into.buckets.emplace(key, std::move(nested));
    return Ok{};
  }

  std::string_view file_;
  Meta meta_;
  std::vector<uint8_t> state_;
  ReadStats stats_;
};

}  // namespace

Result<Bucket> read_db(std::string_view file, ReadStats* stats) {
  return FileReader(file).read(stats);
}

}  // namespace etcd::bolt
