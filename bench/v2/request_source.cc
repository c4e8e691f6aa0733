#include "bench/v2/request_source.h"

#include <array>
#include <charconv>

#include <fmt/format.h>

namespace bench {

namespace {

constexpr std::array<std::pair<Workload, std::string_view>, 8> kNames{{
    {Workload::put_distinct, "put-distinct"},
    {Workload::put_hot, "put-hot"},
    {Workload::get, "get"},
    {Workload::get_quorum, "get-quorum"},
    {Workload::cas, "cas"},
    {Workload::watch, "watch"},
    {Workload::fill, "fill"},
    {Workload::load, "load"},
}};

std::string make_value(uint32_t connection) {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string value(kValueBytes, 'x');
  for (size_t i = 0; i < value.size(); ++i) {
    value[i] = kAlphabet[(i * 7 + connection) % kAlphabet.size()];
  }
  return value;
}

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

uint64_t node_modified_index(std::string_view body) {
  const auto node = body.find("\"node\":{");
  if (node == std::string_view::npos) return 0;
  constexpr std::string_view kField = "\"modifiedIndex\":";
  const auto field = body.find(kField, node);
  if (field == std::string_view::npos) return 0;
  uint64_t index = 0;
  const char* begin = body.data() + field + kField.size();
  std::from_chars(begin, body.data() + body.size(), index);
  return index;
}

RequestSource::RequestSource(Workload workload, std::string host, std::string run_tag,
                             uint32_t connection, KeySequence* sequence)
    : workload_(workload),
      host_(std::move(host)),
      run_tag_(std::move(run_tag)),
      connection_(connection),
      sequence_(sequence),
      form_("value=" + make_value(connection)),
      rng_(0x9e3779b97f4a7c15ULL * (connection + 1)) {}

uint64_t RequestSource::random_below(uint64_t n) {
  rng_ ^= rng_ << 13;  // xorshift64
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return rng_ % n;
}

std::string RequestSource::put(std::string_view path, std::string_view query) {
  return http_request("PUT", host_, fmt::format("/v2/keys/bench/{}{}", path, query), form_);
}

std::optional<std::string> RequestSource::next() {
  const uint64_t seq = seq_++;
  switch (workload_) {
    case Workload::put_distinct:
      return put(fmt::format("put/{}c{}/{}", run_tag_, connection_, seq));
    case Workload::put_hot: return put(fmt::format("hot/{}", (connection_ + seq) % kHotKeys));
    case Workload::get:
      return http_request("GET", host_, fmt::format("/v2/keys/bench/get/{}", random_below(kGetKeys)));
    case Workload::get_quorum:
      return http_request(
          "GET", host_, fmt::format("/v2/keys/bench/get/{}?quorum=true", random_below(kGetKeys)));
    case Workload::cas: {
      const auto path = fmt::format("cas/{}c{}", run_tag_, connection_);
      if (cas_index_ == 0) return put(path);
      return put(path, fmt::format("?prevIndex={}", cas_index_));
    }
    case Workload::fill:
    case Workload::load: {
      if (sequence_ == nullptr) return std::nullopt;
      const uint64_t i = sequence_->next.fetch_add(1);
      if (i >= sequence_->end) return std::nullopt;
      if (workload_ == Workload::fill) return put(fmt::format("get/{}", i));
      return put(fmt::format("load/{}/{}", i / 1000, i % 1000));
    }
    case Workload::watch: break;
  }
  return std::nullopt;
}

bool RequestSource::on_response(const HttpResponse& response) {
  const bool ok = response.status == 200 || response.status == 201;
  if (workload_ != Workload::cas) return ok;
  const bool created = cas_index_ == 0;
  // A failed compare (412) means our index is stale: re-create from scratch next time.
  cas_index_ = ok ? node_modified_index(response.body) : 0;
  return ok && !created;
}

}  // namespace bench
