#include "bench/v2/report.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace bench {
namespace {

struct Combined {
  bool present = false;
  double ops_per_s = 0;
  double spread = 0;  // half of (max - min) / median
  LatencyHistogram latency;
  double cpu_per_kop = 0;
  double client_cores = 0;
  double load = 0;
  uint64_t errors = 0;
};

Combined combine(const std::vector<RunResult>& runs) {
  Combined c;
  if (runs.empty()) return c;
  c.present = true;
  std::vector<double> rates;
  double server_cpu = 0, client_cpu = 0, seconds = 0, load = 0;
  uint64_t ops = 0;
  for (const auto& r : runs) {
    rates.push_back(r.ops_per_s());
    c.latency.merge(r.latency);
    server_cpu += r.server_cpu_s;
    client_cpu += r.client_cpu_s;
    seconds += r.seconds;
    load += r.load_average;
    ops += r.ops;
    c.errors += r.errors;
  }
  std::sort(rates.begin(), rates.end());
  const size_t n = rates.size();
  c.ops_per_s = n % 2 ? rates[n / 2] : (rates[n / 2 - 1] + rates[n / 2]) / 2;
  c.spread = c.ops_per_s > 0 ? (rates.back() - rates.front()) / 2 / c.ops_per_s : 0;
  c.cpu_per_kop = ops ? server_cpu * 1000 / static_cast<double>(ops) : 0;
  c.client_cores = seconds > 0 ? client_cpu / seconds : 0;
  c.load = load / static_cast<double>(n);
  return c;
}

std::string ms(uint64_t ns) {
  const double v = static_cast<double>(ns) / 1e6;
  return v >= 100 ? fmt::format("{:.0f}", v) : v >= 10 ? fmt::format("{:.1f}", v)
                                                        : fmt::format("{:.2f}", v);
}

std::string latencies(const Combined& c) {
  if (!c.present) return "—";
  return fmt::format("{} / {} / {}", ms(c.latency.percentile_ns(0.5)),
                     ms(c.latency.percentile_ns(0.99)), ms(c.latency.percentile_ns(0.999)));
}

std::string rate(const Combined& c) {
  if (!c.present) return "—";
  return fmt::format("{:.0f} ±{:.0f}%", c.ops_per_s, c.spread * 100);
}

std::string ratio(double a, double b) {
  return b > 0 && a > 0 ? fmt::format("{:.2f}", a / b) : "—";
}

std::string mib(uint64_t bytes) {
  return fmt::format("{:.1f}", static_cast<double>(bytes) / (1 << 20));
}

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
