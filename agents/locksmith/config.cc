#include "agents/locksmith/config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <set>

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

const FlagDef* find_flag(std::string_view name) {
  for (const FlagDef& def : kFlags) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

std::string trim(std::string_view s) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return std::string(s);
}

// Go strconv.ParseBool.
std::optional<bool> parse_bool(std::string_view v) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (v == t) return true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (v == f) return false;
  }
  return std::nullopt;
}

std::string* text_field(GlobalFlags& flags, std::string_view name) {
  if (name == "etcd-cafile") return &flags.etcd_cafile;
  if (name == "etcd-certfile") return &flags.etcd_certfile;
  if (name == "etcd-keyfile") return &flags.etcd_keyfile;
  if (name == "etcd-password") return &flags.etcd_password;
  if (name == "etcd-username") return &flags.etcd_username;
  return &flags.group;
}

Expected<Done, std::string> set_flag(GlobalFlags& flags, const FlagDef& def,
                                     std::string_view value) {
  switch (def.type) {
    case FlagType::boolean: {
      auto b = parse_bool(value);
      if (!b) {
        return unexpected("invalid boolean value \"" + std::string(value) + "\" for -" +
                          std::string(def.name) + ": parse error");
      }
      (def.name == "debug" ? flags.debug : flags.version) = *b;
      return Done{};
    }
    case FlagType::endpoints:
      // Repeatable, each a comma list (the reference's endpoints flag type).
      for (size_t begin = 0; begin <= value.size();) {
        size_t end = std::min(value.find(',', begin), value.size());
        if (std::string item = trim(value.substr(begin, end - begin)); !item.empty()) {
          flags.endpoints.push_back(std::move(item));
        }
        begin = end + 1;
      }
      return Done{};
    case FlagType::text:
      *text_field(flags, def.name) = std::string(value);
      return Done{};
  }
  return Done{};
}

enum class Step { flag, stop, help };

// Go flag.FlagSet.parseOne: consumes args[i] (and its value) when it is a flag.
Expected<Step, std::string> parse_one(const std::vector<std::string>& args, size_t& i,
                                      GlobalFlags& flags, std::set<std::string_view>& given) {
  const std::string& s = args[i];
  if (s.size() < 2 || s[0] != '-') return Step::stop;
  size_t minuses = s[1] == '-' ? 2 : 1;
  if (minuses == 2 && s.size() == 2) {
    ++i;  // "--" ends the flags and is dropped
    return Step::stop;
  }
  std::string_view name = std::string_view(s).substr(minuses);
  if (name.empty() || name[0] == '-' || name[0] == '=') return unexpected("bad flag syntax: " + s);
  ++i;
  std::optional<std::string_view> value;
  if (auto eq = name.find('='); eq != std::string_view::npos) {
    value = name.substr(eq + 1);
    name = name.substr(0, eq);
  }
  const FlagDef* def = find_flag(name);
  if (def == nullptr) {
    if (name == "help" || name == "h") return Step::help;
    return unexpected("flag provided but not defined: -" + std::string(name));
  }
  if (!value && def->type == FlagType::boolean) value = "true";
  if (!value) {
    if (i >= args.size()) return unexpected("flag needs an argument: -" + std::string(name));
    value = args[i++];  // even when it starts with '-', as Go does
  }
  if (auto r = set_flag(flags, *def, *value); !r) return unexpected(r.error());
  given.insert(def->name);
  return Step::flag;
}

std::string env_name(std::string_view prefix, std::string_view flag) {
  std::string out = std::string(prefix) + "_";
  for (char c : flag)
    out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return out;
}

// The reference's flagsFromEnv: only flags the command line did not set; "" is unset.
void apply_env(GlobalFlags& flags, const std::set<std::string_view>& given, Program program,
               const EnvLookup& env) {
  for (const FlagDef& def : kFlags) {
    // -version is checked before the environment is read in the reference.
    if (given.count(def.name) != 0 || def.name == "version") continue;
    auto value = env(env_name(env_prefix(program), def.name));
    if (value && !value->empty()) (void)set_flag(flags, def, *value);  // errors ignored, as Go
  }
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
  std::set<std::string_view> given;
  size_t i = 0;
  while (i < args.size()) {
    auto step = parse_one(args, i, flags, given);
    if (!step) return unexpected(step.error());
    if (*step == Step::stop) break;
    if (*step == Step::help) {
      flags.help = true;
      break;
    }
  }
  flags.args.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  apply_env(flags, given, program, env);
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
