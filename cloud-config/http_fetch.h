// Fetching user-data over HTTP(S) with libcurl, as coreos-cloudinit's pkg/http client does:
// retried with exponential backoff (100 ms doubling to at most 30 s) on connection errors and
// 5xx answers until `deadline`; a 4xx answer is final.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace corestack::cloudinit {

struct HttpError : std::runtime_error {
  using std::runtime_error::runtime_error;
  long status = 0;  // the last HTTP status, 0 when none arrived
};

struct RetryPolicy {
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{30000};
};

// The body of a 2xx answer; throws HttpError when the deadline passes or on a 4xx.
std::string http_get(const std::string& url, std::chrono::steady_clock::time_point deadline,
                     const RetryPolicy& policy = {});

}  // namespace corestack::cloudinit
