// Writes a whole bbolt database file (go.etcd.io/bbolt, format version 2, 4 KiB pages) from
// buckets held in memory: what etcd's tools (`etcdctl snapshot status/restore`) and etcd
// itself open as a backend. The file is a fresh, compact database: both meta pages
// describe it, the freelist is empty, every page below the high-water mark is used.
//
// Layout choices (all of them what bbolt itself reads and writes): leaves and branches
// are filled up to a page; a value that does not fit a page gets a page of its own with
// overflow pages; a bucket without nested buckets whose leaf fits a quarter page is
// stored inline in its parent, as bbolt does.
//
// Pure: no I/O, no threads; the caller writes the bytes where it wants.
#pragma once

#include <string>

#include "etcd/bolt/bucket.h"
#include "etcd/common/result.h"

namespace etcd::bolt {

// The file for `root`, whose entries must all be buckets (bbolt keeps only buckets at the
// top). Errors: a value at the top, keys not strictly increasing (or a key that is also a
// nested bucket's name), an empty key, a key over 32 KiB or a value over bbolt's limit.
Result<std::string> write_db(const Bucket& root);

}  // namespace etcd::bolt
