#include "etcd/cmd/etcdctl_global.h"

#include <sstream>

#include "etcd/cmd/etcdctl_flags.h"

namespace etcd::cmd::ctl {
namespace {

constexpr FlagSpec kGlobalFlags[] = {
    {"debug", FlagKind::boolean, "output cURL commands which can be used to reproduce the request"},
    {"no-sync", FlagKind::boolean, "don't synchronize cluster information before sending request"},
    {"output,o", FlagKind::text,
     "output response in the given format (`simple`, `extended` or `json`) (default: \"simple\")"},
    {"discovery-srv,D", FlagKind::text,
     "domain name to query for SRV records describing cluster endpoints (not supported)"},
    {"insecure-discovery", FlagKind::boolean,
     "accept insecure SRV records describing cluster endpoints"},
    {"peers,C", FlagKind::text, "DEPRECATED - \"--endpoints\" should be used instead"},
    {"endpoint", FlagKind::text, "DEPRECATED - \"--endpoints\" should be used instead"},
    {"endpoints", FlagKind::text,
     "a comma-delimited list of machine addresses in the cluster (default: "
     "\"http://127.0.0.1:2379,http://127.0.0.1:4001\")"},
    {"cert-file", FlagKind::text, "identify HTTPS client using this SSL certificate file"},
    {"key-file", FlagKind::text, "identify HTTPS client using this SSL key file"},
    {"ca-file", FlagKind::text, "verify certificates of HTTPS-enabled servers using this CA bundle"},
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
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  if (!text.empty() && text.back() == ',') out.push_back("");
  return out;
}

// The first non-empty of: flag, env, flag, env, ... (etcdctl getPeersFlagValue).
std::string endpoints_of(const ParsedArgs& flags, const EnvLookup& env) {
  const std::pair<const char*, const char*> order[] = {
      {"endpoints", "ETCDCTL_ENDPOINTS"}, {"endpoint", "ETCDCTL_ENDPOINT"},
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
  for (const auto& [flag, target] : {std::pair{"timeout", &o.timeout_ms},
                                     std::pair{"total-timeout", &o.total_timeout_ms}}) {
    if (flags.text(flag).empty()) continue;
    auto ms = parse_go_duration_ms(flags.text(flag));
    if (!ms) {
      return Error{"invalid value \"" + flags.text(flag) + "\" for flag -" + flag + ": parse error"};
    }
    *target = *ms;
  }
  if (!flags.args.empty()) {
    out.command = flags.args.front();
    out.args.assign(flags.args.begin() + 1, flags.args.end());
  }
  return out;
}

std::string global_help() {
  std::string out =
      "NAME:\n   etcdctl2 - A simple command line client for etcd (v2 API).\n\n"
      "USAGE:\n   etcdctl2 [global options] command [command options] [arguments...]\n\n"
      "COMMANDS:\n"
      "   backup          backup an etcd directory\n"
      "   cluster-health  check the health of the etcd cluster\n"
      "   mk              make a new key with a given value\n"
      "   mkdir           make a new directory\n"
      "   rm              remove a key or a directory\n"
      "   rmdir           removes the key if it is an empty directory or a key-value pair\n"
      "   get             retrieve the value of a key\n"
      "   ls              retrieve a directory\n"
      "   set             set the value of a key\n"
      "   setdir          create a new directory or update an existing directory TTL\n"
      "   update          update an existing key with a given value\n"
      "   updatedir       update an existing directory\n"
      "   watch           watch a key for changes\n"
      "   exec-watch      watch a key for changes and exec an executable\n"
      "   member          member add, remove and list subcommands\n"
      "   user            user add, grant and revoke subcommands\n"
      "   role            role add, grant and revoke subcommands\n"
      "   auth            overall auth controls\n\n"
      "GLOBAL OPTIONS:\n";
  for (const auto& spec : kGlobalFlags) {
    std::string names;
    for (const auto& n : split_commas(spec.names)) {
      names += (names.empty() ? "" : ", ") + std::string(n.size() == 1 ? "-" : "--") + n;
    }
    if (spec.kind != FlagKind::boolean) names += " value";
    names.resize(std::max<size_t>(names.size() + 1, 33), ' ');
    out += "   " + names + spec.help + "\n";
  }
  return out;
}

std::string version_text() {
#ifdef CORESTACK_VERSION
  return std::string("etcdctl2 version: ") + CORESTACK_VERSION + "\nAPI version: 2\n";
#else
  return "etcdctl2 version: unknown\nAPI version: 2\n";
#endif
}

}  // namespace etcd::cmd::ctl
