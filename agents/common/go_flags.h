// GoFlagSet: Go's `flag` package as the CoreOS agents used it, plus the environment
// fallback each of them bolted on (flagsFromEnv: $<PREFIX>_<NAME> for every flag the
// command line did not set). One parser so locksmithd, locksmithctl and flanneld agree on
// the syntax and on the error texts their users and tests grep for:
//   -name value, --name value, -name=value; booleans only as -name or -name=false
//   (a boolean never takes the next word); parsing stops at the first non-flag or after
//   "--"; an undefined -h/-help stops parsing and asks for help; errors are exactly
//   "flag provided but not defined: -x", "flag needs an argument: -x",
//   "invalid boolean value \"v\" for -x: parse error",
//   "invalid value \"v\" for flag -x: parse error", "bad flag syntax: ---x".
// Flags write straight into the caller's variables (Go's BoolVar/StringVar/IntVar/Func),
// so each agent keeps its own plain settings struct.
//
// fleetctl does not use it: cobra/pflag has other error texts, flags anywhere on the line
// and a fatal environment; it shares parse_go_bool and go_env_name only.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agents/common/expected.h"

namespace corestack::agents {

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
std::optional<bool> parse_go_bool(std::string_view text);
// Go's strconv.ParseInt(text, 0, 32) as flag.Int uses it: optional sign, then 0x / 0o / 0b
// or a leading 0 (octal); nullopt for anything else or out of int's range.
std::optional<int> parse_go_int(std::string_view text);
// "PREFIX_NAME": the flag upper-cased, '-' -> '_' (go_env_name("FLANNELD", "ip-masq") =
// "FLANNELD_IP_MASQ").
std::string go_env_name(std::string_view prefix, std::string_view flag);

// Returns the variable's value, or nullopt when it is not set.
using GoEnvLookup = std::function<std::optional<std::string>(const std::string&)>;

class GoFlagSet {
 public:
  // Sets a custom flag from its text; the error becomes the "%v" of Go's message
  // ("parse error" for the built-in types).
  using Setter = std::function<Expected<Done, std::string>(std::string_view)>;

  // `env_prefix` names the variables apply_env reads ("" = none).
  explicit GoFlagSet(std::string env_prefix = "");

  // The variable's current value is the flag's default (for print_defaults), as in Go.
  void add(std::string name, bool& target, std::string usage = "");
  void add(std::string name, int& target, std::string usage = "");
  void add(std::string name, std::string& target, std::string usage = "");
  // A flag.Value; `is_bool` makes it take no value (Go's IsBoolFlag).
  void add_func(std::string name, Setter set, std::string usage = "", std::string default_text = "",
                bool is_bool = false);

  // Go's FlagSet.Parse over `args` (without the program name). After it, args() holds what
  // follows the flags and help() tells whether an undefined -h/-help stopped parsing.
  Expected<Done, std::string> parse(const std::vector<std::string>& args);
  bool help() const { return help_; }
  const std::vector<std::string>& args() const { return args_; }
  // Whether parse() set the flag (Go's FlagSet.Visit).
  bool given(std::string_view name) const;

  // A variable that did not parse: $variable=value and the message parse() would give.
  struct EnvFailure {
    std::string variable;
    std::string value;
    std::string error;
  };
  // For each flag neither given nor in `skip`: a non-empty $<PREFIX>_<NAME> sets it. A value
  // that does not parse leaves the flag alone and is returned; what to do about it (ignore,
  // warn) is the agent's choice, as each reference chose differently.
  std::vector<EnvFailure> apply_env(const GoEnvLookup& env,
                                    std::initializer_list<std::string_view> skip = {});

  // Go's FlagSet.PrintDefaults: every flag sorted by name, "  -name type\n    \tusage
  // (default x)\n", the default omitted when it is the type's zero value.
  std::string print_defaults() const;

 private:
  enum class Kind { boolean, integer, text, custom };
  struct Flag {
    Kind kind;
    bool is_bool;
    std::string usage;
    std::string default_text;
    Setter set;
  };
  enum class Step { flag, stop, help };

  void define(std::string name, Flag flag);
  Expected<Done, std::string> set(const std::string& name, const Flag& flag,
                                  std::string_view value) const;
  Expected<Step, std::string> parse_one(const std::vector<std::string>& args, size_t& i);

  std::string env_prefix_;
  std::map<std::string, Flag, std::less<>> flags_;  // sorted, as Go's VisitAll lists them
  std::set<std::string, std::less<>> given_;
  std::vector<std::string> args_;
  bool help_ = false;
};

}  // namespace corestack::agents
