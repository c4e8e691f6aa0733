// Steps 1-3 of apply: hostname, users, core's SSH keys (reference cloudinit.md §2.8).
#include <spdlog/spdlog.h>

#include <sstream>

#include "cloud-config/apply.h"

namespace corestack::cloudinit {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string join_keys(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) {
    const std::string key = trim(k);
    if (key.empty()) continue;
    out += (out.empty() ? "" : "\n") + key;
  }
  return out;
}

// Whether `name` has a line in the root's /etc/passwd (what getpwnam would see there).
bool user_exists(const Filesystem& fs, const std::string& name) {
  std::istringstream in(fs.read("/etc/passwd").value_or(""));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + ":", 0) == 0) return true;
  return false;
}

std::vector<std::string> useradd_args(const User& u) {
  std::vector<std::string> args = {"useradd", "--password", u.passwd.empty() ? "*" : u.passwd};
  // The reference passes Go's %q of the GECOS (literal quotes end up in /etc/passwd); the
  // argument goes to execve here, so it is passed as written.
  if (!u.gecos.empty()) args.insert(args.end(), {"--comment", u.gecos});
  if (!u.homedir.empty()) args.insert(args.end(), {"--home-dir", u.homedir});
  args.push_back(u.no_create_home ? "--no-create-home" : "--create-home");
  if (!u.primary_group.empty()) args.insert(args.end(), {"--gid", u.primary_group});
  if (!u.groups.empty()) {
    std::string groups;
    for (const auto& g : u.groups)
      groups += (groups.empty() ? "" : ",") + g;
    args.insert(args.end(), {"--groups", groups});
  }
  if (u.no_user_group) args.push_back("--no-user-group");
  if (u.system) args.push_back("--system");
  if (u.no_log_init) args.push_back("--no-log-init");
  if (!u.shell.empty()) args.insert(args.end(), {"--shell", u.shell});
  args.push_back(u.name);
  return args;
}

void authorize_keys(Host& host, const std::string& user, const std::string& key_name,
                    const std::vector<std::string>& keys) {
  const std::string joined = join_keys(keys);
  if (joined.empty()) return;
  host.commands.run({"update-ssh-keys", "-u", user, "-a", key_name}, joined + "\n");
}

void apply_user(const User& u, const ApplyOptions& options, Host& host) {
  if (u.name.empty()) {
    spdlog::warn("user without a name (line {}) skipped", u.line);
    return;
  }
  if (!user_exists(host.fs, u.name)) {
    spdlog::info("Creating user {}", u.name);
    host.commands.run(useradd_args(u));
  } else if (!u.passwd.empty()) {
    spdlog::info("Setting the password of existing user {}", u.name);
    host.commands.run({"chpasswd", "-e"}, u.name + ":" + u.passwd + "\n");
  }
  authorize_keys(host, u.name, options.ssh_key_name, u.ssh_authorized_keys);
}

}  // namespace

void apply_accounts(const CloudConfig& config, const ApplyOptions& options, Host& host) {
  std::string hostname = config.hostname;
  if (hostname.empty()) {
    hostname = options.metadata_hostname;
  } else if (!options.metadata_hostname.empty() && options.metadata_hostname != hostname) {
    spdlog::warn("hostname {} from user-data wins over {} from metadata", hostname,
                 options.metadata_hostname);
  }
  if (!hostname.empty()) host.commands.run({"hostnamectl", "set-hostname", hostname});
  for (const auto& user : config.users)
    apply_user(user, options, host);
  std::vector<std::string> keys = config.ssh_authorized_keys;
  keys.insert(keys.end(), options.metadata_ssh_keys.begin(), options.metadata_ssh_keys.end());
  authorize_keys(host, "core", options.ssh_key_name, keys);
}

}  // namespace corestack::cloudinit
