#include "agents/etcdclient/curl_transport.h"

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <curl/curl.h>

namespace etcd::client {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// libcurl's progress callback (at least once a second, also while waiting): non-zero
// aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
int abort_when_cancelled(void* flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(flag)->load() ? 1 : 0;
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::string trim(std::string_view text) {
  size_t b = 0;
  size_t e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return std::string(text.substr(b, e - b));
}

size_t append_header(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    response->headers.clear();  // a new response (after a 100 Continue or a redirect)
    return size * count;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name = trim(line.substr(0, colon));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  response->headers[name] = trim(line.substr(colon + 1));
  return size * count;
}

// Go's syscall errors are lower-case: "connection refused", "no route to host".
std::string errno_text(long code) {
  std::string text = std::strerror(static_cast<int>(code));
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

bool is_tls_error(int code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER: case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR: case CURLE_SSL_CRL_BADFILE: case CURLE_SSL_ENGINE_NOTFOUND:
      return true;
    default:
      return false;
  }
}

}  // namespace

CurlTransport::CurlTransport(const Config& config) : config_(config) {
  global_init();
  curl_ = curl_easy_init();
}

CurlTransport::~CurlTransport() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

void CurlTransport::set_options(const std::string& url, const HttpRequest& request,
                                uint64_t timeout_ms) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);  // keeps the connection cache
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  if (config_.cancel != nullptr) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_when_cancelled);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, config_.cancel);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  if (config_.connect_timeout_ms > 0) {
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout_ms));
  }
  if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body->data());
  }
  if (!config_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (!config_.cert_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, config_.cert_file.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, config_.key_file.c_str());
  }
  if (!config_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(c, CURLOPT_USERNAME, config_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, config_.password.c_str());
  }
}

CurlTransport::Outcome CurlTransport::perform(const std::string& url, const HttpRequest& request,
                                              uint64_t timeout_ms) {
  Outcome out;
  if (curl_ == nullptr) {
    out.failure = {"curl_easy_init failed", false, false, false};
    return out;
  }
  CURL* c = static_cast<CURL*>(curl_);
  set_options(url, request, timeout_ms);
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  if (!request.content_type.empty()) {
    headers = curl_slist_append(headers, ("Content-Type: " + request.content_type).c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.response.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, append_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &out.response);
  error_buffer_[0] = '\0';
  const CURLcode code = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    out.failure = describe(code, url, timeout_ms);
    return out;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  out.response.status = static_cast<int>(status);
  out.ok = true;
  return out;
}

TransportFailure CurlTransport::describe(int code, const std::string& url,
                                         uint64_t timeout_ms) const {
  CURL* c = static_cast<CURL*>(curl_);
  long os_errno = 0;
  curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
  const char* ip = nullptr;
  long port = 0;
  curl_easy_getinfo(c, CURLINFO_PRIMARY_IP, &ip);
  curl_easy_getinfo(c, CURLINFO_PRIMARY_PORT, &port);
  auto endpoint = parse_endpoint(url);
  std::string addr = endpoint ? endpoint->host_port() : url;
  if (ip != nullptr && *ip != '\0' && port != 0) {
    const bool v6 = std::strchr(ip, ':') != nullptr;
    addr = (v6 ? "[" + std::string(ip) + "]" : std::string(ip)) + ":" + std::to_string(port);
  }
  const std::string detail = error_buffer_[0] != '\0'
                                 ? std::string(error_buffer_)
                                 : curl_easy_strerror(static_cast<CURLcode>(code));
  curl_off_t connected_us = 0;
  curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connected_us);
  switch (code) {
    case CURLE_ABORTED_BY_CALLBACK:
      return {"request cancelled", false, true, false};
    case CURLE_COULDNT_CONNECT:
      return {"dial tcp " + addr + ": connect: " + errno_text(os_errno ? os_errno : ECONNREFUSED),
              true, false, false};
    case CURLE_COULDNT_RESOLVE_HOST: {
      const std::string host = endpoint ? endpoint->host.substr(0, endpoint->host.rfind(':')) : url;
      return {"dial tcp: lookup " + host + ": no such host", true, false, false};
    }
    case CURLE_OPERATION_TIMEDOUT:
      if (connected_us == 0) return {"dial tcp " + addr + ": i/o timeout", true, false, true};
      return {"client: endpoint " + (endpoint ? endpoint->scheme + "://" + endpoint->host : url) +
                  " exceeded header timeout",
              false, true, timeout_ms > 0};
    case CURLE_GOT_NOTHING:
      return {"EOF", true, true, false};
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return {"read tcp " + addr + ": " + detail, true, true, false};
    default:
      if (is_tls_error(code)) return {"tls: " + detail, false, false, false};
      return {detail, false, true, false};
  }
}

}  // namespace etcd::client
