#include "agents/locksmith/config.h"

#include "agents/common/go_flags.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

#ifndef CORESTACK_VERSION
#define CORESTACK_VERSION "unknown"
#endif

namespace corestack::locksmith {
namespace {

enum class FlagType { boolean, text, endpoints };

struct FlagDef {
  std::string_view name;
  FlagType type;
  std::string_view default_text;
  std::string_view usage;
};

// The reference's global flag set, sorted by name as Go's flag.VisitAll lists it.
constexpr FlagDef kFlags[] = {
    {"debug", FlagType::boolean, "false", "Print out debug information to stderr."},
    {"endpoint", FlagType::endpoints, "http://127.0.0.1:2379,http://127.0.0.1:4001",
     "etcd endpoint for locksmith. Specify multiple times to use multiple endpoints."},
    {"etcd-cafile", FlagType::text, "", "etcd CA file authentication"},
    {"etcd-certfile", FlagType::text, "", "etcd cert file authentication"},
    {"etcd-keyfile", FlagType::text, "", "etcd key file authentication"},
    {"etcd-password", FlagType::text, "", "password for secure etcd communication"},
    {"etcd-username", FlagType::text, "", "username for secure etcd communication"},
    {"group", FlagType::text, "", "locksmith group"},
    {"version", FlagType::boolean, "false", "Print the version and exit."},
};

std::string trim(std::string_view s) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return std::string(s);
}

// The reference's endpoints flag type: repeatable, each a comma list.
agents::GoFlagSet::Setter endpoints_setter(std::vector<std::string>& endpoints) {
  return [&endpoints](std::string_view value) -> Expected<Done, std::string> {
    for (size_t begin = 0; begin <= value.size();) {
      size_t end = std::min(value.find(',', begin), value.size());
      if (std::string item = trim(value.substr(begin, end - begin)); !item.empty()) {
        endpoints.push_back(std::move(item));
      }
      begin = end + 1;
    }
    return Done{};
  };
}

std::string* text_field(GlobalFlags& flags, std::string_view name) {
  if (name == "etcd-cafile") return &flags.etcd_cafile;
  if (name == "etcd-certfile") return &flags.etcd_certfile;
  if (name == "etcd-keyfile") return &flags.etcd_keyfile;
  if (name == "etcd-password") return &flags.etcd_password;
  if (name == "etcd-username") return &flags.etcd_username;
  return &flags.group;
}

void add_global_flag(agents::GoFlagSet& set, const FlagDef& def, GlobalFlags& flags) {
  const std::string name(def.name);
  const std::string usage(def.usage);
  switch (def.type) {
    case FlagType::boolean:
      set.add(name, def.name == "debug" ? flags.debug : flags.version, usage);
      return;
    case FlagType::endpoints:
      set.add_func(name, endpoints_setter(flags.endpoints), usage, std::string(def.default_text));
      return;
    case FlagType::text:
      set.add(name, *text_field(flags, def.name), usage);
      return;
  }
}

// locksmithd's own flags (DaemonFlags), also read from $LOCKSMITHD_<NAME>.
void add_daemon_flags(agents::GoFlagSet& set, DaemonFlags& daemon) {
  set.add("coordinator-file", daemon.coordinator_file, "update-engine's coordinator file");
  set.add("unlock-delay", daemon.unlock_delay, "how long to hold the lock after a reboot");
  set.add("retry-initial", daemon.retry_initial, "first wait after a failed etcd call");
  set.add("retry-max", daemon.retry_max, "longest wait between retries");
  set.add("login-delay", daemon.login_delay, "how long logged-in users delay a reboot");
  set.add("utmp", daemon.utmp, "utmp file to read sessions from");
}

std::string env_or_empty(const EnvLookup& env, const std::string& name) {
  return env(name).value_or("");
}

}  // namespace

std::string_view locksmith_version() {
  return CORESTACK_VERSION;
}

std::string_view env_prefix(Program program) {
  return program == Program::locksmithd ? "LOCKSMITHD" : "LOCKSMITHCTL";
}

const std::vector<FlagInfo>& global_flag_infos() {
  static const std::vector<FlagInfo> infos = [] {
    std::vector<FlagInfo> out;
    for (const FlagDef& def : kFlags)
      out.push_back({def.name, def.default_text, def.usage});
    return out;
  }();
  return infos;
}

std::vector<std::string> default_endpoints() {
  return {"http://127.0.0.1:2379", "http://127.0.0.1:4001"};
}

Expected<GlobalFlags, std::string> parse_global_flags(const std::vector<std::string>& args,
                                                      Program program, const EnvLookup& env) {
  GlobalFlags flags;
  agents::GoFlagSet set{std::string(env_prefix(program))};
  for (const FlagDef& def : kFlags)
    add_global_flag(set, def, flags);
  if (program == Program::locksmithd) add_daemon_flags(set, flags.daemon);
  if (auto parsed = set.parse(args); !parsed) return unexpected(parsed.error());
  flags.help = set.help();
  flags.args = set.args();
  // The reference's flagsFromEnv. -version is checked before it in the reference; a value
  // that does not parse is ignored, as there.
  (void)set.apply_env(env, {"version"});
  if (flags.endpoints.empty()) flags.endpoints = default_endpoints();
  return flags;
}

etcd::client::Config etcd_config(const GlobalFlags& flags) {
  etcd::client::Config config;
  config.endpoints = flags.endpoints;
  config.ca_file = flags.etcd_cafile;
  config.cert_file = flags.etcd_certfile;
  config.key_file = flags.etcd_keyfile;
  config.username = flags.etcd_username;
  config.password = flags.etcd_password;
  return config;
}

Strategy parse_strategy(std::string_view value) {
  if (value.empty() || value == "reboot") return Strategy{StrategyKind::reboot, "reboot"};
  if (value == "etcd-lock") return Strategy{StrategyKind::etcd_lock, "etcd-lock"};
  if (value == "off") return Strategy{StrategyKind::off, "off"};
  return Strategy{StrategyKind::unknown, std::string(value)};
}

Strategy strategy_from_env(const EnvLookup& env) {
  return parse_strategy(env_or_empty(env, "REBOOT_STRATEGY"));
}

Expected<std::optional<WindowConfig>, std::string> window_from_env(const EnvLookup& env) {
  auto read = [&](const std::string& name) {
    std::string v = env_or_empty(env, "LOCKSMITHD_" + name);
    return v.empty() ? env_or_empty(env, name) : v;
  };
  std::string start = read("REBOOT_WINDOW_START");
  std::string length = read("REBOOT_WINDOW_LENGTH");
  if (start.empty() && length.empty()) return std::optional<WindowConfig>();
  if (start.empty() || length.empty()) {
    return unexpected(std::string(
        "Either both or neither $REBOOT_WINDOW_START and $REBOOT_WINDOW_LENGTH must be set"));
  }
  auto window = parse_window(start, length);
  if (!window) return unexpected(window.error());
  return std::optional<WindowConfig>(WindowConfig{start, length, *window});
}

std::string machine_id_path(const EnvLookup& env) {
  std::string path = env_or_empty(env, "LOCKSMITH_MACHINE_ID_FILE");
  return path.empty() ? "/etc/machine-id" : path;
}

std::optional<std::string> read_machine_id(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return std::nullopt;
  std::string id = trim(text);
  if (id.empty()) return std::nullopt;
  return id;
}

}  // namespace corestack::locksmith
