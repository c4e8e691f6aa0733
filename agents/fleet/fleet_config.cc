#include "agents/fleet/fleet_config.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "agents/fleet/go_text.h"

namespace corestack::fleet {
namespace {

using Error = std::string;
using Reason = Expected<void, Error>;

std::string_view trim(std::string_view s) {
  return go_trim_space(s);
}

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

// strconv.ParseBool.
Expected<bool, Error> parse_bool(std::string_view v) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (v == t) return true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (v == f) return false;
  }
  return unexpected(Error("not a boolean (true/false/1/0/t/f)"));
}

Expected<long long, Error> parse_int(std::string_view v) {
  std::string_view digits = v.starts_with('+') ? v.substr(1) : v;
  long long out = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return unexpected(Error("not an integer"));
  }
  return out;
}

// Float seconds (strconv.ParseFloat), converted to whole milliseconds as fleet does.
Expected<std::chrono::milliseconds, Error> parse_seconds(std::string_view v) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || !std::isfinite(seconds)) {
    return unexpected(Error("not a number of seconds"));
  }
  if (seconds <= 0 || seconds * 1000 > static_cast<double>(std::numeric_limits<int>::max())) {
    return unexpected(Error("must be a positive number of seconds"));
  }
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

template <typename T, typename F>
Reason assign(Expected<T, Error> parsed, F&& set) {
  if (!parsed) return unexpected(parsed.error());
  set(*parsed);
  return {};
}

Reason set_string(std::string& field, std::string_view v) {
  field = std::string(v);
  return {};
}

Reason set_bool(bool& field, std::string_view v) {
  return assign(parse_bool(v), [&](bool b) { field = b; });
}

Reason set_verbosity(FleetConfig& c, std::string_view v) {
  auto n = parse_int(v);
  if (n && (*n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max())) {
    return unexpected(Error("out of range"));
  }
  return assign(std::move(n), [&](long long x) { c.verbosity = static_cast<int>(x); });
}

Reason set_token_limit(FleetConfig& c, std::string_view v) {
  auto n = parse_int(v);
  if (n && (*n < 1 || *n > 65535)) return unexpected(Error("must be between 1 and 65535"));
  return assign(std::move(n), [&](long long x) { c.token_limit = static_cast<int>(x); });
}

Reason set_agent_ttl(FleetConfig& c, std::string_view v) {
  auto d = parse_go_duration(v);
  if (d && d->count() <= 0) return unexpected(Error("must be a positive duration"));
  return assign(std::move(d), [&](std::chrono::nanoseconds x) { c.agent_ttl = x; });
}

Reason set_metadata(FleetConfig& c, std::string_view v) {
  c.raw_metadata = std::string(v);
  c.metadata = parse_metadata(v, &c.warnings);
  return {};
}

struct Option {
  std::string_view name;
  Reason (*apply)(FleetConfig&, std::string_view);
};

