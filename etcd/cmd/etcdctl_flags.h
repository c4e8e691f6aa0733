// etcdctl2's command-line rules: the arguments of one command parsed the way etcdctl
// 3.4 with ETCDCTL_API=2 (urfave/cli v1.22 on Go's flag package) parses them, so scripts
// keep working byte for byte:
//   1. reorder: every token naming one of the command's flags moves before the others,
//      taking the next token with it (even after a boolean) unless the flag token has a
//      '=' or the next token is itself a flag ("mk /q --in-order v" becomes
//      "--in-order v /q": v is the key!). An unknown "-x" stays where it is, as an
//      argument. The first "--" that is not such a value ends the reordering and moves to
//      the front of the arguments, so it is consumed by step 2 ("exec-watch /k -- cmd"
//      loses its "--": etcdctl then takes the last argument as the key);
//   2. Go flag: "-name" and "--name" are the same, "-name=value" works, a boolean never
//      takes the next token, the first positional ends the flags, and a leading "--" is
//      dropped (a later "--" stays a positional).
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

// urfave/cli v1.22 reorderArgs for a command with `specs`.
std::vector<std::string> reorder_args(std::span<const FlagSpec> specs,
                                      const std::vector<std::string>& args);

// Steps 1 and 2 above. Errors carry Go's wording: `flag provided but not defined: -x`,
// `invalid value "abc" for flag -ttl: parse error`, `flag needs an argument: -ttl`.
// `reorder` false: Go flag rules only (the global options before the command name).
Result<ParsedArgs> parse_command_args(std::span<const FlagSpec> specs,
                                      const std::vector<std::string>& args, bool reorder = true);

// urfave/cli's flag help line, before the tabwriter: "--recursive, -r\t<help>",
// "--ttl value\t<help>", "-p\t<help>"; a `word` quoted in the help is the value's
// placeholder ("--output simple, -o simple").
std::string flag_usage(const FlagSpec& spec);

// Go time.ParseDuration ("2s", "1m30s", "500ms", "1.5h"); milliseconds, truncated.
Result<uint64_t> parse_go_duration_ms(const std::string& text);

}  // namespace etcd::cmd::ctl
