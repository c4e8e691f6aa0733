#include "agents/fleet/fleetctl_ssh.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>

namespace corestack::fleet {
namespace {

bool plain_shell_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
}

// Options every ssh invocation shares: user, connect timeout, host-key checking.
std::vector<std::string> common_options(const SshSettings& s) {
  const long timeout = std::max(1L, std::lround(std::ceil(s.timeout_s)));
  std::vector<std::string> out = {"-l", s.user, "-o", "ConnectTimeout=" + std::to_string(timeout)};
  if (s.strict) {
    out.insert(
        out.end(),
        {"-o", std::string("StrictHostKeyChecking=") + (s.interactive ? "ask" : "accept-new"), "-o",
         "UserKnownHostsFile=" + s.known_hosts_file, "-o", "GlobalKnownHostsFile=/dev/null"});
  } else {
    out.insert(out.end(), {"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                           "-o", "GlobalKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"});
  }
  return out;
}

// -o ProxyCommand=ssh ... -W [%h]:%p TUNNEL (ssh runs it with the user's shell).
std::vector<std::string> proxy_options(const SshSettings& s) {
  if (s.tunnel.empty()) return {};
  auto hop = parse_host_port(s.tunnel);
  if (!hop) return {};  // validated by the caller
  std::vector<std::string> words = {"ssh", "-p", std::to_string(hop->port)};
  for (const std::string& o : common_options(s))
    words.push_back(o);
  words.insert(words.end(), {"-W", "[%h]:%p", "--", hop->host});
  return {"-o", "ProxyCommand=" + remote_command(words)};
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

int exit_status(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return 1;
}

[[noreturn]] void exec_child(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGPIPE, SIG_DFL);
  ::execvp(args[0], args.data());
  const std::string msg = "fleetctl: cannot run " + argv[0] + ": " + std::strerror(errno) + "\n";
  write_all(2, msg);
  ::_exit(127);
}

int wait_child(pid_t pid) {
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return 1;
  }
  return exit_status(wstatus);
}

}  // namespace

Expected<HostPort, std::string> parse_host_port(std::string_view text, int default_port) {
  HostPort out{std::string(text), default_port};
  std::string_view port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return unexpected("missing ']' in " + std::string(text));
    out.host = std::string(text.substr(1, close - 1));
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return unexpected("bad host:port " + std::string(text));
      port = text.substr(close + 2);
    }
  } else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) return out;  // a bare IPv6 address
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (out.host.empty()) return unexpected("missing host in \"" + std::string(text) + "\"");
  if (!port.empty() || text.back() == ':') {
    int p = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || p > 65535) {
        return unexpected("bad port in \"" + std::string(text) + "\"");
      }
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return unexpected("bad port in \"" + std::string(text) + "\"");
    out.port = p;
  }
  return out;
}

