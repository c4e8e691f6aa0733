// The keys API's request options and how each call becomes an HttpRequest — the same
// method, path, query and form body etcd's Go client (v2, as in etcdctl 3.4) sends, so
// behaviour and `--debug` traces match. Pure; no I/O. Cited: etcd client/keys.go.
#pragma once

#include <cstdint>
#include <string>

#include "agents/etcdclient/http.h"

namespace etcd::client {

inline constexpr const char* kKeysPrefix = "/v2/keys";

struct GetOptions {
  bool recursive = false;  // list every level of a directory
  bool sorted = false;     // children sorted by key
  bool quorum = false;     // linearizable read (goes through raft)
};

// etcd v2 keys API: prevExist.
enum class PrevExist { ignore, must_exist, must_not_exist };

struct SetOptions {
  std::string prev_value;  // compare-and-swap on the value; empty = no condition
  uint64_t prev_index = 0;  // compare-and-swap on modifiedIndex; 0 = no condition
  PrevExist prev_exist = PrevExist::ignore;
  uint64_t ttl_s = 0;  // 0: no TTL (a set or update makes the key permanent)
  // Reset the TTL to ttl_s without changing the value or notifying watchers; sends no
  // value. Use with prev_exist = must_exist (KeysApi::refresh does).
  bool refresh = false;
  bool dir = false;  // create (or, with must_exist, update the TTL of) a directory
};

struct DeleteOptions {
  std::string prev_value;  // compare-and-delete; empty = no condition
  uint64_t prev_index = 0;  // 0 = no condition
  bool dir = false;         // allow deleting an (empty) directory
  bool recursive = false;   // delete a directory and everything below it
};

struct WatchOptions {
  // 0: the next change after the watch starts. N: the first change with index > N
  // (etcd's waitIndex = N + 1), answered from the 1000-event history when it has it.
  uint64_t after_index = 0;
  bool recursive = false;  // changes anywhere below the key
};

HttpRequest build_get(const std::string& key, const GetOptions& options);
// Without refresh: PUT with form "value" (omitted for dirs) and "ttl" when > 0.
HttpRequest build_set(const std::string& key, const std::string& value, const SetOptions& options);
HttpRequest build_delete(const std::string& key, const DeleteOptions& options);
// POST to the directory: etcd names the new key after its createdIndex.
HttpRequest build_create_in_order(const std::string& dir, const std::string& value,
                                  uint64_t ttl_s);
// One long-poll: GET ?wait=true&waitIndex=<wait_index>&recursive=..., wait_index 0 =
// from now.
HttpRequest build_wait(const std::string& key, uint64_t wait_index, bool recursive);

}  // namespace etcd::client
