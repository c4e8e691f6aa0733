// The v2 request as it is replicated through raft (etcd's RequestV2): the API layer builds
// it from an HTTP request (path cleaned and decoded, TTL turned into an absolute
// expiration with its own clock), the leader proposes it, and every member applies the
// same bytes to its Store. Also the leader's SYNC entry that drives TTL expiry.
//
// Owns: the fields, their binary encoding, and which store operation a request means
// (operation_of, etcd's applierV2: PUT + prevExist=true is an update, ...). Never reads a
// clock. decode_request() must hold against hostile bytes (it is fuzzed). Any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "etcd/common/result.h"
#include "etcd/store/event.h"

namespace etcd::store {

// The HTTP method the request came in with (etcd RequestV2.Method).
enum class Method : uint8_t {
  get = 0,  // a quorum GET (quorum=true) that goes through raft; plain GETs never do
  put = 1,
  post = 2,    // create an in-order key under `path`
  remove = 3,  // HTTP DELETE
  sync = 4,    // the leader's clock tick: expire TTL keys at `time_ns`
};

// What the store does with a request (etcd store.Store methods).
enum class Operation : uint8_t {
  get,
  set,
  create,
  create_in_order,
  update,
  compare_and_swap,
  remove,
  compare_and_delete,
  sync,
};

struct Request {
  Method method = Method::get;
  // Opaque to the store: lets the proposer match the applied entry to its waiter.
  uint64_t id = 0;
  std::string path;  // already cleaned and percent-decoded; "/" is the root
  std::string value;
  bool dir = false;
  bool recursive = false;
  bool sorted = false;
  // etcd keys API: prevExist (unset / false / true).
  std::optional<bool> prev_exist;
  // etcd keys API: prevValue. Empty means "no comparison", exactly as in etcd (the API
  // rejects an explicit empty prevValue with error 201 before proposing).
  std::string prev_value;
  // etcd keys API: prevIndex. 0 means "no comparison", as in etcd (`prevIndex=0` is a set).
  EtcdIndex prev_index;
  // Absolute expiration, ns since the Unix epoch, stamped by the API from its clock
  // (now + ttl); 0 = no TTL (which also clears an existing TTL on update/CAS).
  int64_t expiration_ns = 0;
  bool refresh = false;  // only the TTL changes; value kept; watchers not told
  // The proposer's wall clock when it built the request. For SYNC: the expiry cutoff.
  // For everything else: the "now" used to render remaining `ttl` seconds in the
  // resulting event, so every member renders the same bytes.
  int64_t time_ns = 0;

  bool operator==(const Request&) const = default;
};

// etcd applierV2: POST -> create_in_order; PUT + prevExist=false -> create;
// PUT + prevExist=true -> update, or compare_and_swap when prevValue/prevIndex given;
// PUT with prevValue/prevIndex -> compare_and_swap; other PUT -> set; DELETE with
// prevValue/prevIndex -> compare_and_delete, else remove; GET -> get; SYNC -> sync.
Operation operation_of(const Request& request);

// Binary encoding (format in etcd/store/README.md): a format version byte, then the
// fields in declaration order, little-endian.
void encode(const Request& request, std::string& out);
std::string encode(const Request& request);

// Rejects truncated input, trailing bytes, an unknown version, method, flag bit or
// prevExist value, and a non-SYNC request whose path does not start with '/'.
Result<Request> decode_request(std::string_view in);

}  // namespace etcd::store
