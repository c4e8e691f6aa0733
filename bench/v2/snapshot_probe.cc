#include "bench/v2/snapshot_probe.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "bench/common/client_connection.h"
#include "bench/v2/request_source.h"

namespace bench {
namespace {

struct Write {
  uint64_t raft_index;
  double received_unix_s;  // wall clock, to compare with log timestamps
  double latency_s;
};

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct SnapshotLine {
  uint64_t index;
  double unix_s;
};

// The first "saved snapshot at index N" line after `offset` with N >= min_index.
std::optional<SnapshotLine> find_snapshot_line(const std::string& path, uint64_t offset,
                                               uint64_t min_index) {
  std::ifstream in(path);
  in.seekg(static_cast<std::streamoff>(offset));
  constexpr std::string_view kMarker = "saved snapshot at index ";
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find(kMarker);
    if (at == std::string::npos) continue;
    uint64_t index = 0;
    const char* begin = line.data() + at + kMarker.size();
    std::from_chars(begin, line.data() + line.size(), index);
    auto when = log_line_time(line);
    if (when && index >= min_index) return SnapshotLine{index, *when};
  }
  return std::nullopt;
}

// One PUT, waiting for its response; nullopt on failure.
std::optional<Write> write_once(boost::asio::io_context& io, ClientConnection& connection,
                                const std::string& request) {
  std::optional<Write> result;
  const auto start = std::chrono::steady_clock::now();
  connection.exchange(request, [&](boost::system::error_code ec, const HttpResponse& r) {
    if (ec || (r.status != 200 && r.status != 201)) return;
    const double latency =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result = Write{r.raft_index, unix_now(), latency};
  });
  io.restart();
  io.run_for(std::chrono::seconds(30));
  return result;
}

SnapshotTiming timing_of(const std::vector<Write>& writes, const SnapshotLine& line) {
  SnapshotTiming t;
  t.index = line.index;
  const Write* trigger = nullptr;
  for (const auto& w : writes) {
    if (w.raft_index <= line.index && (!trigger || w.raft_index > trigger->raft_index)) {
      trigger = &w;
    }
  }
  if (!trigger) {
    t.note = "no write at or before the snapshot index";
    return t;
  }
  if (trigger->raft_index != line.index) {
    t.note = fmt::format("nearest write at raft index {}", trigger->raft_index);
  }
  // A member that snapshots within the apply logs it before the client has read the
  // response: that is "no time at all", not a missing snapshot (negative means missing).
  t.seconds = std::max(0.0, line.unix_s - trigger->received_unix_s);
  t.stall_s = 0;
  for (const auto& w : writes) {
    if (w.received_unix_s > trigger->received_unix_s) t.stall_s = std::max(t.stall_s, w.latency_s);
  }
  return t;
}

}  // namespace

std::optional<double> log_line_time(std::string_view line) {
  if (line.size() < 26 || line[4] != '-' || line[10] != ' ' || line[19] != '.') return std::nullopt;
  std::tm tm{};
  auto number = [&](size_t at, size_t n) {
    int v = 0;
    std::from_chars(line.data() + at, line.data() + at + n, v);
    return v;
  };
  tm.tm_year = number(0, 4) - 1900;
  tm.tm_mon = number(5, 2) - 1;
  tm.tm_mday = number(8, 2);
  tm.tm_hour = number(11, 2);
  tm.tm_min = number(14, 2);
  tm.tm_sec = number(17, 2);
  tm.tm_isdst = -1;
  const std::time_t seconds = std::mktime(&tm);
  return static_cast<double>(seconds) + number(20, 6) / 1e6;
}

SnapshotTiming probe_snapshot(const boost::asio::ip::tcp::endpoint& endpoint,
                              const std::string& log_path, uint64_t log_offset,
                              uint64_t writes_max) {
  boost::asio::io_context io;
  ClientConnection connection(io, endpoint);
  if (connection.connect()) return SnapshotTiming{.note = "connect failed"};
  const auto host = fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
  const auto request = http_request("PUT", host, "/v2/keys/bench/snapshot-probe",
                                    "value=" + std::string(kValueBytes, 's'));
  std::vector<Write> writes;
  std::optional<SnapshotLine> line;
  uint64_t extra = 0;  // writes after the line appeared, to see the stall end
  for (uint64_t i = 0; i < writes_max && extra < 5; ++i) {
    auto w = write_once(io, connection, request);
    if (!w) return SnapshotTiming{.note = "a probe write failed"};
    writes.push_back(*w);
    if (line) {
      ++extra;
    } else if (i % 5 == 4) {
      line = find_snapshot_line(log_path, log_offset, writes.front().raft_index);
    }
  }
  if (!line && !writes.empty()) {
    line = find_snapshot_line(log_path, log_offset, writes.front().raft_index);
  }
  if (!line) return SnapshotTiming{.note = fmt::format("no snapshot after {} writes", writes.size())};
  return timing_of(writes, *line);
}

}  // namespace bench
