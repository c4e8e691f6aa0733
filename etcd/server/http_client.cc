#include "etcd/server/http_client.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "etcd/common/asio.h"
#include "etcd/common/url.h"

namespace etcd::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

const std::string* HttpReply::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, beast::string_view(name.data(), name.size()))) return &v;
  }
  return nullptr;
}

std::string url_escape(std::string_view value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<HttpReply> http_call(const std::string& method, const std::string& url,
                            const std::string& form_body, std::chrono::milliseconds timeout) {
  if (url.starts_with("https://")) return Error{url + ": https is not supported here yet"};
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Error{"not a URL: " + url};
  const auto path_start = url.find('/', scheme_end + 3);
  const std::string origin = url.substr(0, path_start);
  const std::string target = path_start == std::string::npos ? "/" : url.substr(path_start);
  auto parsed = parse_url(origin);
  if (!parsed) return parsed.error();
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    asio::ip::tcp::resolver resolver(io);
    stream.connect(resolver.resolve(parsed->host, std::to_string(parsed->port)));
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, parsed->host + ":" + std::to_string(parsed->port));
    if (!form_body.empty()) {
      req.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
      req.body() = form_body;
    }
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    HttpReply reply{static_cast<int>(res.result_int()), {}, std::move(res.body())};
    for (const auto& field : res) {
      reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    return reply;
  } catch (const std::exception& e) {
    return Error{method + " " + url + ": " + e.what()};
  }
}

}  // namespace etcd::server
