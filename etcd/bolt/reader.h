// Reads a whole bbolt database file back into buckets, checking it the way bbolt's
// Tx.Check does (what `etcdctl snapshot status` runs first) and stricter: both meta pages'
// magic, version and checksum; every page id, type and bound; each page reached exactly
// once and none both reached and free; every page below the high-water mark either
// reached or free; keys strictly increasing through each bucket; every branch key equal to
// the first key below it.
//
// The writer's test oracle and a tool to look into a snapshot without Go. Pure; the file
// is fully in memory.
#pragma once

#include <cstddef>
#include <string_view>

#include "etcd/bolt/bucket.h"
#include "etcd/common/result.h"

namespace etcd::bolt {

// What the file is made of (for tests that want a branch page or an overflow page).
struct ReadStats {
  size_t pages = 0;       // the high-water mark
  size_t leaf_pages = 0;  // not counting inline pages
  size_t branch_pages = 0;
  size_t overflow_pages = 0;  // pages after a first page
  size_t free_pages = 0;
  size_t inline_buckets = 0;
  size_t max_depth = 0;  // pages from a bucket's root to its leaves, deepest bucket
};

// The root bucket. Errors name the page and what is wrong with it.
Result<Bucket> read_db(std::string_view file, ReadStats* stats = nullptr);

}  // namespace etcd::bolt