// fleetd.go's flag set, in its order.
constexpr Option kOptions[] = {
    {"verbosity", set_verbosity},
    {"etcd_servers",
     [](FleetConfig& c, std::string_view v) -> Reason {
       return assign(parse_etcd_servers(v), [&](auto s) { c.etcd_servers = std::move(s); });
     }},
    {"etcd_username",
     [](FleetConfig& c, std::string_view v) { return set_string(c.etcd_username, v); }},
    {"etcd_password",
     [](FleetConfig& c, std::string_view v) { return set_string(c.etcd_password, v); }},
    {"etcd_keyfile",
     [](FleetConfig& c, std::string_view v) { return set_string(c.etcd_keyfile, v); }},
    {"etcd_certfile",
     [](FleetConfig& c, std::string_view v) { return set_string(c.etcd_certfile, v); }},
    {"etcd_cafile",
     [](FleetConfig& c, std::string_view v) { return set_string(c.etcd_cafile, v); }},
    {"etcd_key_prefix",
     [](FleetConfig& c, std::string_view v) { return set_string(c.etcd_key_prefix, v); }},
    {"etcd_request_timeout",
     [](FleetConfig& c, std::string_view v) -> Reason {
       return assign(parse_seconds(v), [&](auto ms) { c.etcd_request_timeout = ms; });
     }},
    {"engine_reconcile_interval",
     [](FleetConfig& c, std::string_view v) -> Reason {
       return assign(parse_seconds(v), [&](auto ms) { c.engine_reconcile_interval = ms; });
     }},
    {"public_ip", [](FleetConfig& c, std::string_view v) { return set_string(c.public_ip, v); }},
    {"metadata", set_metadata},
    {"agent_ttl", set_agent_ttl},
    {"units_directory",
     [](FleetConfig& c, std::string_view v) { return set_string(c.units_directory, v); }},
    {"systemd_user",
     [](FleetConfig& c, std::string_view v) { return set_bool(c.systemd_user, v); }},
    {"token_limit", set_token_limit},
    {"disable_engine",
     [](FleetConfig& c, std::string_view v) { return set_bool(c.disable_engine, v); }},
    {"disable_watches",
     [](FleetConfig& c, std::string_view v) { return set_bool(c.disable_watches, v); }},
    {"enable_grpc", [](FleetConfig& c, std::string_view v) { return set_bool(c.enable_grpc, v); }},
};

constexpr std::string_view kDeprecated[] = {"verify_units", "authorized_keys_file"};

std::string env_name(std::string_view option) {
  std::string out(kConfigEnvPrefix);
  for (char ch : option)
    out += static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
  return out;
}

bool is_deprecated(std::string_view name) {
  for (auto d : kDeprecated) {
    if (d == name) return true;
  }
  return false;
}

bool is_known(std::string_view name) {
  for (const auto& o : kOptions) {
    if (o.name == name) return true;
  }
  return is_deprecated(name);
}

// The value for one option: the environment beats the file (globalconf's ParseSet).
struct Source {
  const ConfigFileEntries* file = nullptr;
  std::string_view file_name;
  const EnvLookup& env;
};

std::optional<std::pair<std::string, std::string>> lookup(std::string_view name,
                                                          const Source& source) {
  const ConfigFileEntries* file = source.file;
  const EnvLookup& env = source.env;
  std::string var = env_name(name);
  if (env) {
    if (auto v = env(var); v && !v->empty()) return std::pair{*v, var};
  }
  if (file) {
    if (auto it = file->values.find(std::string(name)); it != file->values.end()) {
      return std::pair{it->second, std::string(source.file_name)};
    }
  }
  return std::nullopt;
}

struct Unit {
  std::string_view name;
  double nanoseconds;
};
constexpr Unit kUnits[] = {{"ns", 1},   {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"\xCE\xBCs", 1e3},
                           {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

Expected<ConfigFileEntries, std::string> parse_config_file(std::string_view text) {
  ConfigFileEntries out;
  bool in_section = false;
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      in_section = true;
      out.warnings.push_back("fleet.conf line " + std::to_string(line_no) + ": section " +
                             std::string(line) + " ignored (fleet.conf has no sections)");
      continue;
    }
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return unexpected("fleet.conf line " + std::to_string(line_no) +
                        ": expected key=value, got " + go_quote(line));
    }
    if (in_section) continue;
    out.values[std::string(trim(line.substr(0, eq)))] =
        std::string(unquote(trim(line.substr(eq + 1))));
  }
  return out;
}

Expected<std::vector<std::string>, std::string> parse_etcd_servers(std::string_view value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    std::string_view item =
        value.substr(start, comma == std::string_view::npos ? comma : comma - start);
    std::size_t b = item.find_first_not_of(" []\"");
    std::size_t e = item.find_last_not_of(" []\"");
    if (b != std::string_view::npos) out.emplace_back(item.substr(b, e - b + 1));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (out.empty()) return unexpected(std::string("no etcd server given"));
  return out;
}

