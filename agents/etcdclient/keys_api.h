// KeysApi: the etcd v2 keys calls (/v2/keys) on a Client — reads, writes with
// prevValue/prevIndex/prevExist conditions, TTLs and refresh, directories, in-order
// keys, deletes and one long-poll wait (Watcher builds continuous watches on it).
//
// Every call returns the decoded Response, or an Error: kind etcd for etcd's answers
// (100 key not found, 101 compare failed, 105 key exists, ...; errorCode, cause and
// index set), or the Client's transport/timeout errors. Keys are absolute paths ("/a/b";
// a missing leading "/" is added). Borrows the Client; same threading rules.
#pragma once

#include <cstdint>
#include <string>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/keys_request.h"
#include "agents/etcdclient/result.h"
#include "agents/etcdclient/types.h"

namespace etcd::client {

class KeysApi {
 public:
  explicit KeysApi(Client& client) : client_(client) {}

  // GET. A directory's children are in node.nodes (all levels with recursive).
  Result<Response> get(const std::string& key, const GetOptions& options = {});
  // PUT with any combination of conditions (the primitive the calls below use).
  Result<Response> set(const std::string& key, const std::string& value,
                       const SetOptions& options = {});
  // prevExist=false: fails with 105 if the key exists.
  Result<Response> create(const std::string& key, const std::string& value, uint64_t ttl_s = 0);
  // prevExist=true: fails with 100 if the key does not exist.
  Result<Response> update(const std::string& key, const std::string& value, uint64_t ttl_s = 0);
  // Swaps only if the current value equals prev_value (when not empty) and its
  // modifiedIndex equals prev_index (when not 0); at least one must be given.
  // Fails with 101 (compare failed) or 100.
  Result<Response> compare_and_swap(const std::string& key, const std::string& value,
                                    const std::string& prev_value, uint64_t prev_index,
                                    uint64_t ttl_s = 0);
  // Resets the TTL of an existing key to ttl_s (> 0) keeping its value; watchers are not
  // woken. Fails with 100 if the key does not exist.
  Result<Response> refresh(const std::string& key, uint64_t ttl_s);
  // Creates a directory (prev_exist must_not_exist: fails with 105 if it exists; ignore:
  // also turns a file into an empty directory), or with must_exist updates its TTL.
  Result<Response> set_dir(const std::string& key, uint64_t ttl_s = 0,
                           PrevExist prev_exist = PrevExist::must_not_exist);
  // POST: a new key "<dir>/<20-digit createdIndex>" with `value`.
  Result<Response> create_in_order(const std::string& dir, const std::string& value,
                                   uint64_t ttl_s = 0);
  // DELETE (with dir/recursive/prevValue/prevIndex from `options`).
  Result<Response> remove(const std::string& key, const DeleteOptions& options = {});
  // Deletes only if the value/index match (as compare_and_swap). Fails with 101 or 100.
  Result<Response> compare_and_delete(const std::string& key, const std::string& prev_value,
                                      uint64_t prev_index);
  // One long-poll for the first change at index >= wait_index (0: the next change), for at
  // most timeout_ms (0: no limit). Errors: timeout (nothing happened), 401 (wait_index
  // older than the 1000-event history), transport. A 2xx with an empty body (the server
  // ended the poll) is reported as kind decode, message "empty body": poll again.
  Result<Response> wait(const std::string& key, uint64_t wait_index, bool recursive,
                        uint64_t timeout_ms);

 private:
  Result<Response> call(const HttpRequest& request);

  Client& client_;
};

}  // namespace etcd::client
