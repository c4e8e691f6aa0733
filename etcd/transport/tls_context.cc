#include "etcd/transport/tls_context.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "etcd/transport/beast.h"

namespace etcd::transport {
namespace {

constexpr std::string_view kPeerLabel = "peer TLS";

Error tls_error(std::string_view label, const std::string& what, const std::string& file,
                const std::string& why) {
  return Error{std::string(label) + ": cannot load " + what + " \"" + file + "\": " + why};
}

// OpenSSL reports a missing file as a bare "asio.ssl error"; say what the OS says.
Result<void> check_readable(std::string_view label, const std::string& what,
                            const std::string& file) {
  std::FILE* handle = std::fopen(file.c_str(), "r");
  if (handle == nullptr) return tls_error(label, what, file, std::strerror(errno));
  std::fclose(handle);
  return Ok{};
}

std::shared_ptr<ssl::context> new_context(ssl::context::method method) {
  auto context = std::make_shared<ssl::context>(method);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  return context;
}

Result<void> load_certificate(ssl::context& context, const TlsFiles& files,
                              std::string_view label) {
  if (auto ok = check_readable(label, "certificate", files.cert_file); !ok) return ok;
  if (auto ok = check_readable(label, "key", files.key_file); !ok) return ok;
  error_code ec;
  context.use_certificate_chain_file(files.cert_file, ec);
  if (ec) return tls_error(label, "certificate", files.cert_file, ec.message());
  context.use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) return tls_error(label, "key", files.key_file, ec.message());
  return Ok{};
}

Result<void> load_trust(ssl::context& context, const TlsFiles& files, std::string_view label) {
  error_code ec;
  if (files.trusted_ca_file.empty()) {
    context.set_default_verify_paths(ec);
  } else {
    if (auto ok = check_readable(label, "trusted CA file", files.trusted_ca_file); !ok) return ok;
    context.load_verify_file(files.trusted_ca_file, ec);
  }
  if (ec) return tls_error(label, "trusted CA file", files.trusted_ca_file, ec.message());
  return Ok{};
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_server_tls(const TlsFiles& files,
                                                      std::string_view label) {
  auto context = new_context(ssl::context::tls_server);
  if (auto loaded = load_certificate(*context, files, label); !loaded) return loaded.error();
  if (files.client_cert_auth) {
    if (auto trusted = load_trust(*context, files, label); !trusted) return trusted.error();
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return context;
}

Result<std::shared_ptr<ssl::context>> make_client_tls(const TlsFiles& files) {
  auto context = new_context(ssl::context::tls_client);
  if (auto trusted = load_trust(*context, files, kPeerLabel); !trusted) return trusted.error();
  context->set_verify_mode(ssl::verify_peer);
  if (files.has_certificate()) {
    if (auto loaded = load_certificate(*context, files, kPeerLabel); !loaded) {
      return loaded.error();
    }
  }
  return context;
}

}  // namespace etcd::transport
