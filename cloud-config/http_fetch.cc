#include "cloud-config/http_fetch.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <thread>

#include "cloud-config/codec.h"

namespace corestack::cloudinit {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kMaxAttemptTime = std::chrono::seconds(30);

struct Attempt {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::string error;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * count > kMaxDecodedSize) return 0;  // aborts the transfer
  body->append(data, size * count);
  return size * count;
}

Attempt attempt(const std::string& url, std::chrono::milliseconds timeout) {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)initialised;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  Attempt a;
  if (!curl) {
    a.code = CURLE_FAILED_INIT;
    return a;
  }
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(timeout.count(), 1)));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  a.code = curl_easy_perform(curl.get());
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &a.status);
  a.error = error[0] ? error : curl_easy_strerror(a.code);
  return a;
}

}  // namespace

std::string http_get(const std::string& url, Clock::time_point deadline,
                     const RetryPolicy& policy) {
  auto backoff = policy.initial_backoff;
  long last_status = 0;
  std::string last_error = "no attempt before the deadline";
  for (int n = 1;; ++n) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    Attempt a = attempt(url, std::min<std::chrono::milliseconds>(left, kMaxAttemptTime));
    last_status = a.status;
    if (a.code == CURLE_OK && a.status >= 200 && a.status < 300) return std::move(a.body);
    if (a.code == CURLE_OK && a.status >= 400 && a.status < 500) {
      HttpError e("GET " + url + ": HTTP " + std::to_string(a.status));
      e.status = a.status;
      throw e;
    }
    last_error = a.code == CURLE_OK ? "HTTP " + std::to_string(a.status) : a.error;
    spdlog::warn("GET {} failed (attempt {}): {}; retrying in {} ms", url, n, last_error,
                 backoff.count());
    const auto wake = std::min(Clock::now() + backoff, deadline);
    std::this_thread::sleep_until(wake);
    backoff = std::min(backoff * 2, policy.max_backoff);
  }
  HttpError e("GET " + url + ": gave up at the deadline: " + last_error);
  e.status = last_status;
  throw e;
}

}  // namespace corestack::cloudinit
