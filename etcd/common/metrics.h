// Minimal Prometheus instruments: counters, gauges, histograms and counters by one label,
// rendered in the text exposition format (version 0.0.4). Thread-safe; each process owns
// its instruments (no global registry): the server holds them and renders /metrics.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace etcd::metrics {

class Counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Histogram {
 public:
  // Upper bounds, ascending; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  // Prometheus' ExponentialBuckets(start, factor, count).
  static std::vector<double> exponential(double start, double factor, int count);

  void observe(double value);
  void render(std::string& out, const std::string& name) const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative
  uint64_t count_ = 0;
  double sum_ = 0;
};

// A counter family with one label ({method="GET"}, {code="200"}).
class LabeledCounter {
 public:
  explicit LabeledCounter(std::string label) : label_(std::move(label)) {}
  void add(const std::string& value, uint64_t n = 1);
  void render(std::string& out, const std::string& name) const;

 private:
  std::string label_;
  mutable std::mutex mutex_;
  std::map<std::string, uint64_t> values_;
};

// "# HELP name help\n# TYPE name type\n".
void header(std::string& out, const std::string& name, const char* type, const char* help);
void sample(std::string& out, const std::string& name, double value);

}  // namespace etcd::metrics
