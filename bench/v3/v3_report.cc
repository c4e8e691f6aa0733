#include "bench/v3/v3_report.h"

#include <fmt/format.h>

#include "bench/common/report_format.h"

namespace bench::v3 {

void print_table(std::ostream& out, const std::vector<Cell>& cells) {
  out << "| workload | in flight | members | etcd2 ops/s | etcd ops/s | ops/s x | etcd2 p50 / p99 "
         "/ p99.9 ms | etcd p50 / p99 / p99.9 ms | p99 x | etcd2 CPU s/kop | etcd CPU s/kop | "
         "CPU x | RSS MiB etcd2 / etcd | RSS x | client cores (etcd2 / etcd) | load avg | "
         "errors |\n"
      << "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  auto d = [](uint64_t x) { return static_cast<double>(x); };
  for (const auto& cell : cells) {
    auto find = [&](ServerKind k) {
      auto it = cell.runs.find(k);
      return it == cell.runs.end() ? Combined{} : combine(it->second);
    };
    const Combined a = find(ServerKind::etcd2), b = find(ServerKind::etcd);
    const int present = (a.present ? 1 : 0) + (b.present ? 1 : 0);
    out << fmt::format(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.3f} | {:.3f} | {} | {} / {} | {} | "
        "{:.2f} / {:.2f} | {:.1f} | {} / {} |\n",
        workload_name(cell.workload), cell.concurrency, cell.members, rate(a), rate(b),
        ratio(a.ops_per_s, b.ops_per_s), latencies(a), latencies(b),
        ratio(d(a.latency.percentile_ns(0.99)), d(b.latency.percentile_ns(0.99))), a.cpu_per_kop,
        b.cpu_per_kop, ratio(a.cpu_per_kop, b.cpu_per_kop), mib(a.rss_bytes), mib(b.rss_bytes),
        ratio(d(a.rss_bytes), d(b.rss_bytes)), a.client_cores, b.client_cores,
        present ? (a.load + b.load) / present : 0.0, a.errors, b.errors);
  }
  for (const auto& cell : cells) {
    if (cell.workload != Workload::watch) continue;
    auto from_send = [&](ServerKind k) {
      auto it = cell.from_send.find(k);
      if (it == cell.from_send.end() || it->second.count() == 0) return std::string("—");
      return fmt::format("{} / {}", ms(it->second.percentile_ns(0.5)),
                         ms(it->second.percentile_ns(0.99)));
    };
    out << fmt::format(
        "\nwatch: ops/s are events/s to {} watchers; latency is from the Put's acknowledgment "
        "to the last watcher's event (0 when all had it first). From the Put's send instead, "
        "p50 / p99 ms: etcd2 {}, etcd {}.\n",
        cell.concurrency, from_send(ServerKind::etcd2), from_send(ServerKind::etcd));
  }
}

}  // namespace bench::v3
