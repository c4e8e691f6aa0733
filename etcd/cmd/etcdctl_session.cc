#include "etcd/cmd/etcdctl_session.h"

#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "etcd/cmd/etcdctl_output.h"

namespace etcd::cmd::ctl {
namespace {

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

}  // namespace

std::optional<std::string> Session::ask_password(const char* prompt) {
  out << prompt << std::flush;
  termios saved{};
  const bool tty = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(in, line));
  if (tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  out << "\n";
  if (!got) return std::nullopt;
  return line;
}

namespace {

// transport.NewTransport fails on an unreadable TLS file with Go's os error text.
std::optional<std::string> unreadable(const std::string& path) {
  if (path.empty()) return std::nullopt;
  std::ifstream file(path);
  if (file) return std::nullopt;
  std::string why = std::strerror(errno);
  if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
  return "open " + path + ": " + why;
}

}  // namespace

std::optional<std::string> arg_or_stdin(const std::vector<std::string>& args, size_t i,
                                        std::istream& in) {
  if (i < args.size()) return args[i];
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (all.empty()) return std::nullopt;
  return all;
}

void Session::use_total_timeout(bool on) {
  if (client) client->set_total_timeout_ms(on ? options.total_timeout_ms : 0);
}

client::Client* Session::connect(bool sync) {
  if (client) return client.get();
  client::Config config;
  config.endpoints = options.endpoints;
  config.request_timeout_ms = options.timeout_ms;
  config.connect_timeout_ms = std::min<uint64_t>(30000, options.total_timeout_ms);
  config.total_timeout_ms = options.total_timeout_ms;
  config.ca_file = options.ca_file;
  config.cert_file = options.cert_file;
  config.key_file = options.key_file;
  for (const auto& file : {options.ca_file, options.cert_file, options.key_file}) {
    if (auto why = unreadable(file)) {
      err << *why << "\n";
      exit_code = kExitBadArgs;
      return nullptr;
    }
  }
  if (!options.username.empty()) {
    const auto colon = options.username.find(':');
    config.username = options.username.substr(0, colon);
    if (colon != std::string::npos) {
      config.password = options.username.substr(colon + 1);
    } else if (auto password = ask_password("Password: ")) {
      config.password = *password;
    } else {
      err << "EOF\n";
      exit_code = kExitBadArgs;
      return nullptr;
    }
  }
  if (options.debug) {
    config.on_request = [this](const client::RequestTrace& t) {
      std::string line = "cURL Command: curl -X " + t.method + " " + t.url;
      if (t.has_body) line += " -d " + go_quote(t.body);
      err << line << "\n";
    };
  }
  auto created = client::Client::create(std::move(config));
  if (!created) {
    err << created.error().message << "\n";
    exit_code = kExitBadArgs;
    return nullptr;
  }
  client = std::move(created).value();
  if (sync && !options.no_sync) {
    if (options.debug) {
      err << "start to sync cluster using endpoints(" << join(client->endpoint_urls(), ",")
          << ")\n";
    }
    auto synced = client->sync();
    if (!synced) {
      const auto& e = synced.error();
      if (e.kind == client::ErrorKind::invalid) {
        err << "etcd cluster has no published client endpoints.\n";
        err << "Try '--no-sync' if you want to access non-published client endpoints("
            << join(client->endpoint_urls(), ",") << ").\n";
        exit_code = report_error(err, kExitServerError, e);
        return nullptr;
      }
      if (e.is_connection_error() || e.kind == client::ErrorKind::timeout) {
        exit_code = report_error(err, kExitBadConnection, e);
        return nullptr;
      }
    }
    if (options.debug) {
      err << "got endpoints(" << join(client->endpoint_urls(), ",") << ") after sync\n";
    }
  }
  if (options.debug) err << "Cluster-Endpoints: " << join(client->endpoint_urls(), ", ") << "\n";
  return client.get();
}

}  // namespace etcd::cmd::ctl
