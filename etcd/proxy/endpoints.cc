#include "etcd/proxy/endpoints.h"

#include <algorithm>
#include <utility>

namespace etcd::proxy {

Endpoints::Endpoints(const Clock& clock, int64_t failure_wait_ms, uint64_t seed)
    : clock_(clock), failure_wait_ns_(failure_wait_ms * 1'000'000), rng_(seed) {}

void Endpoints::set(std::vector<std::string> urls) {
  std::lock_guard lock(mutex_);
  entries_.clear();
  for (auto& url : urls)
    entries_.push_back({std::move(url)});
  // Fisher-Yates, as etcd's director shuffles on every refresh.
  for (size_t i = entries_.size(); i > 1; --i) {
    std::swap(entries_[i - 1], entries_[rng_.below(i)]);
  }
}

std::vector<std::string> Endpoints::available() const {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.steady_ns();
  std::vector<std::string> out;
  for (const auto& e : entries_) {
    if (e.failed_until_ns <= now) out.push_back(e.url);
  }
  return out;
}

std::vector<std::string> Endpoints::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& e : entries_)
    out.push_back(e.url);
  return out;
}

bool Endpoints::mark_failed(const std::string& url) {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.steady_ns();
  for (auto& e : entries_) {
    if (e.url != url) continue;
    if (e.failed_until_ns > now) return false;
    // At least 1 ns so that a zero wait still counts as "marked" for this instant.
    e.failed_until_ns = now + std::max<int64_t>(failure_wait_ns_, 1);
    return true;
  }
  return false;
}

}  // namespace etcd::proxy
