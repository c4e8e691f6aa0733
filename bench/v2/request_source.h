// RequestSource: what one connection of the load generator sends next, for each workload
// of issue 8, and whether a response counts as a completed operation. Requests are
// complete HTTP/1.1 bytes (keep-alive, form-encoded 128-byte values), built the same way
// for etcd2 and etcd.
//
//   put-distinct  PUT /v2/keys/bench/put/<run>c<conn>/<seq>     every key new
//   put-hot       PUT /v2/keys/bench/hot/<0..3>                 4 keys shared by all
//   get           GET /v2/keys/bench/get/<0..999>               served locally
//   get-quorum    GET /v2/keys/bench/get/<0..999>?quorum=true   linearizable (ReadIndex)
//   cas           PUT /v2/keys/bench/cas/<run>c<conn>?prevIndex=<its last modifiedIndex>
//   (internal) fill  PUT bench/get/<i> once;  load  PUT bench/load/<i/1000>/<i%1000>
//
// Thread: the connection's.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bench/common/client_connection.h"

namespace bench {

enum class Workload { put_distinct, put_hot, get, get_quorum, cas, watch, fill, load };

std::string_view workload_name(Workload workload);
std::optional<Workload> parse_workload(std::string_view name);
inline constexpr uint64_t kGetKeys = 1000;
inline constexpr uint64_t kHotKeys = 4;
inline constexpr size_t kValueBytes = 128;

// A counter shared by the connections of one run (fill/load hand out key numbers).
struct KeySequence {
  KeySequence(uint64_t first, uint64_t end_) : next(first), end(end_) {}
  std::atomic<uint64_t> next;
  uint64_t end;  // exclusive
};

// The modifiedIndex of the "node" in a v2 JSON response, 0 when absent.
uint64_t node_modified_index(std::string_view body);

class RequestSource {
 public:
  RequestSource(Workload workload, std::string host, std::string run_tag, uint32_t connection,
                KeySequence* sequence);

  // The next request; nullopt when a fill/load run has handed out all its keys.
  std::optional<std::string> next();
  // Judges the response to the last request: true when it is a completed operation.
  bool on_response(const HttpResponse& response);

 private:
  std::string put(std::string_view path, std::string_view query = {});
  uint64_t random_below(uint64_t n);

  Workload workload_;
  std::string host_;
  std::string run_tag_;
  uint32_t connection_;
  KeySequence* sequence_;
  std::string form_;  // "value=<128 bytes>"
  uint64_t seq_ = 0;
  uint64_t rng_;
  uint64_t cas_index_ = 0;  // 0: the key is not created yet
};

}  // namespace bench
