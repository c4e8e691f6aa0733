#include "agents/fleet/fleetctl_client.h"

#include <curl/curl.h>

#include <iostream>
#include <memory>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/keys_api.h"
#include "agents/fleet/fleet_api.h"
#include "agents/fleet/fleetctl_ssh.h"
#include "agents/fleet/registry.h"

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

struct CurlEndpoint {
  std::string socket_path;  // "" for http(s)
  std::string base_url;     // "http://localhost/fleet/v1" for a unix socket
  std::chrono::milliseconds timeout;
  TlsFiles tls;

  Expected<HttpReply, std::string> operator()(const std::string& method, const std::string& path,
                                              const std::string& body) const {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return unexpected(std::string("cannot initialise libcurl"));
    HttpReply reply;
    const std::string url = base_url + path;
    curl_slist* headers = nullptr;
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    if (!socket_path.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path.c_str());
    if (!tls.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
    if (!tls.cert_file.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, tls.cert_file.c_str());
    if (!tls.key_file.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, tls.key_file.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
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
};

// "%2F" -> "/", "+" stays (page tokens are base64url).
std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

ApiRequest api_request(const std::string& method, const std::string& path,
                       const std::string& body) {
  ApiRequest r;
  r.method = method;
  const auto q = path.find('?');
  r.path = "/fleet/v1" + path.substr(0, q);
  if (q != std::string::npos) {
    std::string_view rest = std::string_view(path).substr(q + 1);
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      const auto eq = pair.find('=');
      r.query[percent_decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    }
  }
  if (!body.empty()) r.content_types = {"application/json"};
  r.body = body;
  return r;
}

// What FleetApi needs, owned together by the transport.
struct InProcessApi {
  std::unique_ptr<etcd::client::Client> client;
  std::unique_ptr<etcd::client::KeysApi> keys;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<FleetApi> api;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    std::string part =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

Expected<Transport, std::string> http_transport(const std::string& endpoint,
                                                std::chrono::milliseconds timeout,
                                                const TlsFiles& tls) {
  std::string first = endpoint.substr(0, endpoint.find(','));
  for (std::string_view scheme : {"unix://", "file://"}) {
    if (first.rfind(scheme, 0) == 0) {
      const std::string path = first.substr(scheme.size());
      if (path.empty() || path[0] != '/') {
        return unexpected("unable to connect to host " + first + ": want unix:///path");
      }
      return Transport(CurlEndpoint{path, "http://localhost/fleet/v1", timeout, tls});
    }
  }
  if (first.rfind("http://", 0) == 0 || first.rfind("https://", 0) == 0) {
    while (!first.empty() && first.back() == '/')
      first.pop_back();
    return Transport(CurlEndpoint{"", first + "/fleet/v1", timeout, tls});
  }
  return unexpected("unable to connect to host " + first + ": unsupported scheme");
}

Expected<Transport, std::string> etcd_transport(const std::string& endpoints,
                                                const std::string& key_prefix,
                                                std::chrono::milliseconds timeout,
                                                const TlsFiles& tls, bool debug) {
  etcd::client::Config config;
  config.endpoints = split_commas(endpoints);
  config.request_timeout_ms = static_cast<uint64_t>(timeout.count());
  config.ca_file = tls.ca_file;
  config.cert_file = tls.cert_file;
  config.key_file = tls.key_file;
  if (debug) {
    config.on_request = [](const etcd::client::RequestTrace& t) {
      std::cerr << "etcd: " << t.method << " " << t.url << "\n";
    };
  }
  auto client = etcd::client::Client::create(config);
  if (!client) return unexpected("invalid etcd configuration: " + client.error().to_string());
  auto in = std::make_shared<InProcessApi>();
  in->client = std::move(client.value());
  in->keys = std::make_unique<etcd::client::KeysApi>(*in->client);
  in->registry = std::make_unique<Registry>(*in->keys, key_prefix);
  in->api = std::make_unique<FleetApi>(*in->registry, uint16_t{100});
  in->api->set_registered(true);
  return Transport([in](const std::string& method, const std::string& path,
                        const std::string& body) -> Expected<HttpReply, std::string> {
    const ApiResponse r = in->api->handle(api_request(method, path, body));
    return HttpReply{r.status, r.body};
  });
}

std::string http_request_text(const std::string& method, const std::string& path,
                              const std::string& body) {
  std::string out = method + " /fleet/v1" + path + " HTTP/1.1\r\nHost: localhost\r\n" +
                    "Connection: close\r\nAccept: application/json\r\n";
  if (!body.empty()) out += "Content-Type: application/json\r\n";
  if (!body.empty() || method == "PUT" || method == "POST" || method == "PATCH") {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return out + "\r\n" + body;
}

Expected<HttpReply, std::string> parse_http_reply(std::string_view raw) {
  const auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string_view::npos) {
    return unexpected(std::string("malformed HTTP response"));
  }
  HttpReply reply;
  const auto sp = raw.find(' ');
  try {
    reply.status = std::stol(std::string(raw.substr(sp + 1, 3)));
  } catch (const std::exception&) {
    return unexpected(std::string("malformed HTTP status line"));
  }
  std::string head(raw.substr(0, head_end));
  for (char& c : head)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view body = raw.substr(head_end + 4);
  if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    while (true) {
      const auto eol = body.find("\r\n");
      if (eol == std::string_view::npos) return unexpected(std::string("truncated chunked body"));
      const size_t size = std::stoul(std::string(body.substr(0, eol)), nullptr, 16);
      if (size == 0) break;
      if (body.size() < eol + 2 + size) return unexpected(std::string("truncated chunked body"));
      reply.body.append(body.substr(eol + 2, size));
      body.remove_prefix(std::min(body.size(), eol + 2 + size + 2));
    }
    return reply;
  }
  if (auto cl = head.find("\r\ncontent-length:"); cl != std::string::npos) {
    const size_t length = std::stoul(head.substr(cl + 17));
    if (body.size() < length) return unexpected(std::string("truncated HTTP body"));
    body = body.substr(0, length);
  }
  reply.body = std::string(body);
  return reply;
}

Transport stdio_transport(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  return [argv = std::move(argv), timeout](
             const std::string& method, const std::string& path,
             const std::string& body) -> Expected<HttpReply, std::string> {
    auto raw =
        exchange(argv, http_request_text(method, path, body), static_cast<int>(timeout.count()));
    if (!raw) return unexpected("error attempting to " + method + " " + path + ": " + raw.error());
    return parse_http_reply(*raw);
  };
}

Expected<HttpReply, std::string> FleetClient::expect(const std::string& method,
                                                     const std::string& path,
                                                     const std::string& body,
                                                     std::initializer_list<long> ok) {
  auto reply = transport_(method, path, body);
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
