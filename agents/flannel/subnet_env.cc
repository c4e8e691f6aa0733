#include "agents/flannel/subnet_env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <spdlog/spdlog.h>

namespace corestack::flannel {
namespace {

std::string failure(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

// mkdir -p with mode 0755 for every missing level.
Expected<Done, std::string> make_dirs(const std::string& dir) {
  for (size_t at = 1; at <= dir.size(); ++at) {
    if (at != dir.size() && dir[at] != '/') continue;
    const std::string part = dir.substr(0, at);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      return unexpected(failure("cannot create directory", part));
    }
  }
  return Done{};
}

Expected<Done, std::string> write_all(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unexpected(failure("cannot write", path));
    content.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) return unexpected(failure("cannot fsync", path));
  return Done{};
}

void sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);  // best effort: the rename itself is already atomic
  ::close(fd);
}

std::string unquote(std::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string value_of(const std::map<std::string, std::string>& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

}  // namespace

std::string format_subnet_env(const Ip4Net& network, const Ip4Net& lease, int mtu, bool ip_masq) {
  const Ip4Net gateway{Ip4{lease.first().value + 1}, lease.prefix};
  return "FLANNEL_NETWORK=" + network.network().to_string() + "\n" +
         "FLANNEL_SUBNET=" + gateway.to_string() + "\n" + "FLANNEL_MTU=" + std::to_string(mtu) +
         "\n" + "FLANNEL_IPMASQ=" + (ip_masq ? "true" : "false") + "\n";
}

Expected<Done, std::string> write_file_atomic(const std::string& path, std::string_view content) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string temp = dir + "/." + path.substr(slash == std::string::npos ? 0 : slash + 1);
  if (slash != std::string::npos && slash > 0) {
    if (auto made = make_dirs(dir); !made) return made;
  }
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return unexpected(failure("cannot create", temp));
  auto written = write_all(fd, content, temp);
  if (::close(fd) != 0 && written) written = unexpected(failure("cannot close", temp));
  if (written && ::rename(temp.c_str(), path.c_str()) != 0) {
    written = unexpected(failure("cannot rename " + temp + " to", path));
  }
  if (!written) {
    ::unlink(temp.c_str());
    return written;
  }
  sync_dir(dir);
  return Done{};
}

Expected<Done, std::string> write_subnet_env(const std::string& path, const Ip4Net& network,
                                             const Ip4Net& lease, int mtu, bool ip_masq) {
  return write_file_atomic(path, format_subnet_env(network, lease, mtu, ip_masq));
}

std::map<std::string, std::string> parse_env_file(std::string_view text) {
  std::map<std::string, std::string> env;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    std::string_view line = trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, 7) == "export ") line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env[std::string(trim(line.substr(0, eq)))] = unquote(trim(line.substr(eq + 1)));
  }
  return env;
}

std::optional<Ip4Net> read_previous_subnet(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno != ENOENT) spdlog::error("Couldn't read previous subnet file {}", path);
    return std::nullopt;
  }
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto env = parse_env_file(text);
  const auto it = env.find("FLANNEL_SUBNET");
  if (it == env.end()) return std::nullopt;
  auto subnet = Ip4Net::parse(it->second);
  if (!subnet) {
    spdlog::error("Couldn't parse previous subnet from subnet file at {}: {}", path, it->second);
    return std::nullopt;
  }
  return subnet->network();
}

Expected<DockerOptsFlags, std::string> parse_docker_opts_args(
    const std::vector<std::string>& args) {
  DockerOptsFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') return unexpected("unexpected argument: " + arg);
    for (size_t at = 1; at < arg.size(); ++at) {
      const char option = arg[at];
      if (option == 'i') {
        flags.individual = true;
        continue;
      }
      if (option == 'c') {
        flags.combined = true;
        continue;
      }
      if (option == 'm') {
        flags.ip_masq = false;
        continue;
      }
      if (option != 'f' && option != 'd' && option != 'k') {
        return unexpected(std::string("illegal option -- ") + option);
      }
      // getopts: the rest of this word, else the next word, is the argument.
      std::string value = arg.substr(at + 1);
      if (value.empty()) {
        if (++i >= args.size()) {
          return unexpected(std::string("option requires an argument -- ") + option);
        }
        value = args[i];
      }
      if (option == 'f') flags.subnet_file = value;
      if (option == 'd') flags.out_file = value;
      if (option == 'k') flags.combined_key = value;
      break;
    }
  }
  if (!flags.individual && !flags.combined) flags.individual = flags.combined = true;
  return flags;
}

std::string docker_opts_usage(std::string_view program) {
  return std::string(program) +
         " [-f FLANNEL-ENV-FILE] [-d DOCKER-ENV-FILE] [-i] [-c] [-m] [-k COMBINED-KEY]\n"
         "\n"
         "Generate Docker daemon options based on flannel env file\n"
         "OPTIONS:\n"
         "\t-f\tPath to flannel env file. Defaults to /run/flannel/subnet.env\n"
         "\t-d\tPath to Docker env file to write to. Defaults to /run/docker_opts.env\n"
         "\t-i\tOutput each Docker option as individual var. e.g. DOCKER_OPT_MTU=1500\n"
         "\t-c\tOutput combined Docker options into DOCKER_OPTS var\n"
         "\t-k\tSet the combined options key to this value (default DOCKER_OPTS=)\n"
         "\t-m\tDo not output --ip-masq (useful for older Docker version)\n";
}

Expected<std::string, std::string> format_docker_opts(const std::map<std::string, std::string>& env,
                                                      const DockerOptsFlags& flags,
                                                      std::string_view existing) {
  // Sorted by name, as the script's `compgen -v DOCKER_OPT_` lists them.
  std::map<std::string, std::string> options;
  if (auto subnet = value_of(env, "FLANNEL_SUBNET"); !subnet.empty()) {
    options["DOCKER_OPT_BIP"] = "--bip=" + subnet;
  }
  if (auto mtu = value_of(env, "FLANNEL_MTU"); !mtu.empty())
    options["DOCKER_OPT_MTU"] = "--mtu=" + mtu;
  if (auto masq = value_of(env, "FLANNEL_IPMASQ"); !masq.empty() && flags.ip_masq) {
    // flannel masquerades itself, so Docker must not (and the other way round).
    if (masq != "true" && masq != "false") {
      return unexpected("Invalid value of FLANNEL_IPMASQ: " + masq);
    }
    options["DOCKER_OPT_IPMASQ"] = std::string("--ip-masq=") + (masq == "true" ? "false" : "true");
  }
  std::string out;
  std::string combined = std::string(existing) + " ";
  for (const auto& [name, value] : options) {
    if (flags.individual) out += name + "=\"" + value + "\"\n";
    combined += value + " ";
  }
  if (flags.combined) out += flags.combined_key + "=\"" + combined + "\"\n";
  return out;
}

}  // namespace corestack::flannel
