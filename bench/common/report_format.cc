#include "bench/common/report_format.h"

#include <algorithm>

#include <fmt/format.h>

namespace bench {

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
    c.rss_bytes = std::max(c.rss_bytes, r.server_rss_bytes);
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
  return v >= 100  ? fmt::format("{:.0f}", v)
         : v >= 10 ? fmt::format("{:.1f}", v)
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

}  // namespace bench
