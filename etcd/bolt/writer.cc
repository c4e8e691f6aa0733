#include "etcd/bolt/writer.h"

#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "etcd/bolt/format.h"

namespace etcd::bolt {
namespace {

namespace f = format;

// One entry of a bucket as its leaf stores it. Views into the caller's buckets or into
// nested bucket headers the writer keeps alive while the bucket is written.
struct Element {
  std::string_view key;
  std::string_view value;
  uint32_t flags = 0;
};

// A written page as the branch above it names it: its first key and its id.
struct Child {
  std::string_view key;
  uint64_t pgid = 0;
};

size_t entry_bytes(const Element& e) {
  return f::kLeafElementSize + e.key.size() + e.value.size();
}
size_t entry_bytes(const Child& c) {
  return f::kBranchElementSize + c.key.size();
}

size_t leaf_bytes(std::span<const Element> elements) {
  size_t bytes = f::kPageHeaderSize;
  for (const auto& e : elements)
    bytes += entry_bytes(e);
  return bytes;
}

void put_header(char* page, uint64_t id, uint16_t flags, size_t count, uint32_t overflow) {
  f::put64(page, id);
  f::put16(page + 8, flags);
  f::put16(page + 10, static_cast<uint16_t>(count));
  f::put32(page + 12, overflow);
}

// Element array first, then each key (and value) in element order, as bbolt's node.write.
void fill(char* page, std::span<const Element> elements) {
  size_t data = f::kPageHeaderSize + f::kLeafElementSize * elements.size();
  for (size_t i = 0; i < elements.size(); ++i) {
    const Element& e = elements[i];
    const size_t at = f::kPageHeaderSize + f::kLeafElementSize * i;
    f::put32(page + at, e.flags);
    f::put32(page + at + 4, static_cast<uint32_t>(data - at));
    f::put32(page + at + 8, static_cast<uint32_t>(e.key.size()));
    f::put32(page + at + 12, static_cast<uint32_t>(e.value.size()));
    std::memcpy(page + data, e.key.data(), e.key.size());
    std::memcpy(page + data + e.key.size(), e.value.data(), e.value.size());
    data += e.key.size() + e.value.size();
  }
}
void fill(char* page, std::span<const Child> children) {
  size_t data = f::kPageHeaderSize + f::kBranchElementSize * children.size();
  for (size_t i = 0; i < children.size(); ++i) {
    const Child& c = children[i];
    const size_t at = f::kPageHeaderSize + f::kBranchElementSize * i;
    f::put32(page + at, static_cast<uint32_t>(data - at));
    f::put32(page + at + 4, static_cast<uint32_t>(c.key.size()));
    f::put64(page + at + 8, c.pgid);
    std::memcpy(page + data, c.key.data(), c.key.size());
    data += c.key.size();
  }
}

Result<void> check(const Element& e, const Element* before) {
  if (e.key.empty()) return Error{"bolt: empty key"};
  if (e.key.size() > f::kMaxKeySize) {
    return Error{"bolt: key of " + std::to_string(e.key.size()) + " bytes (bbolt's limit is " +
                 std::to_string(f::kMaxKeySize) + ")"};
  }
  if (e.value.size() > f::kMaxValueSize) {
    return Error{"bolt: value of " + std::to_string(e.value.size()) + " bytes is too large"};
  }
  if (before != nullptr && e.key <= before->key) {
    return Error{"bolt: keys out of order or repeated (" + std::to_string(e.key.size()) +
                 "-byte key after a " + std::to_string(before->key.size()) + "-byte one)"};
  }
  return Ok{};
}

// The bucket's entries in key order: its values merged with its nested buckets, whose
// values are `nested` (bucket headers, in name order).
Result<std::vector<Element>> elements_of(const Bucket& b, const std::vector<std::string>& nested) {
  std::vector<Element> out;
  out.reserve(b.values.size() + nested.size());
  auto value = b.values.begin();
  auto bucket = b.buckets.begin();
  size_t n = 0;
  while (value != b.values.end() || bucket != b.buckets.end()) {
    const bool take_bucket =
        value == b.values.end() || (bucket != b.buckets.end() && bucket->first < value->first);
    Element e = take_bucket ? Element{bucket->first, nested[n++], f::kBucketLeafFlag}
                            : Element{value->first, value->second, 0};
    if (take_bucket) {
      ++bucket;
    } else {
      ++value;
    }
    if (auto ok = check(e, out.empty() ? nullptr : &out.back()); !ok) return ok.error();
    out.push_back(e);
  }
  return out;
}

class FileWriter {
 public:
  // Pages 0-2 (meta, meta, freelist) are filled in by finish().
  FileWriter() : out_(3 * f::kPageSize, '\0') {}

