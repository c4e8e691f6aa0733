#include "agents/common/go_flags.h"

#include <cctype>
#include <charconv>
#include <climits>
#include <utility>

namespace corestack::agents {
namespace {

// The "%v" Go's flag package prints for a value strconv rejects.
constexpr std::string_view kParseError = "parse error";

Expected<Done, std::string> parse_error() {
  return unexpected(std::string(kParseError));
}

// Go's %q for the texts flags see (no control characters in practice).
std::string go_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Go's PrintDefaults shows a default only when it is not the type's zero value.
bool is_zero_default(std::string_view text, std::string_view type_name) {
  if (type_name.empty()) return text == "false";
  if (type_name == "int") return text == "0";
  return text.empty();
}

// Stores what `parse` makes of the text; "parse error" when it returns nullopt.
template <typename T>
GoFlagSet::Setter parsing_setter(T& target, std::optional<T> (*parse)(std::string_view)) {
  return [&target, parse](std::string_view v) -> Expected<Done, std::string> {
    auto parsed = parse(v);
    if (!parsed) return parse_error();
    target = *parsed;
    return Done{};
  };
}

std::string type_name(bool is_bool, bool is_int, bool is_text) {
  if (is_bool) return "";
  if (is_int) return "int";
  return is_text ? "string" : "value";
}

}  // namespace

std::optional<bool> parse_go_bool(std::string_view text) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == t) return true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == f) return false;
  }
  return std::nullopt;
}

std::optional<int> parse_go_int(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' &&
      std::string_view("xXoObB").find(text[1]) != std::string_view::npos) {
    base = (text[1] == 'x' || text[1] == 'X') ? 16 : (text[1] == 'o' || text[1] == 'O') ? 8 : 2;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text[0] == '0') {
    base = 8;
    text.remove_prefix(1);
  }
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  value = negative ? -value : value;
  if (value < INT_MIN || value > INT_MAX) return std::nullopt;
  return static_cast<int>(value);
}

std::string go_env_name(std::string_view prefix, std::string_view flag) {
  std::string out = std::string(prefix) + "_";
  for (char c : flag) {
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

GoFlagSet::GoFlagSet(std::string env_prefix) : env_prefix_(std::move(env_prefix)) {}

void GoFlagSet::define(std::string name, Flag flag) {
  flags_.insert_or_assign(std::move(name), std::move(flag));
}

void GoFlagSet::add(std::string name, bool& target, std::string usage) {
  define(std::move(name), {Kind::boolean, true, std::move(usage), target ? "true" : "false",
                           parsing_setter(target, parse_go_bool)});
}

void GoFlagSet::add(std::string name, int& target, std::string usage) {
  define(std::move(name), {Kind::integer, false, std::move(usage), std::to_string(target),
                           parsing_setter(target, parse_go_int)});
}

void GoFlagSet::add(std::string name, std::string& target, std::string usage) {
  Setter set = [&target](std::string_view v) -> Expected<Done, std::string> {
    target = std::string(v);
    return Done{};
  };
  define(std::move(name), {Kind::text, false, std::move(usage), target, std::move(set)});
}

void GoFlagSet::add_func(std::string name, Setter set, std::string usage, std::string default_text,
                         bool is_bool) {
  define(std::move(name),
         {Kind::custom, is_bool, std::move(usage), std::move(default_text), std::move(set)});
}

Expected<Done, std::string> GoFlagSet::set(const std::string& name, const Flag& flag,
                                           std::string_view value) const {
  auto ok = flag.set(value);
  if (ok) return Done{};
  // Go words the two cases differently; tests and users match on both.
  if (flag.is_bool) {
    return unexpected("invalid boolean value " + go_quote(value) + " for -" + name + ": " +
                      ok.error());
  }
  return unexpected("invalid value " + go_quote(value) + " for flag -" + name + ": " + ok.error());
}

// Go's FlagSet.parseOne: consumes args[i] (and its value) when it is a flag.
Expected<GoFlagSet::Step, std::string> GoFlagSet::parse_one(const std::vector<std::string>& args,
                                                            size_t& i) {
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
  auto found = flags_.find(name);
  if (found == flags_.end()) {
    if (name == "help" || name == "h") return Step::help;  // Go's ErrHelp
    return unexpected("flag provided but not defined: -" + std::string(name));
  }
  const auto& [flag_name, flag] = *found;
  if (!value && flag.is_bool) value = "true";
  if (!value) {
    if (i >= args.size()) return unexpected("flag needs an argument: -" + flag_name);
    value = args[i++];  // even when it starts with '-', as Go does
  }
  if (auto ok = set(flag_name, flag, *value); !ok) return unexpected(ok.error());
  given_.insert(flag_name);
  return Step::flag;
}

Expected<Done, std::string> GoFlagSet::parse(const std::vector<std::string>& args) {
  size_t i = 0;
  while (i < args.size()) {
    auto step = parse_one(args, i);
    if (!step) return unexpected(step.error());
    if (*step == Step::stop) break;
    if (*step == Step::help) {
      help_ = true;
      break;
    }
  }
  args_.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return Done{};
}

bool GoFlagSet::given(std::string_view name) const {
  return given_.find(name) != given_.end();
}

std::vector<GoFlagSet::EnvFailure> GoFlagSet::apply_env(
    const GoEnvLookup& env, std::initializer_list<std::string_view> skip) {
  std::vector<EnvFailure> failures;
  for (const auto& [name, flag] : flags_) {
    bool skipped = given(name);
    for (std::string_view s : skip)
      skipped = skipped || s == name;
    if (skipped) continue;
    std::string variable = go_env_name(env_prefix_, name);
    auto value = env(variable);
    if (!value || value->empty()) continue;  // "" counts as unset
    if (auto ok = set(name, flag, *value); !ok) {
      failures.push_back({std::move(variable), *value, ok.error()});
    }
  }
  return failures;
}

std::string GoFlagSet::print_defaults() const {
  std::string out;
  for (const auto& [name, flag] : flags_) {
    const std::string type =
        type_name(flag.is_bool, flag.kind == Kind::integer, flag.kind == Kind::text);
    std::string line = "  -" + name;
    if (!type.empty()) line += " " + type;
    // Go keeps a one-letter boolean's usage on its line.
    line += line.size() <= 4 ? "\t" : "\n    \t";
    for (char c : flag.usage)
      line += c == '\n' ? std::string("\n    \t") : std::string(1, c);
    if (!is_zero_default(flag.default_text, type)) {
      line += " (default " +
              (flag.kind == Kind::text ? go_quote(flag.default_text) : flag.default_text) + ")";
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace corestack::agents
