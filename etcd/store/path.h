// Key path helpers for the v2 keyspace: cleaning (Go's path.Clean, as etcd applies it to
// every key), parent/base split, hidden names, in-order key names and the byte range
// that holds a directory's descendants in the nodes table.
//
// A clean path starts with '/', has no empty, "." or ".." components and no trailing
// '/', except the root "/" itself. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

#include "etcd/store/event.h"

namespace etcd::store {

// Go: path.Clean(path.Join("/", p)). "a//b/../c/" -> "/a/c"; "" -> "/"; "/.." -> "/".
std::string clean_path(std::string_view p);

// Parent of a clean path: "/a/b" -> "/a", "/a" -> "/", "/" -> "".
std::string_view parent_path(std::string_view clean);

// Last component of a clean path: "/a/b" -> "b", "/" -> "".
std::string_view base_name(std::string_view clean);

// A hidden node's name starts with '_' (etcd node.IsHidden); never listed.
inline bool is_hidden_name(std::string_view name) {
  return !name.empty() && name[0] == '_';
}

// etcd watcher_hub isHidden: whether `key` is hidden as seen from a watcher at
// `watch_path` (its last component, or a directory between the two, starts with '_').
// False when watch_path is longer than key (the deleted-directory case).
bool hidden_from(std::string_view watch_path, std::string_view key);

// "/a" + "b" -> "/a/b"; "/" + "b" -> "/b".
std::string join_path(std::string_view dir, std::string_view name);

// A path as an error cause. etcd 3.4 keeps user keys below "/1" and trims that prefix from
// causes, so a cause naming the root comes out empty (and is left off the wire).
inline std::string path_cause(std::string_view clean) {
  return clean == "/" ? std::string() : std::string(clean);
}

// The in-order key created by POST at index i: 20 digits, zero-padded.
std::string in_order_name(EtcdIndex index);

// Every descendant d of the clean directory `dir` satisfies lower < d < upper in byte
// order (lower = dir + "/", upper = dir + "0"; '0' follows '/'), and nothing else does.
std::string descendants_lower(std::string_view dir);
std::string descendants_upper(std::string_view dir);

}  // namespace etcd::store
