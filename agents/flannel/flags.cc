#include "agents/flannel/flags.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <set>
#include <variant>

namespace corestack::flannel {
namespace {

using Target = std::variant<bool Flags::*, int Flags::*, std::string Flags::*>;

struct FlagDef {
  std::string_view name;
  Target target;
  std::string_view usage;
  // Set to anything but its default, this flag is refused with this reason ("" = fine).
  std::string_view unsupported = "";
};

constexpr std::string_view kNoMultiNetwork =
    "multi-network mode was removed in flannel v0.8; run one flanneld per network, each "
    "with its own -etcd-prefix";
constexpr std::string_view kNoClientServer =
    "the client/server mode was removed in flannel v0.8; give every host -etcd-endpoints";
constexpr std::string_view kNoKube = "this flanneld keeps its leases in etcd only";

// flanneld v0.7.1's flags plus glog's, sorted by name as Go's flag.VisitAll lists them.
const std::vector<FlagDef>& flag_defs() {
  static const std::vector<FlagDef> defs = [] {
    std::vector<FlagDef> d = {
        {"etcd-endpoints", &Flags::etcd_endpoints, "a comma-delimited list of etcd endpoints"},
        {"etcd-prefix", &Flags::etcd_prefix, "etcd prefix"},
        {"etcd-keyfile", &Flags::etcd_keyfile, "SSL key file used to secure etcd communication"},
        {"etcd-certfile", &Flags::etcd_certfile,
         "SSL certification file used to secure etcd communication"},
        {"etcd-cafile", &Flags::etcd_cafile,
         "SSL Certificate Authority file used to secure etcd communication"},
        {"etcd-username", &Flags::etcd_username, "Username for BasicAuth to etcd"},
        {"etcd-password", &Flags::etcd_password, "Password for BasicAuth to etcd"},
        {"help", &Flags::help, "print this message"},
        {"version", &Flags::version, "print version and exit"},
        {"iface", &Flags::iface, "interface to use (IP or name) for inter-host communication"},
        {"public-ip", &Flags::public_ip,
         "IP accessible by other nodes for inter-host communication"},
        {"ip-masq", &Flags::ip_masq,
         "setup IP masquerade rule for traffic destined outside of overlay network"},
        {"subnet-file", &Flags::subnet_file,
         "filename where env variables (subnet, MTU, ... ) will be written to"},
        {"subnet-dir", &Flags::subnet_dir,
         "directory where files with env variables (subnet, MTU, ...) will be written to"},
        {"subnet-lease-renew-margin", &Flags::subnet_lease_renew_margin_min,
         "Subnet lease renewal margin, in minutes."},
        {"networks", &Flags::networks,
         "run in multi-network mode and service the specified networks", kNoMultiNetwork},
        {"watch-networks", &Flags::watch_networks,
         "run in multi-network mode and watch for networks from 'networks' or all networks",
         kNoMultiNetwork},
        {"listen", &Flags::listen, "run as server and listen on specified address (e.g. ':8080')",
         kNoClientServer},
        {"remote", &Flags::remote,
         "run as client and connect to server on specified address (e.g. '10.1.2.3:8080')",
         kNoClientServer},
        {"remote-keyfile", &Flags::remote_keyfile,
         "SSL key file used to secure client/server communication", kNoClientServer},
        {"remote-certfile", &Flags::remote_certfile,
         "SSL certification file used to secure client/server communication", kNoClientServer},
        {"remote-cafile", &Flags::remote_cafile,
         "SSL Certificate Authority file used to secure client/server communication",
         kNoClientServer},
        {"kube-subnet-mgr", &Flags::kube_subnet_mgr,
         "Contact the Kubernetes API for subnet assignement instead of etcd or flannel-server.",
         kNoKube},
        {"v", &Flags::verbosity, "log level for V logs"},
        {"logtostderr", &Flags::logtostderr, "log to standard error instead of files"},
        {"alsologtostderr", &Flags::alsologtostderr, "log to standard error as well as files"},
        {"stderrthreshold", &Flags::stderrthreshold,
         "logs at or above this threshold go to stderr"},
        {"log_dir", &Flags::log_dir, "If non-empty, write log files in this directory"},
        {"log_backtrace_at", &Flags::log_backtrace_at,
         "when logging hits line file:N, emit a stack trace"},
        {"vmodule", &Flags::vmodule,
         "comma-separated list of pattern=N settings for file-filtered logging"},
    };
    std::sort(d.begin(), d.end(),
              [](const FlagDef& a, const FlagDef& b) { return a.name < b.name; });
    return d;
  }();
  return defs;
}

const FlagDef* find_flag(std::string_view name) {
  for (const FlagDef& def : flag_defs()) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

bool is_bool(const FlagDef& def) {
  return std::holds_alternative<bool Flags::*>(def.target);
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

// Go strconv.ParseInt(v, 0, 32): optional sign, then 0x / 0o / 0b / leading-0 octal.
std::optional<int> parse_int(std::string_view v) {
  bool negative = false;
  if (!v.empty() && (v.front() == '+' || v.front() == '-')) {
    negative = v.front() == '-';
    v.remove_prefix(1);
  }
  int base = 10;
  if (v.size() > 2 && v[0] == '0' &&
      std::string_view("xXoObB").find(v[1]) != std::string_view::npos) {
    base = (v[1] == 'x' || v[1] == 'X') ? 16 : (v[1] == 'o' || v[1] == 'O') ? 8 : 2;
    v.remove_prefix(2);
  } else if (v.size() > 1 && v[0] == '0') {
    base = 8;
    v.remove_prefix(1);
  }
  long long value = 0;
  auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), value, base);
  if (v.empty() || error != std::errc() || end != v.data() + v.size()) return std::nullopt;
  value = negative ? -value : value;
  if (value < INT_MIN || value > INT_MAX) return std::nullopt;
  return static_cast<int>(value);
}

Expected<Done, std::string> set_flag(Flags& flags, const FlagDef& def, std::string_view value) {
  const std::string name(def.name);
  if (auto* target = std::get_if<bool Flags::*>(&def.target)) {
    auto b = parse_bool(value);
    if (!b) {
      return unexpected("invalid boolean value \"" + std::string(value) + "\" for -" + name +
                        ": parse error");
    }
    flags.*(*target) = *b;
  } else if (auto* number = std::get_if<int Flags::*>(&def.target)) {
    auto n = parse_int(value);
    if (!n) {
      return unexpected("invalid value \"" + std::string(value) + "\" for flag -" + name +
                        ": parse error");
    }
    flags.*(*number) = *n;
  } else {
    flags.*std::get<std::string Flags::*>(def.target) = std::string(value);
  }
  return Done{};
}

enum class Step { flag, stop, help };

// Go flag.FlagSet.parseOne: consumes args[i] (and its value) when it is a flag.
Expected<Step, std::string> parse_one(const std::vector<std::string>& args, size_t& i, Flags& flags,
                                      std::set<std::string_view>& given) {
  const std::string& s = args[i];
  if (s.size() < 2 || s[0] != '-') return Step::stop;
  const size_t minuses = s[1] == '-' ? 2 : 1;
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
    if (name == "h") return Step::help;
    return unexpected("flag provided but not defined: -" + std::string(name));
  }
  if (!value && is_bool(*def)) value = "true";
  if (!value) {
    if (i >= args.size()) return unexpected("flag needs an argument: -" + std::string(name));
    value = args[i++];  // even when it starts with '-', as Go does
  }
  if (auto set = set_flag(flags, *def, *value); !set) return unexpected(set.error());
  given.insert(def->name);
  return Step::flag;
}

std::string env_name(std::string_view flag) {
  std::string out = "FLANNELD_";
  for (char c : flag)
    out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return out;
}

// The reference's flagsFromEnv: flags the command line did not set; "" counts as unset
// and an unparsable value is ignored (we keep a warning).
void apply_env(Flags& flags, const std::set<std::string_view>& given, const EnvLookup& env) {
  for (const FlagDef& def : flag_defs()) {
    if (given.count(def.name) != 0 || def.name == "help" || def.name == "version") continue;
    const std::string name = env_name(def.name);
    auto value = env(name);
    if (!value || value->empty()) continue;
    if (auto set = set_flag(flags, def, *value); !set) {
      flags.warnings.push_back("ignoring $" + name + "=\"" + *value + "\": " + set.error());
    }
  }
}

bool is_default(const Flags& flags, const FlagDef& def) {
  static const Flags defaults;
  return std::visit([&](auto member) { return flags.*member == defaults.*member; }, def.target);
}

Expected<Done, std::string> validate(Flags& flags) {
  for (const FlagDef& def : flag_defs()) {
    if (!def.unsupported.empty() && !is_default(flags, def)) {
      return unexpected("-" + std::string(def.name) +
                        " is not supported: " + std::string(def.unsupported));
    }
  }
  if (!flags.public_ip.empty()) {
    flags.public_address = Ip4::parse(flags.public_ip);
    if (!flags.public_address) {
      return unexpected("invalid -public-ip \"" + flags.public_ip + "\": not an IPv4 address");
    }
  }
  const int margin = flags.subnet_lease_renew_margin_min;
  if (margin <= 0 || margin >= 24 * 60) {
    return unexpected(
        std::string("Invalid subnet-lease-renew-margin option, out of acceptable "
                    "range"));
  }
  return Done{};
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return std::string(s);
}

// One flag as Go's PrintDefaults shows it.
std::string describe(const FlagDef& def) {
  static const Flags defaults;
  std::string out = "  -" + std::string(def.name);
  std::string default_text;
  if (auto* target = std::get_if<int Flags::*>(&def.target)) {
    out += " int";
    if (defaults.*(*target) != 0) default_text = std::to_string(defaults.*(*target));
  } else if (auto* text = std::get_if<std::string Flags::*>(&def.target)) {
    out += " string";
    if (!(defaults.*(*text)).empty()) default_text = "\"" + defaults.*(*text) + "\"";
  } else if (defaults.*std::get<bool Flags::*>(def.target)) {
    default_text = "true";
  }
  out += "\n    \t" + std::string(def.usage);
  if (!default_text.empty()) out += " (default " + default_text + ")";
  return out + "\n";
}

}  // namespace

