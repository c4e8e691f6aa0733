#include "agents/fleet/fleetctl_client.h"

#include <curl/curl.h>

#include <functional>
#include <memory>

namespace corestack::fleet {
namespace {

size_t append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string api_error(long status, const std::string& body) {
  const auto message = decode_error_message(body);
  return "googleapi: Error " + std::to_string(status) + ": " + message.value_or(body);
}

// Every page of a list: GET path?nextPageToken=... until the answer has no token.
template <typename Page, typename Decode, typename Items>
Expected<Items, std::string> all_pages(
    const std::string& path, Decode decode,
    const std::function<Expected<std::string, std::string>(const std::string&)>& get,
    Items Page::*items) {
  Items out;
  std::string token;
  for (int pages = 0; pages < 10000; ++pages) {
    auto body = get(token.empty() ? path : path + "?nextPageToken=" + token);
    if (!body) return unexpected(body.error());
    auto page = decode(*body);
    if (!page) return unexpected("decoding " + path + ": " + page.error());
    auto& got = (*page).*items;
    out.insert(out.end(), got.begin(), got.end());
    if (page->next_page_token.empty() || got.empty()) break;
    token = page->next_page_token;
  }
  return out;
}

}  // namespace

Expected<FleetClient, std::string> FleetClient::create(const std::string& endpoint,
                                                       std::chrono::milliseconds timeout) {
  std::string first = endpoint.substr(0, endpoint.find(','));
  for (std::string_view scheme : {"unix://", "file://"}) {
    if (first.rfind(scheme, 0) == 0) {
      const std::string path = first.substr(scheme.size());
      if (path.empty() || path[0] != '/') {
        return unexpected("unable to connect to host " + first + ": want unix:///path");
      }
      return FleetClient(path, "http://localhost/fleet/v1", timeout);
    }
  }
  if (first.rfind("http://", 0) == 0 || first.rfind("https://", 0) == 0) {
    while (!first.empty() && first.back() == '/')
      first.pop_back();
    return FleetClient("", first + "/fleet/v1", timeout);
  }
  return unexpected("unable to connect to host " + first + ": unsupported scheme");
}

Expected<FleetClient::Reply, std::string> FleetClient::call(const std::string& method,
                                                            const std::string& path,
                                                            const std::string& body) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return unexpected(std::string("cannot initialise libcurl"));
  Reply reply;
  const std::string url = base_url_ + path;
  curl_slist* headers = nullptr;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  if (!socket_path_.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
  if (!body.empty()) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  const CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    return unexpected(std::string("error attempting to ") + method + " " + url + ": " +
                      curl_easy_strerror(code));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

Expected<FleetClient::Reply, std::string> FleetClient::expect(const std::string& method,
                                                              const std::string& path,
                                                              const std::string& body,
                                                              std::initializer_list<long> ok) {
  auto reply = call(method, path, body);
  if (!reply) return reply;
  for (long status : ok) {
    if (reply->status == status) return reply;
  }
  return unexpected(api_error(reply->status, reply->body));
}

Expected<std::string, std::string> FleetClient::get_body(const std::string& path) {
  auto r = expect("GET", path, "", {200});
  if (!r) return unexpected(r.error());
  return r->body;
}

Expected<std::vector<ApiUnit>, std::string> FleetClient::units() {
  auto get = [this](const std::string& p) { return get_body(p); };
  return all_pages<UnitPage>("/units", decode_unit_page, get, &UnitPage::units);
}

Expected<std::optional<ApiUnit>, std::string> FleetClient::unit(const std::string& name) {
  auto r = expect("GET", "/units/" + name, "", {200, 404});
  if (!r) return unexpected(r.error());
  if (r->status == 404) return std::optional<ApiUnit>();
  auto u = decode_unit(r->body);
  if (!u) return unexpected("decoding unit " + name + ": " + u.error());
  return std::optional<ApiUnit>(*u);
}

Expected<std::vector<ApiUnitState>, std::string> FleetClient::states() {
  auto get = [this](const std::string& p) { return get_body(p); };
  return all_pages<UnitStatePage>("/state", decode_unit_state_page, get, &UnitStatePage::states);
}

Expected<std::vector<ApiMachine>, std::string> FleetClient::machines() {
  auto get = [this](const std::string& p) { return get_body(p); };
  return all_pages<MachinePage>("/machines", decode_machine_page, get, &MachinePage::machines);
}

Expected<Done, std::string> FleetClient::create_unit(const ApiUnit& unit) {
  auto r = expect("PUT", "/units/" + unit.name, encode_unit(unit), {201, 204});
  if (!r) return unexpected(r.error());
  return Done{};
}

Expected<Done, std::string> FleetClient::set_desired_state(const std::string& name,
                                                           std::string_view state) {
  const std::string body = "{\"desiredState\":\"" + std::string(state) + "\"}";
  auto r = expect("PUT", "/units/" + name, body, {204});
  if (!r) return unexpected(r.error());
  return Done{};
}

Expected<Done, std::string> FleetClient::destroy(const std::string& name) {
  auto r = expect("DELETE", "/units/" + name, "", {204});
  if (!r) return unexpected(r.error());
  return Done{};
}

}  // namespace corestack::fleet
