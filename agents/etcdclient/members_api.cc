#include "agents/etcdclient/members_api.h"

#include <algorithm>

#include "agents/etcdclient/codec.h"

namespace etcd::client {
namespace {

constexpr const char* kMembersPrefix = "/v2/members";

HttpRequest members_request(const char* method, const std::string& id) {
  HttpRequest r;
  r.method = method;
  r.path = id.empty() ? kMembersPrefix : std::string(kMembersPrefix) + "/" + id;
  return r;
}

Error unexpected_status(const HttpResponse& response) {
  return Error{.kind = ErrorKind::http,
               .message = "unexpected status code " + std::to_string(response.status),
               .http_status = response.status,
               .body = response.body};
}

// A members API error body ({"message": ...}) as the error.
Error message_error(const HttpResponse& response) {
  return Error{.kind = ErrorKind::http,
               .message = decode_message(response.body),
               .http_status = response.status,
               .body = response.body};
}

Result<std::string> validate_one(const std::string& url) {
  const auto sep = url.find("://");
  const std::string scheme = sep == std::string::npos ? "" : url.substr(0, sep);
  if (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs") {
    return invalid_argument("URL scheme must be http, https, unix, or unixs: " + url);
  }
  const std::string rest = url.substr(sep + 3);
  const auto slash = rest.find('/');
  const std::string host = rest.substr(0, slash);
  const auto colon = host.rfind(':');
  if (colon == std::string::npos || colon + 1 == host.size() ||
      (host.find(']') != std::string::npos && colon < host.find(']'))) {
    return invalid_argument("URL address does not have the form \"host:port\": " + url);
  }
  if (slash != std::string::npos && rest.size() > slash + 1) {
    return invalid_argument("URL must not contain a path: " + url);
  }
  return url;
}

}  // namespace

Result<std::vector<std::string>> validate_peer_urls(const std::vector<std::string>& urls) {
  std::vector<std::string> out;
  for (const auto& url : urls) {
    auto valid = validate_one(url);
    if (!valid) return valid.error();
    out.push_back(*valid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<Member>> MembersApi::list() {
  auto response = client_.send(members_request("GET", ""));
  if (!response) return response.error();
  if (response->status != 200) return unexpected_status(*response);
  return decode_members(response->body);
}

Result<Member> MembersApi::leader() {
  auto response = client_.send(members_request("GET", "leader"));
  if (!response) return response.error();
  if (response->status != 200) return unexpected_status(*response);
  return decode_member(response->body);
}

Result<Member> MembersApi::add(const std::vector<std::string>& peer_urls) {
  auto urls = validate_peer_urls(peer_urls);
  if (!urls) return urls.error();
  HttpRequest request = members_request("POST", "");
  request.body = encode_peer_urls(*urls);
  request.content_type = "application/json";
  auto response = client_.send(request);
  if (!response) return response.error();
  if (response->status == 409) return message_error(*response);
  if (response->status != 201) return unexpected_status(*response);
  return decode_member(response->body);
}

Result<void> MembersApi::remove(const std::string& id) {
  auto response = client_.send(members_request("DELETE", id));
  if (!response) return response.error();
  if (response->status != 204 && response->status != 410) return unexpected_status(*response);
  return Ok{};
}

Result<void> MembersApi::update(const std::string& id, const std::vector<std::string>& peer_urls) {
  auto urls = validate_peer_urls(peer_urls);
  if (!urls) return urls.error();
  HttpRequest request = members_request("PUT", id);
  request.body = encode_peer_urls(*urls);
  request.content_type = "application/json";
  auto response = client_.send(request);
  if (!response) return response.error();
  if (response->status == 404 || response->status == 409) return message_error(*response);
  if (response->status != 204) return unexpected_status(*response);
  return Ok{};
}

}  // namespace etcd::client
