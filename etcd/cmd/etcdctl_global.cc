#include "etcd/cmd/etcdctl_global.h"

#include <sstream>

#include "etcd/cmd/etcdctl_flags.h"
#include "etcd/cmd/etcdctl_output.h"

namespace etcd::cmd::ctl {
namespace {

constexpr FlagSpec kGlobalFlags[] = {
    {"debug", FlagKind::boolean, "output cURL commands which can be used to reproduce the request"},
    {"no-sync", FlagKind::boolean, "don't synchronize cluster information before sending request"},
    {"output,o", FlagKind::text,
     "output response in the given format (`simple`, `extended` or `json`) (default: \"simple\")"},
    {"discovery-srv,D", FlagKind::text,
     "domain name to query for SRV records describing cluster endpoints"},
    {"insecure-discovery", FlagKind::boolean,
     "accept insecure SRV records describing cluster endpoints"},
    {"peers,C", FlagKind::text, "DEPRECATED - \"--endpoints\" should be used instead"},
    {"endpoint", FlagKind::text, "DEPRECATED - \"--endpoints\" should be used instead"},
    {"endpoints", FlagKind::text,
     "a comma-delimited list of machine addresses in the cluster (default: "
     "\"http://127.0.0.1:2379,http://127.0.0.1:4001\")"},
    {"cert-file", FlagKind::text, "identify HTTPS client using this SSL certificate file"},
    {"key-file", FlagKind::text, "identify HTTPS client using this SSL key file"},
    {"ca-file", FlagKind::text,
     "verify certificates of HTTPS-enabled servers using this CA bundle"},
    {"username,u", FlagKind::text,
     "provide username[:password] and prompt if password is not supplied."},
    {"timeout", FlagKind::text, "connection timeout per request (default: 2s)"},
    {"total-timeout", FlagKind::text,
     "timeout for the command execution (except watch) (default: 5s)"},
    {"help,h", FlagKind::boolean, "show help"},
    {"version,v", FlagKind::boolean, "print the version"},
};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');)
    out.push_back(item);
  if (!text.empty() && text.back() == ',') out.push_back("");
  return out;
}

// The first non-empty of: flag, env, flag, env, ... (etcdctl getPeersFlagValue).
std::string endpoints_of(const ParsedArgs& flags, const EnvLookup& env) {
  const std::pair<const char*, const char*> order[] = {{"endpoints", "ETCDCTL_ENDPOINTS"},
                                                       {"endpoint", "ETCDCTL_ENDPOINT"},
                                                       {"peers", "ETCDCTL_PEERS"}};
  for (const auto& [flag, var] : order) {
    if (!flags.text(flag).empty()) return flags.text(flag);
    if (auto value = env(var); value && !value->empty()) return *value;
  }
  return "http://127.0.0.1:2379,http://127.0.0.1:4001";
}

std::string flag_or_env(const ParsedArgs& flags, const char* flag, const EnvLookup& env,
                        const char* var) {
  if (!flags.text(flag).empty()) return flags.text(flag);
  return env(var).value_or("");
}

}  // namespace

Result<CommandLine> parse_global(const std::vector<std::string>& argv, const EnvLookup& env) {
  auto parsed = parse_command_args(kGlobalFlags, argv, false);
  if (!parsed) return parsed.error();
  const ParsedArgs& flags = *parsed;
  CommandLine out;
  GlobalOptions& o = out.options;
  o.debug = flags.flag("debug");
  o.no_sync = flags.flag("no-sync");
  o.help = flags.flag("help");
  o.version = flags.flag("version");
  if (flags.texts.count("output") && !flags.text("output").empty()) o.output = flags.text("output");
  for (auto& url : split_commas(endpoints_of(flags, env))) {
    o.endpoints.push_back(url.find("://") == std::string::npos ? "http://" + url : url);
  }
  o.ca_file = flag_or_env(flags, "ca-file", env, "ETCDCTL_CA_FILE");
  o.cert_file = flag_or_env(flags, "cert-file", env, "ETCDCTL_CERT_FILE");
  o.key_file = flag_or_env(flags, "key-file", env, "ETCDCTL_KEY_FILE");
  o.username = flag_or_env(flags, "username", env, "ETCDCTL_USERNAME");
  for (const auto& [flag, target] :
       {std::pair{"timeout", &o.timeout_ms}, std::pair{"total-timeout", &o.total_timeout_ms}}) {
    if (flags.text(flag).empty()) continue;
    auto ms = parse_go_duration_ms(flags.text(flag));
    if (!ms) {
      return Error{"invalid value \"" + flags.text(flag) + "\" for flag -" + flag +
                   ": parse error"};
    }
    *target = *ms;
  }
  if (!flags.args.empty()) {
    out.command = flags.args.front();
    out.args.assign(flags.args.begin() + 1, flags.args.end());
  }
  return out;
}

std::string version_number() {
#ifdef CORESTACK_VERSION
  return CORESTACK_VERSION;
#else
  return "unknown";
#endif
}

std::string global_help(const std::string& prog, const std::string& commands) {
  // urfave/cli's AppHelpTemplate, aligned by the tabwriter.
  std::string out = "NAME:\n   " + prog + " - A simple command line client for etcd.\n\n" +
                    "USAGE:\n   " + prog +
                    " [global options] command [command options] [arguments...]\n\n" +
                    "VERSION:\n   " + version_number() + "\n\nCOMMANDS:\n";
  out += commands + "\nGLOBAL OPTIONS:\n";
  for (const auto& spec : kGlobalFlags)
    out += "   " + flag_usage(spec) + "\n";
  return go_tabwriter(out);
}

std::string version_text() {
  return "etcdctl2 version: " + version_number() + "\nAPI version: 2\n";
}

}  // namespace etcd::cmd::ctl
