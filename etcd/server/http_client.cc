#include "etcd/server/http_client.h"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "etcd/common/asio.h"
#include "etcd/common/url.h"
#include "etcd/transport/tls_context.h"

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

namespace {

using Request = bhttp::request<bhttp::string_body>;

template <typename Stream>
HttpReply round_trip(Stream& stream, const Request& req) {
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  HttpReply reply{static_cast<int>(res.result_int()), {}, std::move(res.body())};
  for (const auto& field : res) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return reply;
}

HttpReply exchange_tls(asio::io_context& io, asio::ssl::context& ctx, const std::string& host,
                       const asio::ip::tcp::resolver::results_type& endpoints,
                       std::chrono::milliseconds timeout, const Request& req) {
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  beast::get_lowest_layer(stream).expires_after(timeout);
  beast::get_lowest_layer(stream).connect(endpoints);
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  if (ec && !SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
    throw std::runtime_error("TLS: cannot set the server name " + host);
  }
  stream.set_verify_callback(asio::ssl::host_name_verification(host));
  stream.handshake(asio::ssl::stream_base::client);
  HttpReply reply = round_trip(stream, req);
  stream.shutdown(ec);  // the reply is complete; a peer that just closes is fine
  return reply;
}

}  // namespace

Result<HttpReply> http_call(const std::string& method, const std::string& url,
                            const std::string& form_body, std::chrono::milliseconds timeout,
                            const TlsClientContext& tls) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Error{"not a URL: " + url};
  const bool https = url.starts_with("https://");
  const auto path_start = url.find('/', scheme_end + 3);
  const std::string origin = url.substr(0, path_start);
  const std::string target = path_start == std::string::npos ? "/" : url.substr(path_start);
  // The discovery service is usually named without a port (https://discovery.etcd.io/...).
  const std::string authority = origin.substr(scheme_end + 3);
  const auto bracket = authority.rfind(']');
  const auto colon = authority.rfind(':');
  const bool has_port =
      colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  auto parsed = parse_url(has_port ? origin : origin + (https ? ":443" : ":80"));
  if (!parsed) return parsed.error();
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(parsed->host, std::to_string(parsed->port));
    Request req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, parsed->host + ":" + std::to_string(parsed->port));
    if (!form_body.empty()) {
      req.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
      req.body() = form_body;
    }
    req.prepare_payload();
    if (https) {
      TlsClientContext ctx = tls;
      if (!ctx) {
        auto system_trust = transport::make_client_tls(transport::TlsFiles{});
        if (!system_trust) return system_trust.error();
        ctx = std::move(system_trust).value();
      }
      return exchange_tls(io, *ctx, parsed->host, endpoints, timeout, req);
    }
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(endpoints);
    return round_trip(stream, req);
  } catch (const boost::system::system_error& e) {
    const auto& cat = e.code().category();
    const bool tls_error =
        cat == asio::error::get_ssl_category() || cat == asio::ssl::error::get_stream_category();
    return Error{method + " " + url + ": " + (tls_error ? "TLS: " : "") + e.code().message()};
  } catch (const std::exception& e) {
    return Error{method + " " + url + ": " + e.what()};
  }
}

}  // namespace etcd::server
