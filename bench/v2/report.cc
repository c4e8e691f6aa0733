#include "bench/v2/report.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "bench/common/report_format.h"

namespace bench {
namespace {

double median(std::vector<double> v) {
  std::erase_if(v, [](double x) { return x < 0; });
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string seconds(double s) {
  return s < 0 ? "—" : fmt::format("{:.3f}", s);
}

std::string pair(const std::string& a, const std::string& b, const std::string& r) {
  return fmt::format("{} / {} ({})", a, b, r);
}

}  // namespace

void print_matrix(std::ostream& out, const std::vector<CellResult>& cells,
                  const std::vector<ServerKind>&) {
  out << "| workload | conns | members | etcd2 ops/s | etcd ops/s | ops/s x | etcd2 p50 / p99 / "
         "p99.9 ms | etcd p50 / p99 / p99.9 ms | p99 x | etcd2 CPU s/kop | etcd CPU s/kop | "
         "CPU x | client cores (etcd2 / etcd) | load avg | errors |\n"
      << "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const auto& cell : cells) {
    auto find = [&](ServerKind k) {
      auto it = cell.runs.find(k);
      return it == cell.runs.end() ? Combined{} : combine(it->second);
    };
    const Combined a = find(ServerKind::etcd2), b = find(ServerKind::etcd);
    out << fmt::format(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.3f} | {:.3f} | {} | {:.2f} / {:.2f} | "
        "{:.1f} | {} / {} |\n",
        workload_name(cell.workload), cell.connections, cell.members, rate(a), rate(b),
        ratio(a.ops_per_s, b.ops_per_s), latencies(a), latencies(b),
        ratio(static_cast<double>(a.latency.percentile_ns(0.99)),
              static_cast<double>(b.latency.percentile_ns(0.99))),
        a.cpu_per_kop, b.cpu_per_kop, ratio(a.cpu_per_kop, b.cpu_per_kop), a.client_cores,
        b.client_cores, (a.load + b.load) / ((a.present ? 1 : 0) + (b.present ? 1 : 0)), a.errors,
        b.errors);
  }
}

void print_keyspace(std::ostream& out, const std::vector<KeyspaceResult>& results,
                    const std::vector<ServerKind>&) {
  out << "| keys | RSS after load MiB etcd2 / etcd (x) | RSS after restart MiB | data dir MiB | "
         "restart to local GET s | restart to quorum GET s | snapshot s | write stall during "
         "snapshot s | load keys/s |\n"
      << "|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  std::vector<uint64_t> sizes;
  for (const auto& r : results) {
    if (std::find(sizes.begin(), sizes.end(), r.keys) == sizes.end()) sizes.push_back(r.keys);
  }
  for (uint64_t keys : sizes) {
    KeyspaceResult a, b;
    for (const auto& r : results) {
      if (r.keys == keys) (r.kind == ServerKind::etcd2 ? a : b) = r;
    }
    auto d = [](uint64_t x) { return static_cast<double>(x); };
    const double ra = median(a.restart_read_s), rb = median(b.restart_read_s);
    const double sa = median(a.restart_serve_s), sb = median(b.restart_serve_s);
    out << fmt::format(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {:.0f} / {:.0f} |\n", keys,
        pair(mib(a.rss_after_load_bytes), mib(b.rss_after_load_bytes),
             ratio(d(a.rss_after_load_bytes), d(b.rss_after_load_bytes))),
        pair(mib(a.rss_after_restart_bytes), mib(b.rss_after_restart_bytes),
             ratio(d(a.rss_after_restart_bytes), d(b.rss_after_restart_bytes))),
        pair(mib(a.data_dir_bytes), mib(b.data_dir_bytes),
             ratio(d(a.data_dir_bytes), d(b.data_dir_bytes))),
        pair(seconds(ra), seconds(rb), ratio(ra, rb)), pair(seconds(sa), seconds(sb), ratio(sa, sb)),
        pair(seconds(a.snapshot_s), seconds(b.snapshot_s), ratio(a.snapshot_s, b.snapshot_s)),
        pair(seconds(a.snapshot_stall_s), seconds(b.snapshot_stall_s),
             ratio(a.snapshot_stall_s, b.snapshot_stall_s)),
        a.load_ops_per_s, b.load_ops_per_s);
  }
  for (const auto& r : results) {
    if (!r.note.empty()) out << fmt::format("\n{} at {} keys: {}\n", server_name(r.kind), r.keys, r.note);
  }
}

}  // namespace bench