std::string shell_quote(std::string_view word) {
  if (!word.empty() && std::all_of(word.begin(), word.end(), plain_shell_char)) {
    return std::string(word);
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string remote_command(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words)
    out += (out.empty() ? "" : " ") + shell_quote(w);
  return out;
}

std::vector<std::string> ssh_argv(const SshSettings& s, std::string_view host,
                                  std::string_view command) {
  std::vector<std::string> out = {"ssh", "-p", std::to_string(s.port)};
  for (const std::string& o : common_options(s))
    out.push_back(o);
  for (const std::string& o : proxy_options(s))
    out.push_back(o);
  if (s.forward_agent) out.push_back("-A");
  if (s.tty) out.push_back("-t");
  out.insert(out.end(), {"--", std::string(host)});
  if (!command.empty()) out.emplace_back(command);
  return out;
}

std::vector<std::string> ssh_pipe_argv(const SshSettings& s, const HostPort& target) {
  auto hop = parse_host_port(s.tunnel);
  HostPort via = hop ? *hop : HostPort{s.tunnel, 22};
  SshSettings direct = s;
  direct.tunnel.clear();
  direct.port = via.port;
  direct.tty = false;
  direct.forward_agent = false;
  std::vector<std::string> out = ssh_argv(direct, via.host, "");
  const std::string where = target.host.find(':') != std::string::npos
                                ? "[" + target.host + "]:" + std::to_string(target.port)
                                : target.host + ":" + std::to_string(target.port);
  out.insert(out.end() - 2, {"-W", where});
  return out;
}

std::vector<std::string> status_command(std::string_view unit) {
  return {"systemctl", "status", "-l", std::string(unit)};
}

std::vector<std::string> restart_command(std::string_view unit) {
  return {"systemctl", "restart", std::string(unit)};
}

std::vector<std::string> journal_command(std::string_view unit, int lines, std::string_view output,
                                         bool follow, bool sudo) {
  std::vector<std::string> out;
  if (sudo) out.push_back("sudo");
  out.insert(out.end(), {"journalctl", "--unit", std::string(unit), "--no-pager", "-n",
                         std::to_string(lines), "--output", std::string(output)});
  if (follow) out.push_back("-f");
  return out;
}

std::string expand_home(std::string_view path, std::string_view home) {
  if (path == "~") return std::string(home);
  if (path.rfind("~/", 0) == 0) return std::string(home) + std::string(path.substr(1));
  return std::string(path);
}

bool is_host_key_mismatch(std::string_view err) {
  return err.find("REMOTE HOST IDENTIFICATION HAS CHANGED") != std::string_view::npos ||
         err.find("Host key for ") != std::string_view::npos ||
         (err.find("Host key verification failed") != std::string_view::npos &&
          err.find("Offending") != std::string_view::npos);
}

void ensure_known_hosts_dir(const SshSettings& s) {
  if (!s.strict) return;
  const auto dir = std::filesystem::path(s.known_hosts_file).parent_path();
  std::error_code ec;
  if (dir.empty() || std::filesystem::exists(dir, ec)) return;
  std::filesystem::create_directories(dir, ec);
  ::chmod(dir.c_str(), 0700);
}

int run_command(const std::vector<std::string>& argv, std::string* stderr_copy) {
  int err_pipe[2];
  if (::pipe(err_pipe) != 0) return 127;
  const pid_t pid = ::fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    ::dup2(err_pipe[1], 2);
    ::close(err_pipe[0]);
    ::close(err_pipe[1]);
    exec_child(argv);
  }
  ::close(err_pipe[1]);
  // As system(3): ^C goes to the child (same process group); we wait for it.
  auto old_int = ::signal(SIGINT, SIG_IGN);
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(err_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    write_all(2, std::string_view(buf, static_cast<size_t>(n)));
    if (stderr_copy != nullptr && stderr_copy->size() < 65536) stderr_copy->append(buf, n);
  }
  ::close(err_pipe[0]);
  const int status = wait_child(pid);
  ::signal(SIGINT, old_int);
  return status;
}

Expected<std::string, std::string> exchange(const std::vector<std::string>& argv,
                                            std::string_view input, int timeout_ms) {
  int in[2], out[2], err[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0 || ::pipe(err) != 0) {
    return unexpected(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) return unexpected(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
      ::close(fd);
    exec_child(argv);
  }
  for (int fd : {in[0], out[1], err[1]})
    ::close(fd);
  auto old_pipe = ::signal(SIGPIPE, SIG_IGN);
  write_all(in[1], input);
  ::close(in[1]);
  ::signal(SIGPIPE, old_pipe);
  std::string got, errors;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool timed_out = false;
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || fds[k].revents == 0) continue;
      char buf[8192];
      const ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
      } else {
        (k == 0 ? got : errors).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (const pollfd& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  if (timed_out) ::kill(pid, SIGKILL);
  const int status = wait_child(pid);
  while (!errors.empty() && errors.back() == '\n')
    errors.pop_back();
  if (timed_out)
    return unexpected(argv[0] + " timed out after " + std::to_string(timeout_ms) + " ms");
  if (status != 0) {
    return unexpected(argv[0] + " exited with status " + std::to_string(status) +
                      (errors.empty() ? "" : ": " + errors));
  }
  return got;
}

int fd_forward(const std::string& socket_path) {
  const int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (sock < 0 || socket_path.size() >= sizeof addr.sun_path) return 1;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string msg =
        "fd-forward: cannot connect to " + socket_path + ": " + std::strerror(errno) + "\n";
    write_all(2, msg);
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  pollfd fds[2] = {{0, POLLIN, 0}, {sock, POLLIN, 0}};
  char buf[16384];
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (fds[0].fd >= 0 && fds[0].revents != 0) {
      const ssize_t n = ::read(0, buf, sizeof buf);
      if (n <= 0) {
        ::shutdown(sock, SHUT_WR);
        fds[0].fd = -1;
      } else {
        write_all(sock, std::string_view(buf, static_cast<size_t>(n)));
      }
    }
    if (fds[1].revents != 0) {
      const ssize_t n = ::read(sock, buf, sizeof buf);
      if (n <= 0) return 0;
      write_all(1, std::string_view(buf, static_cast<size_t>(n)));
    }
  }
}

}  // namespace corestack::fleet
