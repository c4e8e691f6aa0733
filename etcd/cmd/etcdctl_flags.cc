#include "etcd/cmd/etcdctl_flags.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

#include <CLI/CLI.hpp>

namespace etcd::cmd::ctl {
namespace {

std::vector<std::string> names_of(const FlagSpec& spec) {
  std::vector<std::string> out;
  std::stringstream ss(spec.names);
  for (std::string name; std::getline(ss, name, ',');)
    out.push_back(name);
  return out;
}

const FlagSpec* find_spec(std::span<const FlagSpec> specs, const std::string& name) {
  for (const auto& spec : specs) {
    for (const auto& n : names_of(spec)) {
      if (n == name) return &spec;
    }
  }
  return nullptr;
}

// urfave/cli argIsFlag: "-x", "--x" or "--x=v" where x is one of the command's flags.
bool names_a_flag(std::span<const FlagSpec> specs, const std::string& arg) {
  if (arg.size() < 2 || arg[0] != '-' || arg == "--") return false;
  std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
  name = name.substr(0, name.find('='));
  return find_spec(specs, name) != nullptr;
}

// Go strconv.ParseBool.
std::optional<bool> parse_go_bool(const std::string& v) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    return false;
  }
  return std::nullopt;
}

// One flag token already split into name and (maybe) value, typed into `out` or, for
// values, queued as "--long=value" for CLI11.
struct Token {
  std::string name;
  std::string value;
  bool has_value = false;
};

Result<Token> split_flag(const std::string& arg) {
  std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
  if (body.empty() || body[0] == '-' || body[0] == '=') {
    return Error{"bad flag syntax: " + arg};
  }
  Token t{body};
  if (auto eq = body.find('='); eq != std::string::npos) {
    t = Token{body.substr(0, eq), body.substr(eq + 1), true};
  }
  return t;
}

// Types the value tokens with CLI11 (integers, texts, repeatable texts).
Result<void> type_values(std::span<const FlagSpec> specs, std::vector<std::string> tokens,
                         ParsedArgs& out) {
  CLI::App app;
  app.set_help_flag();
  for (const auto& spec : specs) {
    const std::string name = names_of(spec).front();
    const std::string option = "--" + name;
    switch (spec.kind) {
      case FlagKind::boolean:
        break;
      case FlagKind::integer:
        app.add_option(option, out.ints[name]);
        break;
      case FlagKind::text:
        app.add_option(option, out.texts[name])
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        break;
      case FlagKind::text_list:
        app.add_option(option, out.lists[name]);
        break;
    }
  }
  std::vector<std::string> consumed(tokens.rbegin(), tokens.rend());  // CLI11 pops from the back
  try {
    app.parse(consumed);
  } catch (const CLI::ParseError& e) {
    // Go's wording; CLI11 only fails on a value it cannot convert.
    std::string flag = e.what();
    for (const auto& spec : specs) {
      const std::string name = names_of(spec).front();
      if (flag.find("--" + name) != std::string::npos) {
        for (const auto& token : tokens) {
          if (token.starts_with("--" + name + "=")) {
            return Error{"invalid value \"" + token.substr(name.size() + 3) + "\" for flag -" +
                         name + ": parse error"};
          }
        }
      }
    }
    return Error{flag};
  }
  return Ok{};
}

}  // namespace

bool ParsedArgs::flag(const std::string& name) const {
  auto it = bools.find(name);
  return it != bools.end() && it->second;
}

int64_t ParsedArgs::integer(const std::string& name) const {
  auto it = ints.find(name);
  return it == ints.end() ? 0 : it->second;
}

std::string ParsedArgs::text(const std::string& name) const {
  auto it = texts.find(name);
  return it == texts.end() ? "" : it->second;
}

