#include "agents/flannel/flags.h"

#include "agents/common/go_flags.h"

#include <algorithm>
#include <cctype>
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

// A flag set writing into `flags`; its values at this point are the defaults it prints.
agents::GoFlagSet flag_set(Flags& flags) {
  agents::GoFlagSet set("FLANNELD");
  for (const FlagDef& def : flag_defs()) {
    std::visit(
        [&](auto member) { set.add(std::string(def.name), flags.*member, std::string(def.usage)); },
        def.target);
  }
  return set;
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

}  // namespace

Expected<Flags, std::string> parse_flags(const std::vector<std::string>& args,
                                         const EnvLookup& env) {
  Flags flags;
  agents::GoFlagSet set = flag_set(flags);
  if (auto parsed = set.parse(args); !parsed) return unexpected(parsed.error());
  flags.help = flags.help || set.help();
  flags.args = set.args();
  if (!flags.args.empty()) flags.help = true;  // flanneld takes no arguments
  if (flags.help || flags.version) return flags;
  // The reference's flagsFromEnv ignores a value that does not parse; we keep a warning.
  for (const auto& failure : set.apply_env(env, {"help", "version"})) {
    flags.warnings.push_back("ignoring $" + failure.variable + "=\"" + failure.value +
                             "\": " + failure.error);
  }
  if (auto valid = validate(flags); !valid) return unexpected(valid.error());
  return flags;
}

std::string flags_usage(std::string_view program) {
  Flags defaults;
  return "Usage: " + std::string(program) + " [OPTION]...\n" + flag_set(defaults).print_defaults();
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
