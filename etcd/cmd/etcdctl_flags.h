// etcdctl2's command-line rules: the arguments of one command parsed the way etcdctl 2.3
// (urfave/cli v1 on Go's flag package) parses them, so scripts keep working byte for byte:
//   1. reorder: every "-x" token moves before the positionals, taking the next token with
//      it unless it contains '=' or starts with '-' ("mk /q --in-order v" becomes
//      "--in-order v /q": v is the key!);
//   2. Go flag: "-name" and "--name" are the same, "-name=value" works, a boolean never
//      takes the next token, the first positional ends the flags, and a leading "--" is
//      dropped (a later "--" stays a positional: exec-watch looks for it).
// The flag tokens are then typed and checked by CLI11. Pure; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "etcd/common/result.h"

namespace etcd::cmd::ctl {

enum class FlagKind { boolean, integer, text, text_list };

struct FlagSpec {
  const char* names;  // "recursive,r": the long name first, then aliases
  FlagKind kind;
  const char* help;
};

// A command's parsed flags (by long name; defaults false / 0 / "" / {}) and positionals.
struct ParsedArgs {
  std::map<std::string, bool> bools;
  std::map<std::string, int64_t> ints;
  std::map<std::string, std::string> texts;
  std::map<std::string, std::vector<std::string>> lists;
  std::vector<std::string> args;

  bool flag(const std::string& name) const;
  int64_t integer(const std::string& name) const;
  std::string text(const std::string& name) const;
  std::vector<std::string> list(const std::string& name) const;
};

// urfave/cli v1 reorderArgs.
std::vector<std::string> reorder_args(const std::vector<std::string>& args);

// Steps 1 and 2 above. Errors carry Go's wording: `flag provided but not defined: -x`,
// `invalid value "abc" for flag -ttl: parse error`, `flag needs an argument: -ttl`.
// `reorder` false: Go flag rules only (the global options before the command name).
Result<ParsedArgs> parse_command_args(std::span<const FlagSpec> specs,
                                      const std::vector<std::string>& args, bool reorder = true);

// Go time.ParseDuration ("2s", "1m30s", "500ms", "1.5h"); milliseconds, truncated.
Result<uint64_t> parse_go_duration_ms(const std::string& text);

}  // namespace etcd::cmd::ctl