  // A bucket's value in its parent: its header, and its leaf page when it is inline.
  Result<std::string> bucket_value(const Bucket& b) {
    std::vector<std::string> nested;
    auto elements = nested_and_elements(b, nested);
    if (!elements) return elements.error();
    std::string value(f::kBucketHeaderSize, '\0');
    const size_t inline_bytes = leaf_bytes(*elements);
    if (b.buckets.empty() && inline_bytes <= f::kMaxInlineBucketSize) {
      value.resize(f::kBucketHeaderSize + inline_bytes);
      char* page = value.data() + f::kBucketHeaderSize;
      put_header(page, 0, f::kLeafPage, elements->size(), 0);  // an inline page has id 0
      fill(page, std::span<const Element>(*elements));
      return value;
    }
    f::put64(value.data(), write_tree(*elements));
    return value;
  }

  // The file, with `root` as the root bucket (never inline: the meta names its page).
  Result<std::string> file(const Bucket& root) {
    std::vector<std::string> nested;
    auto elements = nested_and_elements(root, nested);
    if (!elements) return elements.error();
    const uint64_t root_page = write_tree(*elements);
    put_header(page(2), 2, f::kFreelistPage, 0, 0);
    write_meta(0, root_page);
    write_meta(1, root_page);
    return std::move(out_);
  }

 private:
  Result<std::vector<Element>> nested_and_elements(const Bucket& b,
                                                   std::vector<std::string>& nested) {
    nested.reserve(b.buckets.size());
    for (const auto& [name, child] : b.buckets) {
      auto value = bucket_value(child);
      if (!value) return value.error();
      nested.push_back(std::move(value).value());
    }
    return elements_of(b, nested);
  }

  // Leaves, then branch levels until one page remains: the tree's root.
  uint64_t write_tree(std::span<const Element> elements) {
    std::vector<Child> level = pack(elements, f::kLeafPage);
    while (level.size() > 1)
      level = pack(std::span<const Child>(level), f::kBranchPage);
    return level.front().pgid;
  }

  // Fills pages in order up to a page each (an entry too big for one page gets its own
  // page plus overflow pages); one page even for no entries.
  template <typename Entry>
  std::vector<Child> pack(std::span<const Entry> entries, uint16_t flags) {
    std::vector<Child> pages;
    size_t begin = 0;
    size_t bytes = f::kPageHeaderSize;
    for (size_t i = 0; i < entries.size(); ++i) {
      const size_t add = entry_bytes(entries[i]);
      if (i > begin && bytes + add > f::kPageSize) {
        pages.push_back(write_page(entries.subspan(begin, i - begin), bytes, flags));
        begin = i;
        bytes = f::kPageHeaderSize;
      }
      bytes += add;
    }
    if (begin < entries.size() || pages.empty()) {
      pages.push_back(write_page(entries.subspan(begin), bytes, flags));
    }
    return pages;
  }

  template <typename Entry>
  Child write_page(std::span<const Entry> entries, size_t bytes, uint16_t flags) {
    const uint64_t id = next_;
    const uint64_t count = (bytes + f::kPageSize - 1) / f::kPageSize;
    next_ += count;
    out_.resize(next_ * f::kPageSize, '\0');
    put_header(page(id), id, flags, entries.size(), static_cast<uint32_t>(count - 1));
    fill(page(id), entries);
    return Child{entries.empty() ? std::string_view() : entries.front().key, id};
  }

  // Both metas describe the same state (txid 0 and 1, as a new bbolt file), so bbolt
  // reads it whichever it picks.
  void write_meta(uint64_t id, uint64_t root_page) {
    char* p = page(id);
    put_header(p, id, f::kMetaPage, 0, 0);
    char* m = p + f::kPageHeaderSize;
    f::put32(m, f::kMagic);
    f::put32(m + 4, f::kVersion);
    f::put32(m + 8, f::kPageSize);
    f::put32(m + 12, 0);
    f::put64(m + 16, root_page);
    f::put64(m + 24, 0);  // the root bucket's sequence
    f::put64(m + 32, 2);  // the freelist page
    f::put64(m + 40, next_);
    f::put64(m + 48, id);
    f::put64(m + 56, f::fnv64a(std::string_view(m, f::kMetaChecksummed)));
  }

  char* page(uint64_t id) { return out_.data() + id * f::kPageSize; }

  std::string out_;
  uint64_t next_ = 3;
};

}  // namespace

Result<std::string> write_db(const Bucket& root) {
  if (!root.values.empty()) {
    return Error{"bolt: a value at the top level (bbolt keeps only buckets there)"};
  }
  return FileWriter().file(root);
}

}  // namespace etcd::bolt
