// fleetctl: fleet's command-line client (docs/fleet.md "fleetctl"). Options in
// fleetctl_options.h, the API client and its drivers in fleetctl_client.h, the commands in
// fleetctl_commands.h, ssh in fleetctl_ssh.h.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "agents/fleet/fleetctl_commands.h"

namespace corestack::fleet {
namespace {

// --tunnel: each API request runs ssh to the tunnel host, which pipes it to the API: a unix
// endpoint through `fleetctl fd-forward SOCKET` there, an http one through ssh -W.
Expected<Transport, std::string> tunnel_transport(const Options& o, const std::string& endpoint,
                                                  std::chrono::milliseconds timeout) {
  auto hop = parse_host_port(o.tunnel);
  if (!hop) return unexpected("bad --tunnel: " + hop.error());
  SshSettings s = ssh_settings_of(o, false, std::getenv("HOME") ? std::getenv("HOME") : "/");
  s.interactive = ::isatty(0) != 0;
  ensure_known_hosts_dir(s);
  const auto total = timeout + std::chrono::milliseconds(static_cast<long>(o.ssh_timeout_s * 1000));
  for (std::string_view scheme : {"unix://", "file://"}) {
    if (endpoint.rfind(scheme, 0) != 0) continue;
    const std::string path = endpoint.substr(scheme.size());
    if (path.empty() || path[0] != '/') {
      return unexpected("unable to connect to host " + endpoint + ": want unix:///path");
    }
    SshSettings direct = s;
    direct.tunnel.clear();
    direct.port = hop->port;
    return stdio_transport(
        ssh_argv(direct, hop->host, remote_command({"fleetctl", "fd-forward", path})), total);
  }
  if (endpoint.rfind("http://", 0) == 0) {
    std::string rest = endpoint.substr(7);
    rest = rest.substr(0, rest.find('/'));
    auto target = parse_host_port(rest, 80);
    if (!target) return unexpected("unable to connect to host " + endpoint + ": " + target.error());
    return stdio_transport(ssh_pipe_argv(s, *target), total);
  }
  return unexpected("unable to connect to host " + endpoint +
                    " through --tunnel: only unix:// and http:// endpoints are supported");
}

// --debug: every API request on stderr.
Transport traced(Transport inner) {
  return [inner = std::move(inner)](const std::string& method, const std::string& path,
                                    const std::string& body) {
    std::cerr << "fleetctl: " << method << " " << path << (body.empty() ? "" : " " + body) << "\n";
    return inner(method, path, body);
  };
}

}  // namespace

Expected<Transport, std::string> make_transport(const Options& o) {
  const auto timeout = std::chrono::milliseconds(static_cast<long>(o.request_timeout_s * 1000));
  const TlsFiles tls{o.key_file, o.cert_file, o.ca_file};
  const std::string endpoint = o.effective_endpoint();
  if (o.driver == "etcd") {
    if (!o.tunnel.empty())
      return unexpected(std::string("--tunnel with --driver etcd is not supported"));
    return etcd_transport(endpoint, o.etcd_key_prefix, timeout, tls, o.debug);
  }
  if (endpoint.find(',') != std::string::npos) {
    std::cerr << "WARNING: multiple endpoints given, using only the first: "
              << endpoint.substr(0, endpoint.find(',')) << "\n";
  }
  auto t = o.tunnel.empty() ? http_transport(endpoint, timeout, tls)
                            : tunnel_transport(o, endpoint.substr(0, endpoint.find(',')), timeout);
  if (!t) return t;
  return o.debug ? traced(std::move(*t)) : std::move(*t);
}

}  // namespace corestack::fleet

int main(int argc, char** argv) {
  using namespace corestack::fleet;
  auto o = parse_options(std::vector<std::string>(argv + 1, argv + argc),
                         [](const char* name) { return std::getenv(name); });
  if (!o) {
    std::cerr << "Error: " << o.error() << "\nRun 'fleetctl --help' for usage.\n";
    return 1;
  }
  if (o->version || o->command == "version") {
    std::cout << "fleetctl version 1.0.0\n";
    return 0;
  }
  if (o->help || o->command.empty() || o->command == "help") {
    std::cout << usage_text();
    return 0;
  }
  if (o->command == "verify" || o->sign) {
    std::cerr << verify_deprecated_message(o->command == "verify" ? "verify" : "--sign") << "\n";
    return 2;
  }
  if (o->command == "fd-forward") {
    if (o->args.size() != 1) {
      std::cerr << "Provide a single argument: the unix socket to forward to\n";
      return 1;
    }
    return fd_forward(o->args[0]);
  }
  auto transport = make_transport(*o);
  if (!transport) {
    std::cerr << "Unable to initialize client: " << transport.error() << "\n";
    return 1;
  }
  return Ctl(std::move(*o), FleetClient(std::move(*transport))).run();
}
