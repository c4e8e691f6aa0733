#include "agents/fleet/fleetctl_options.h"

// fleet used cobra/pflag, not Go's flag package (other error texts, flags anywhere, a
// fatal bad $FLEETCTL_*), so only strconv.ParseBool and the variable names come from the
// shared agents/common/go_flags.h; the parser below is pflag's.
#include "agents/common/go_flags.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

namespace corestack::fleet {
namespace {

using Setter = std::function<Expected<Done, std::string>(Options&, const std::string&)>;

struct Flag {
  std::string_view name;
  std::string_view short_name;  // "" when none
  bool takes_value;             // false: a boolean (--x, --x=true|false)
  bool global;                  // also from $FLEETCTL_<NAME>
  Setter set;
};

Expected<long, std::string> parse_int(const std::string& v, long min, long max) {
  long out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size()) return unexpected("not an integer");
  if (out < min || out > max) {
    return unexpected("must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return out;
}

Expected<double, std::string> parse_seconds(const std::string& v) {
  try {
    size_t used = 0;
    const double d = std::stod(v, &used);
    if (used != v.size() || !std::isfinite(d)) return unexpected("not a number of seconds");
    if (d <= 0) return unexpected("must be greater than 0");
    return d;
  } catch (const std::exception&) {
    return unexpected("not a number of seconds");
  }
}

Setter text(std::string Options::*field) {
  return [field](Options& o, const std::string& v) -> Expected<Done, std::string> {
    o.*field = v;
    return Done{};
  };
}

Setter boolean(bool Options::*field) {
  return [field](Options& o, const std::string& v) -> Expected<Done, std::string> {
    auto b = agents::parse_go_bool(v);
    if (!b) return unexpected("not a boolean (true or false)");
    o.*field = *b;
    return Done{};
  };
}

Setter integer(int Options::*field, long min, long max) {
  return [=](Options& o, const std::string& v) -> Expected<Done, std::string> {
    auto n = parse_int(v, min, max);
    if (!n) return unexpected(n.error());
    o.*field = static_cast<int>(*n);
    return Done{};
  };
}

Setter seconds(double Options::*field) {
  return [field](Options& o, const std::string& v) -> Expected<Done, std::string> {
    auto s = parse_seconds(v);
    if (!s) return unexpected(s.error());
    o.*field = *s;
    return Done{};
  };
}

Setter driver() {
  return [](Options& o, const std::string& v) -> Expected<Done, std::string> {
    std::string lower = v;
    for (char& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != "api" && lower != "etcd") return unexpected("must be API or etcd");
    o.driver = lower;
    return Done{};
  };
}

Setter ignored() {
  return [](Options&, const std::string&) -> Expected<Done, std::string> { return Done{}; };
}

const std::vector<Flag>& flags() {
  static const std::vector<Flag> all = {
      {"endpoint", "", true, true, text(&Options::endpoint)},
      {"driver", "", true, true, driver()},
      {"request-timeout", "", true, true, seconds(&Options::request_timeout_s)},
      {"tunnel", "", true, true, text(&Options::tunnel)},
      {"ssh-username", "", true, true, text(&Options::ssh_username)},
      {"ssh-timeout", "", true, true, seconds(&Options::ssh_timeout_s)},
      {"strict-host-key-checking", "", false, true, boolean(&Options::strict_host_key_checking)},
      {"known-hosts-file", "", true, true, text(&Options::known_hosts_file)},
      {"key-file", "", true, true, text(&Options::key_file)},
      {"cert-file", "", true, true, text(&Options::cert_file)},
      {"ca-file", "", true, true, text(&Options::ca_file)},
      {"etcd-keyfile", "", true, true, text(&Options::key_file)},    // deprecated
      {"etcd-certfile", "", true, true, text(&Options::cert_file)},  // deprecated
      {"etcd-cafile", "", true, true, text(&Options::ca_file)},      // deprecated
      {"etcd-key-prefix", "", true, true, text(&Options::etcd_key_prefix)},
      {"experimental-api", "", false, true, ignored()},  // deprecated, always on
      {"debug", "", false, true, boolean(&Options::debug)},
      {"version", "v", false, false, boolean(&Options::version)},
      {"help", "h", false, false, boolean(&Options::help)},
      {"fields", "", true, false, text(&Options::fields)},
      {"full", "l", false, false, boolean(&Options::full)},
      {"no-legend", "", false, false, boolean(&Options::no_legend)},
      {"no-block", "", false, false, boolean(&Options::no_block)},
      {"block-attempts", "", true, false, integer(&Options::block_attempts, 0, 1000000)},
      {"replace", "", false, false, boolean(&Options::replace)},
      {"ssh-port", "", true, false, integer(&Options::ssh_port, 1, 65535)},
      {"lines", "n", true, false, integer(&Options::lines, 0, 100000000)},
      {"follow", "f", false, false, boolean(&Options::follow)},
      {"output", "o", true, false, text(&Options::output)},
      {"sudo", "", false, false, boolean(&Options::sudo)},
      {"machine", "", true, false, text(&Options::machine)},
      {"unit", "", true, false, text(&Options::unit)},
      {"forward-agent", "A", false, false, boolean(&Options::forward_agent)},
      {"sign", "", false, false, boolean(&Options::sign)},
  };
  return all;
}

const Flag* find_flag(std::string_view name, bool short_form) {
  for (const Flag& f : flags()) {
    if (short_form ? (!f.short_name.empty() && f.short_name == name) : f.name == name) return &f;
  }
  return nullptr;
}

Expected<Done, std::string> apply_env(Options& o, const Getenv& getenv) {
  for (const Flag& f : flags()) {
    if (!f.global) continue;
    const std::string name = agents::go_env_name("FLEETCTL", f.name);
    const char* v = getenv(name.c_str());
    if (v == nullptr || *v == '\0') continue;
    if (auto set = f.set(o, v); !set) {
      return unexpected("invalid value \"" + std::string(v) + "\" in " + name + ": " + set.error());
    }
  }
  return Done{};
}

// Where the remote command of `fleetctl ssh` starts: after the machine/unit argument, or
// right away when --machine/--unit names it.
bool ssh_command_started(const Options& o) {
  if (o.command != "ssh") return false;
  return !o.args.empty() || !o.machine.empty() || !o.unit.empty();
}

struct Parser {
  const std::vector<std::string>& argv;
  Options& o;
  size_t i = 0;

  Expected<Done, std::string> positional(const std::string& a) {
    if (!o.command.empty()) {
      o.args.push_back(a);
      return Done{};
    }
    auto c = resolve_command(a);
    if (!c) return unexpected(c.error());
    o.command = *c;
    return Done{};
  }

  Expected<Done, std::string> flag(const std::string& a) {
    const bool long_form = a.rfind("--", 0) == 0;
    std::string name = a.substr(long_form ? 2 : 1);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const Flag* f = find_flag(name, !long_form);
    if (f == nullptr) return unexpected("unknown flag: " + a);
    if (!value && f->takes_value) {
      if (i + 1 >= argv.size()) return unexpected("flag needs an argument: " + a);
      value = argv[++i];
    }
    const std::string v = value.value_or("true");
    if (auto set = f->set(o, v); !set) {
      return unexpected("invalid argument \"" + v + "\" for --" + std::string(f->name) + ": " +
                        set.error());
    }
    return Done{};
  }

  Expected<Done, std::string> run() {
    bool flags_done = false;
    for (; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (!flags_done && a == "--") {
        flags_done = true;
        continue;
      }
      if (!flags_done && ssh_command_started(o)) flags_done = true;
      const bool is_flag = !flags_done && a.size() >= 2 && a[0] == '-';
      auto r = is_flag ? flag(a) : positional(a);
      if (!r) return r;
    }
    return Done{};
  }
};

}  // namespace

std::string Options::effective_endpoint() const {
  if (!endpoint.empty()) return endpoint;
  return std::string(driver == "etcd" ? kDefaultEtcdEndpoint : kDefaultApiEndpoint);
}

const std::vector<std::string_view>& fleetctl_commands() {
  static const std::vector<std::string_view> all = {
      "cat",           "destroy",         "fd-forward", "help", "journal",
      "list-machines", "list-unit-files", "list-units", "load", "restart",
      "ssh",           "start",           "status",     "stop", "submit",
      "unload",        "verify",          "version"};
  return all;
}

Expected<std::string, std::string> resolve_command(std::string_view word) {
  std::vector<std::string_view> matches;
  for (std::string_view c : fleetctl_commands()) {
    if (c == word) return std::string(c);
    if (!word.empty() && c.substr(0, word.size()) == word) matches.push_back(c);
  }
  if (matches.size() == 1) return std::string(matches[0]);
  if (matches.empty())
    return unexpected("unknown command \"" + std::string(word) + "\" for \"fleetctl\"");
  std::string list;
  for (std::string_view m : matches)
    list += (list.empty() ? "" : ", ") + std::string(m);
  return unexpected("ambiguous command \"" + std::string(word) + "\" for \"fleetctl\": could be " +
                    list);
}

Expected<Options, std::string> parse_options(const std::vector<std::string>& argv,
                                             const Getenv& getenv) {
  Options o;
  if (auto env = apply_env(o, getenv); !env) return unexpected(env.error());
  Parser parser{argv, o};
  if (auto r = parser.run(); !r) return unexpected(r.error());
  return o;
}

std::string usage_text() {
  return R"(Usage: fleetctl [global flags] COMMAND [command flags] [ARG...]

Commands (a unique prefix is enough: "list-m" = list-machines):
  list-machines     the machines in the cluster            --fields --full/-l --no-legend
  list-units        published unit states                  --fields --full/-l --no-legend
  list-unit-files   units in the registry                  --fields --full/-l --no-legend
  submit UNIT...    upload unit files (desired inactive)   --replace
  load UNIT...      submit if needed, schedule             --replace --no-block --block-attempts N
  start UNIT...     submit/load if needed, start           --replace --no-block --block-attempts N
  stop UNIT...      stop (desired loaded)                  --no-block --block-attempts N
  unload UNIT...    unschedule (desired inactive)          --no-block --block-attempts N
  destroy UNIT...   remove from the registry
  restart UNIT...   stop and start again (global: systemctl restart on each host)
  cat UNIT          print the unit file as stored
  status UNIT...    systemctl status -l UNIT on its machine (over ssh)   --ssh-port
  journal UNIT      journalctl on its machine (over ssh)    --lines/-n 10 --follow/-f
                    --output/-o short --sudo --ssh-port
  ssh MACHINE|UNIT [COMMAND...]   a shell or command on a machine   --machine ID --unit NAME
                    --forward-agent/-A --ssh-port
  fd-forward SOCKET pipe stdin/stdout to a unix socket (used by --tunnel)
  verify            deprecated (exit 2)
  version, help

Global flags (each also from $FLEETCTL_<FLAG>, e.g. FLEETCTL_SSH_USERNAME):
  --endpoint URL             fleet API (unix:///var/run/fleet.sock) or, with --driver etcd,
                             etcd URLs (http://127.0.0.1:2379,http://127.0.0.1:4001)
  --driver API|etcd          talk to fleetd's API or directly to etcd (API)
  --request-timeout S        per request (3)
  --tunnel HOST[:PORT]       reach the API and the machines through this ssh host
  --ssh-username NAME        (core)
  --ssh-timeout S            ssh connect timeout (10)
  --strict-host-key-checking=BOOL   check host keys against --known-hosts-file (true)
  --known-hosts-file PATH    (~/.fleetctl/known_hosts)
  --key-file --cert-file --ca-file PATH   TLS to the API or etcd
  --etcd-key-prefix PREFIX   (/_coreos.com/fleet/)
  --debug                    trace requests on stderr
  --version/-v, --help/-h
)";
}

}  // namespace corestack::fleet
