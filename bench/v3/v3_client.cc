#include "bench/v3/v3_client.h"

#include <array>
#include <atomic>
#include <chrono>

#include <fmt/format.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace bench::v3 {

namespace {

constexpr std::array<std::pair<Workload, std::string_view>, 6> kNames{{
    {Workload::put, "put"},
    {Workload::range, "range"},
    {Workload::range_serializable, "range-serializable"},
    {Workload::txn, "txn"},
    {Workload::watch, "watch"},
    {Workload::fill, "fill"},
}};

std::atomic<int> g_channel_serial{0};

}  // namespace

std::string_view workload_name(Workload workload) {
  for (const auto& [w, name] : kNames) {
    if (w == workload) return name;
  }
  return "?";
}

std::optional<Workload> parse_workload(std::string_view name) {
  for (const auto& [w, n] : kNames) {
    if (n == name) return w;
  }
  return std::nullopt;
}

std::string make_value(uint32_t slot) {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string value(kValueBytes, 'x');
  for (size_t i = 0; i < value.size(); ++i) {
    value[i] = kAlphabet[(i * 7 + slot) % kAlphabet.size()];
  }
  return value;
}

std::string get_key(uint64_t i) {
  return fmt::format("v3bench/get/{}", i);
}

Channels::Channels(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints, uint32_t count) {
  for (uint32_t c = 0; c < count; ++c) {
    const auto& endpoint = endpoints[c % endpoints.size()];
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("corestack.bench_channel", g_channel_serial.fetch_add(1));
    args.SetMaxReceiveMessageSize(-1);
    auto channel = grpc::CreateCustomChannel(
        fmt::format("ipv4:{}:{}", endpoint.address().to_string(), endpoint.port()),
        grpc::InsecureChannelCredentials(), args);
    kv_.push_back(etcdserverpb::KV::NewStub(channel));
    watch_.push_back(etcdserverpb::Watch::NewStub(channel));
    channels_.push_back(std::move(channel));
  }
}

bool Channels::connect(std::chrono::seconds timeout, std::string* error) {
  const auto deadline = std::chrono::system_clock::now() + timeout;
  for (size_t c = 0; c < channels_.size(); ++c) {
    if (!channels_[c]->WaitForConnected(deadline)) {
      *error = fmt::format("channel {} did not connect in {} s", c, timeout.count());
      return false;
    }
  }
  return true;
}

}  // namespace bench::v3