std::vector<std::string> ParsedArgs::list(const std::string& name) const {
  auto it = lists.find(name);
  return it == lists.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> reorder_args(std::span<const FlagSpec> specs,
                                      const std::vector<std::string>& args) {
  std::vector<std::string> flags;
  std::vector<std::string> rest;
  bool may_be_value = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool is_flag = names_a_flag(specs, arg);
    if (may_be_value && !is_flag) {
      may_be_value = false;  // a value, even "--" or "-5"
      flags.push_back(arg);
    } else if (arg == "--") {
      rest.insert(rest.begin(), "--");
      rest.insert(rest.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    } else if (is_flag) {
      flags.push_back(arg);
      may_be_value = arg.find('=') == std::string::npos;
    } else {
      rest.push_back(arg);
    }
  }
  flags.insert(flags.end(), rest.begin(), rest.end());
  return flags;
}

Result<ParsedArgs> parse_command_args(std::span<const FlagSpec> specs,
                                      const std::vector<std::string>& raw, bool reorder) {
  const std::vector<std::string> args = reorder ? reorder_args(specs, raw) : raw;
  ParsedArgs out;
  std::vector<std::string> value_tokens;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') break;
    if (arg == "--") {
      ++i;
      break;
    }
    auto token = split_flag(arg);
    if (!token) return token.error();
    const FlagSpec* spec = find_spec(specs, token->name);
    if (spec == nullptr) return Error{"flag provided but not defined: -" + token->name};
    const std::string name = names_of(*spec).front();
    if (spec->kind == FlagKind::boolean) {
      auto value = token->has_value ? parse_go_bool(token->value) : std::optional<bool>(true);
      if (!value) {
        return Error{"invalid boolean value \"" + token->value + "\" for -" + token->name +
                     ": parse error"};
      }
      out.bools[name] = *value;
      continue;
    }
    if (!token->has_value) {
      if (i + 1 >= args.size()) return Error{"flag needs an argument: -" + token->name};
      token->value = args[++i];
    }
    value_tokens.push_back("--" + name + "=" + token->value);
  }
  out.args.assign(args.begin() + static_cast<long>(i), args.end());
  if (auto typed = type_values(specs, std::move(value_tokens), out); !typed) return typed.error();
  return out;
}

std::string flag_usage(const FlagSpec& spec) {
  std::string help = spec.help;
  std::string placeholder = "value";
  // urfave/cli unquoteUsage: the first `quoted` word names the value.
  if (auto open = help.find('`'); open != std::string::npos) {
    if (auto close = help.find('`', open + 1); close != std::string::npos) {
      placeholder = help.substr(open + 1, close - open - 1);
      help.erase(close, 1);
      help.erase(open, 1);
    }
  }
  std::string names;
  for (const auto& name : names_of(spec)) {
    if (!names.empty()) names += ", ";
    names += (name.size() == 1 ? "-" : "--") + name;
    if (spec.kind != FlagKind::boolean) names += " " + placeholder;
  }
  return names + "\t" + help;
}

Result<uint64_t> parse_go_duration_ms(const std::string& text) {
  static const std::pair<const char*, double> kUnits[] = {
      {"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3}, {"ms", 1.0}, {"s", 1e3}, {"m", 6e4}, {"h", 3.6e6}};
  const Error bad{"time: invalid duration \"" + text + "\""};
  if (text == "0") return uint64_t{0};
  double total = 0;
  size_t i = 0;
  if (text.empty()) return bad;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.')) {
      ++j;
    }
    if (j == i) return bad;
    const double number = std::stod(text.substr(i, j - i));
    size_t k = j;
    while (k < text.size() && !std::isdigit(static_cast<unsigned char>(text[k])) &&
           text[k] != '.') {
      ++k;
    }
    const std::string unit = text.substr(j, k - j);
    double scale = -1;
    for (const auto& [name, ms] : kUnits) {
      if (unit == name) scale = ms;
    }
    if (scale < 0)
      return Error{"time: " + std::string(unit.empty() ? "missing unit" : "unknown unit") +
                   " in duration \"" + text + "\""};
    total += number * scale;
    i = k;
  }
  return static_cast<uint64_t>(std::floor(total));
}

}  // namespace etcd::cmd::ctl
