// What every v3 workload of v3_bench shares: the workload names, the channels (one TCP
// connection each, spread round-robin over the members' client URLs), the key layout and
// the 128-byte values, built the same way for etcd2 and etcd.
//
//   put                 Put v3bench/put/<run>/<slot>/<seq>             every key new
//   range               Range v3bench/get/<0..999>                     linearizable (ReadIndex)
//   range-serializable  Range v3bench/get/<0..999>, serializable       served locally
//   txn                 Txn if mod_revision(v3bench/cas/<run>/<slot>) == <its last revision>
//                       then Put it, else Range it (CAS; the else branch resynchronises)
//   watch               <watchers> streams watching v3bench/watch/<run>/, one writer
//   (internal) fill     Put v3bench/get/<i> once, for the range workloads
//
// Thread: any; a channel and its stubs are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/common/asio.h"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace bench::v3 {

enum class Workload { put, range, range_serializable, txn, watch, fill };

std::string_view workload_name(Workload workload);
std::optional<Workload> parse_workload(std::string_view name);

inline constexpr uint64_t kGetKeys = 1000;
inline constexpr size_t kValueBytes = 128;

// A 128-byte value that differs between slots.
std::string make_value(uint32_t slot);
// The key the range workloads read, and the fill writes, for number `i`.
std::string get_key(uint64_t i);

// `count` channels, channel c to endpoints[c % size], each with its own TCP connection (a
// local subchannel pool and a distinct argument, so gRPC does not share them).
class Channels {
 public:
  Channels(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints, uint32_t count);
  // Waits until every channel is connected; false (with `error`) at the deadline.
  bool connect(std::chrono::seconds timeout, std::string* error);

  size_t size() const { return channels_.size(); }
  etcdserverpb::KV::Stub& kv(size_t c) { return *kv_[c % kv_.size()]; }
  etcdserverpb::Watch::Stub& watch(size_t c) { return *watch_[c % watch_.size()]; }

 private:
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> kv_;
  std::vector<std::unique_ptr<etcdserverpb::Watch::Stub>> watch_;
};

}  // namespace bench::v3
