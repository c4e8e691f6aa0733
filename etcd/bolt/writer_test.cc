// The bbolt writer against the reader (round trips of every shape: many keys, big values,
// many and nested and empty buckets, inline buckets), the format's fixed bytes, the
// writer's refusals, the reader's checks, and, when etcdctl 3.4 is installed, the real
// bbolt's Tx.Check on the same files (`etcdctl snapshot status`).
#include "etcd/bolt/writer.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <regex>

#include "etcd/bolt/bolt_test_util.h"
#include "etcd/bolt/format.h"
#include "etcd/bolt/reader.h"

namespace etcd::bolt::testing {
namespace {

namespace f = format;

std::string key_of(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%08d", i);
  return buf;
}

Bucket with_values(int count, size_t value_bytes) {
  Bucket b;
  for (int i = 0; i < count; ++i)
    b.values.emplace_back(key_of(i), std::string(value_bytes, static_cast<char>('a' + i % 26)));
  return b;
}

Bucket top(std::string name, Bucket b) {
  Bucket root;
  root.buckets.emplace(std::move(name), std::move(b));
  return root;
}

std::string must_write(const Bucket& root) {
  auto file = write_db(root);
  EXPECT_TRUE(file.ok()) << (file.ok() ? "" : file.error().message);
  return file.ok() ? *file : std::string();
}

// Writes, reads back, compares; returns what the file is made of.
ReadStats round_trip(const Bucket& root) {
  const std::string file = must_write(root);
  EXPECT_EQ(file.size() % f::kPageSize, 0u);
  ReadStats stats;
  auto back = read_db(file, &stats);
  EXPECT_TRUE(back.ok()) << (back.ok() ? "" : back.error().message);
  if (back.ok()) {
    EXPECT_TRUE(*back == root);
  }
  EXPECT_EQ(stats.pages * f::kPageSize, file.size());
  return stats;
}

// The real bbolt's check and walk through `etcdctl snapshot status`: the number of
// entries in the top-level buckets and the size, or a failure.
void expect_etcdctl_reads(const Bucket& root, const std::string& name) {
  if (!have_etcdctl()) return;
  ScratchDir dir;
  const std::string file = must_write(root);
  const CtlRun run = etcdctl("snapshot status -w json " + dir.file(name, file));
  ASSERT_EQ(run.status, 0) << run.out;
  size_t entries = 0;
  for (const auto& [bucket_name, b] : root.buckets)
    entries += b.values.size() + b.buckets.size();
  EXPECT_NE(run.out.find("\"totalKey\":" + std::to_string(entries) + ","), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("\"totalSize\":" + std::to_string(file.size()) + "}"), std::string::npos)
      << run.out;
}

TEST(BoltFormat, Fnv64aIsGos) {
  EXPECT_EQ(f::fnv64a(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(f::fnv64a("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(f::fnv64a("foobar"), 0x85944171f73967e8ULL);
}

TEST(BoltWriter, EmptyDatabaseIsFourPages) {
  const std::string file = must_write(Bucket{});
  ASSERT_EQ(file.size(), 4 * f::kPageSize);
  for (int id = 0; id < 2; ++id) {
    const char* p = file.data() + id * f::kPageSize;
    EXPECT_EQ(f::get64(p), static_cast<uint64_t>(id));
    EXPECT_EQ(f::get16(p + 8), f::kMetaPage);
    const std::string meta(p + 16, 16);
    EXPECT_EQ(meta, std::string("\xED\xDA\x0C\xED\x02\0\0\0\0\x10\0\0\0\0\0\0", 16));
    EXPECT_EQ(f::get64(p + 16 + 16), 3u);                         // root bucket's page
    EXPECT_EQ(f::get64(p + 16 + 32), 2u);                         // freelist page
    EXPECT_EQ(f::get64(p + 16 + 40), 4u);                         // high-water mark
    EXPECT_EQ(f::get64(p + 16 + 48), static_cast<uint64_t>(id));  // txid
    EXPECT_EQ(f::get64(p + 16 + 56), f::fnv64a(std::string_view(p + 16, 56)));
  }
  EXPECT_EQ(f::get16(file.data() + 2 * f::kPageSize + 8), f::kFreelistPage);
  EXPECT_EQ(f::get16(file.data() + 3 * f::kPageSize + 8), f::kLeafPage);
  EXPECT_TRUE(read_db(file).ok());
  expect_etcdctl_reads(Bucket{}, "empty.db");
}

TEST(BoltWriter, SmallBucketsAreInlineAsBboltKeepsThem) {
  Bucket root;
  root.buckets["empty"];
  root.buckets["small"] = with_values(3, 10);
  const ReadStats stats = round_trip(root);
  EXPECT_EQ(stats.inline_buckets, 2u);
  EXPECT_EQ(stats.leaf_pages, 1u);  // the root's page only
  expect_etcdctl_reads(root, "inline.db");
}

TEST(BoltWriter, InlineUpToAQuarterPage) {
  // One entry: page header 16 + element 16 + key 9 + value: 1024 bytes in all is inline.
  Bucket fits = with_values(1, f::kMaxInlineBucketSize - 16 - 16 - 9);
  EXPECT_EQ(round_trip(top("b", fits)).inline_buckets, 1u);
  Bucket over = with_values(1, f::kMaxInlineBucketSize - 16 - 16 - 9 + 1);
  EXPECT_EQ(round_trip(top("b", over)).inline_buckets, 0u);
  // A bucket holding a bucket is never inline, however small.
  Bucket outer;
  outer.buckets["inner"];
  const ReadStats nested = round_trip(top("outer", outer));
  EXPECT_EQ(nested.inline_buckets, 1u);
  EXPECT_EQ(nested.leaf_pages, 2u);
}

TEST(BoltWriter, ManyKeysMakeBranchPages) {
  const Bucket root =
      top("many", with_values(60000, 40));  // not "key": status reads revisions there
  const ReadStats stats = round_trip(root);
  EXPECT_GT(stats.branch_pages, 1u);
  EXPECT_GE(stats.max_depth, 3u);  // leaves, branches, a root branch
  expect_etcdctl_reads(root, "many.db");
}

TEST(BoltWriter, BigValuesGetOverflowPages) {
  Bucket b;
  b.values = {{"a", "small"},
              {"b", std::string(5000, 'b')},
              {"c", std::string(4096 - 16 - 16 - 1, 'c')},  // exactly one page
              {"d", std::string(1 << 20, 'd')},
              {"e", ""},
              {"f", std::string(70000, 'f')}};
  const ReadStats stats = round_trip(top("big", b));
  EXPECT_EQ(stats.overflow_pages, 1u + 256u + 17u);
  expect_etcdctl_reads(top("big", b), "big.db");
}

TEST(BoltWriter, ManyAndNestedBuckets) {
  Bucket root;
  for (int i = 0; i < 700; ++i) {
    Bucket& b = root.buckets[key_of(i)];
    if (i % 3 == 0) b = with_values(i % 50, 30);
    if (i % 7 == 0) b.buckets["child"].buckets["grandchild"] = with_values(200, 50);
  }
  const ReadStats stats = round_trip(root);
  EXPECT_GT(stats.inline_buckets, 200u);
  EXPECT_GT(stats.branch_pages, 0u);
  expect_etcdctl_reads(root, "buckets.db");
}

TEST(BoltWriter, ValuesAndBucketsShareOneKeyOrder) {
  Bucket b = with_values(100, 100);
  b.buckets["k00000050x"] = with_values(2, 1);  // between two values
  b.buckets["a"];                               // before all
  b.buckets["z"] = with_values(300, 20);        // after all, not inline
  round_trip(top("mixed", b));
  expect_etcdctl_reads(top("mixed", b), "mixed.db");
}

TEST(BoltWriter, RandomShapesRoundTrip) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
    std::function<Bucket(int)> make = [&](int depth) {
      Bucket b;
      const int count = pick(4) == 0 ? pick(3000) : pick(40);
      std::map<std::string, std::string> values;
      for (int i = 0; i < count; ++i) {
        std::string key(1 + pick(pick(10) == 0 ? 600 : 20), '\0');
        for (auto& c : key)
          c = static_cast<char>(pick(256));
        const int size = pick(20) == 0 ? pick(20000) : pick(200);
        values[key] = std::string(size, static_cast<char>(pick(256)));
      }
      for (int i = depth < 3 ? pick(5) : 0; i > 0; --i) {
        std::string name = "bucket" + std::to_string(pick(100000));
        if (values.count(name) == 0) b.buckets[name] = make(depth + 1);
      }
      b.values.assign(values.begin(), values.end());
      return b;
    };
    Bucket root;
    for (int i = pick(6); i >= 0; --i)
      root.buckets["top" + std::to_string(i)] = make(1);
    SCOPED_TRACE("seed " + std::to_string(seed));
    round_trip(root);
    if (seed <= 3) expect_etcdctl_reads(root, "random.db");
  }
}

TEST(BoltWriter, Refusals) {
  Bucket value_at_top;
  value_at_top.values = {{"k", "v"}};
  EXPECT_FALSE(write_db(value_at_top).ok());

  Bucket b;
  b.values = {{"b", "1"}, {"a", "2"}};
  EXPECT_FALSE(write_db(top("x", b)).ok());
  b.values = {{"a", "1"}, {"a", "2"}};
  EXPECT_FALSE(write_db(top("x", b)).ok());
  b.values = {{"", "1"}};
  EXPECT_FALSE(write_db(top("x", b)).ok());
  b.values = {{std::string(f::kMaxKeySize + 1, 'k'), "1"}};
  EXPECT_FALSE(write_db(top("x", b)).ok());
  b.values = {{std::string(f::kMaxKeySize, 'k'), "1"}};
  EXPECT_TRUE(write_db(top("x", b)).ok());
  b.values = {{"same", "1"}};
  b.buckets["same"];
  EXPECT_FALSE(write_db(top("x", b)).ok());
}

TEST(BoltReader, ChoosesTheValidMetaAndRejectsDamage) {
  const Bucket root = top("key", with_values(2000, 30));
  const std::string good = must_write(root);

  std::string one_meta_bad = good;
  one_meta_bad[f::kPageSize + 16 + 40] ^= 1;  // meta 1's pgid: checksum mismatch
  auto read = read_db(one_meta_bad);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_TRUE(*read == root);

  std::string both_bad = one_meta_bad;
  both_bad[16] ^= 1;  // meta 0's magic
  EXPECT_FALSE(read_db(both_bad).ok());

  std::string wrong_id = good;
  wrong_id[4 * f::kPageSize] ^= 1;  // a leaf's own id
  EXPECT_FALSE(read_db(wrong_id).ok());

  EXPECT_FALSE(read_db(good.substr(0, good.size() - f::kPageSize)).ok());
  EXPECT_FALSE(read_db(good.substr(0, 100)).ok());
  EXPECT_FALSE(read_db("").ok());
}

}  // namespace
}  // namespace etcd::bolt::testing