std::map<std::string, std::string> parse_metadata(std::string_view value,
                                                  std::vector<std::string>* warnings) {
  std::map<std::string, std::string> out;
  value = unquote(trim(value));
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    std::string_view pair =
        value.substr(start, comma == std::string_view::npos ? comma : comma - start);
    std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos) {
      out[std::string(trim(pair.substr(0, eq)))] = std::string(trim(pair.substr(eq + 1)));
    } else if (!trim(pair).empty() && warnings) {
      warnings->push_back("metadata item " + go_quote(pair) + " has no '=': ignored");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Expected<std::chrono::nanoseconds, std::string> parse_go_duration(std::string_view text) {
  const std::string invalid = "time: invalid duration " + go_quote(text);
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return unexpected(invalid);
  long double total = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    while (i < s.size() && is_digit(s[i]))
      ++i;
    std::size_t int_digits = i;
    std::size_t frac_start = i;
    if (i < s.size() && s[i] == '.') {
      frac_start = ++i;
      while (i < s.size() && is_digit(s[i]))
        ++i;
    }
    if (int_digits == 0 && i == frac_start) return unexpected(invalid);  // no digits at all
    long double number = 0;
    for (std::size_t k = 0; k < int_digits; ++k)
      number = number * 10 + (s[k] - '0');
    long double scale = 0.1L;
    for (std::size_t k = frac_start; k < i && frac_start > int_digits; ++k, scale /= 10) {
      number += (s[k] - '0') * scale;
    }
    std::size_t unit_end = i;
    while (unit_end < s.size() && !is_digit(s[unit_end]) && s[unit_end] != '.')
      ++unit_end;
    std::string_view unit = s.substr(i, unit_end - i);
    if (unit.empty()) return unexpected("time: missing unit in duration " + go_quote(text));
    const Unit* found = nullptr;
    for (const auto& u : kUnits) {
      if (u.name == unit) found = &u;
    }
    if (!found) {
      return unexpected("time: unknown unit " + go_quote(unit) + " in duration " + go_quote(text));
    }
    total += number * found->nanoseconds;
    if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) {
      return unexpected(invalid);
    }
    s.remove_prefix(unit_end);
  }
  auto ns = static_cast<std::int64_t>(total);
  return std::chrono::nanoseconds(negative ? -ns : ns);
}

Expected<FleetConfig, std::string> load_fleet_config(std::optional<std::string_view> file_text,
                                                     const EnvLookup& env,
                                                     std::string_view file_name) {
  FleetConfig config;
  std::optional<ConfigFileEntries> file;
  if (file_text) {
    auto parsed = parse_config_file(*file_text);
    if (!parsed) return unexpected(parsed.error());
    file = std::move(*parsed);
    config.warnings = file->warnings;
    for (const auto& [key, value] : file->values) {
      if (!is_known(key)) {
        config.warnings.push_back("fleet.conf: unknown option " + key + " ignored");
      }
    }
  }
  const Source source{file ? &*file : nullptr, file_name, env};
  for (const auto& option : kOptions) {
    auto found = lookup(option.name, source);
    if (!found) continue;
    if (auto r = option.apply(config, found->first); !r) {
      return unexpected("invalid value " + go_quote(found->first) + " for " +
                        std::string(option.name) + " (from " + found->second + "): " + r.error());
    }
  }
  for (auto name : kDeprecated) {
    if (lookup(name, source)) {
      config.warnings.push_back("config option " + std::string(name) +
                                " is no longer supported: ignored");
    }
  }
  return config;
}

FleetTimings derive_timings(const FleetConfig& config) {
  using std::chrono::milliseconds;
  const auto ttl = config.agent_ttl;
  const auto refresh = ttl > std::chrono::seconds(10) ? ttl * 4 / 5 : ttl / 2;
  return FleetTimings{
      .machine_heartbeat = ttl / 2,
      .presence_ttl = ttl,
      .state_refresh = refresh,
      .state_poll = milliseconds(1000),
      .agent_reconcile = milliseconds(5000),
      .engine_reconcile = config.engine_reconcile_interval,
      .engine_lease_ttl = config.engine_reconcile_interval * 5,
  };
}

}  // namespace corestack::fleet