Expected<Flags, std::string> parse_flags(const std::vector<std::string>& args,
                                         const EnvLookup& env) {
  Flags flags;
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
  if (!flags.args.empty()) flags.help = true;  // flanneld takes no arguments
  if (flags.help || flags.version) return flags;
  apply_env(flags, given, env);
  if (auto valid = validate(flags); !valid) return unexpected(valid.error());
  return flags;
}

std::string flags_usage(std::string_view program) {
  std::string out = "Usage: " + std::string(program) + " [OPTION]...\n";
  for (const FlagDef& def : flag_defs())
    out += describe(def);
  return out;
}

std::vector<std::string> etcd_endpoints(const Flags& flags) {
  std::vector<std::string> out;
  std::string_view list = flags.etcd_endpoints;
  for (size_t begin = 0; begin <= list.size();) {
    const size_t end = std::min(list.find(',', begin), list.size());
    if (std::string item = trim(list.substr(begin, end - begin)); !item.empty()) {
      out.push_back(std::move(item));
    }
    begin = end + 1;
  }
  return out;
}

etcd::client::Config etcd_config(const Flags& flags) {
  etcd::client::Config config;
  config.endpoints = etcd_endpoints(flags);
  config.ca_file = flags.etcd_cafile;
  config.cert_file = flags.etcd_certfile;
  config.key_file = flags.etcd_keyfile;
  config.username = flags.etcd_username;
  config.password = flags.etcd_password;
  return config;
}

}  // namespace corestack::flannel
