// fake_systemd's reading of a unit file: the subset of systemd.unit(5)/systemd.service(5)
// the stand-in emulates (testing/fake_systemd.cc has the list), parsed the way systemd
// parses it (systemd.syntax(7)): sections, `Key=value`, `#`/`;` comments, backslash line
// continuation, an empty assignment resetting a list, specifiers (%n %N %p %P %i %I %H %m
// %b %%) resolved at load, quotes and C escapes in command lines and Environment=.
// `$VAR`/`${VAR}` in command lines are expanded later, when the command runs
// (expand_command), because the environment is only known then.
//
// Pure functions over strings, except HostIds::read() (hostname, machine and boot id).
// A unit systemd would refuse to load gets `bad_setting` set, never an exception.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace corestack::systemd::testing::fake_systemd {

// One ExecStart=/ExecStartPre= line, split into words at load time.
struct ExecCommand {
  std::vector<std::string> words;  // unquoted, unescaped, specifiers resolved, $VARs not yet
  bool ignore_failure = false;     // "-" prefix: a failing exit counts as success
  bool separate_argv0 = false;     // "@" prefix: words[0] is run with words[1] as argv[0]
};

struct EnvironmentFile {
  std::string path;
  bool optional = false;  // "-" prefix: a missing file is not an error
};

enum class ServiceType { simple, oneshot };

struct UnitFile {
  std::string name;         // e.g. "hello.service"
  std::string description;  // [Unit] Description=, empty when unset
  ServiceType type = ServiceType::simple;
  bool remain_after_exit = false;
  std::vector<ExecCommand> exec_start_pre;
  std::vector<ExecCommand> exec_start;
  std::vector<std::string> environment;  // "KEY=value" from Environment=, in order
  std::vector<EnvironmentFile> environment_files;
  std::string working_directory;  // empty: "/" as systemd does
  bool working_directory_optional = false;
  std::chrono::milliseconds timeout_stop{std::chrono::seconds(90)};  // DefaultTimeoutStopSec
  std::vector<std::string> wanted_by, required_by, alias, also;      // [Install]
  // Why systemd (or the fake) would refuse this unit: load state "bad-setting". Empty: fine.
  std::string bad_setting;

  // Whether [Install] has rules EnableUnitFiles acts on (its carries_install_info).
  bool has_install_rules() const;
};

// What %H, %m and %b resolve to.
struct HostIds {
  std::string hostname;
  std::string machine_id;  // 32 hex digits; empty when /etc/machine-id is unreadable
  std::string boot_id;     // 32 hex digits, no dashes
  static HostIds read();
};

UnitFile parse_unit_file(const std::string& unit_name, const std::string& text,
                         const HostIds& host);

// Splits like systemd's extract_first_word(UNQUOTE|CUNESCAPE|RELAX): whitespace separates,
// '...' and "..." group (anywhere in a word), backslash escapes (\n \t \\ \" \' \s \xHH ...).
// nullopt on an unterminated quote.
std::optional<std::vector<std::string>> split_words(const std::string& line);

// The argv to run: a word that is exactly `$NAME` becomes the variable's value split at
// whitespace (nothing when unset); elsewhere `${NAME}` is replaced (empty when unset) and
// `$$` becomes `$`. `environment` is "KEY=value", a later entry overriding an earlier one.
std::vector<std::string> expand_command(const ExecCommand& command,
                                        const std::vector<std::string>& environment);

// "5", "5s", "500ms", "1min 30s", "infinity" (a very long time); nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_timespan(const std::string& text);

// systemd's boolean words: 1/yes/y/true/t/on and 0/no/n/false/f/off.
std::optional<bool> parse_boolean(const std::string& text);

// The KEY=value lines of an EnvironmentFile= (comments, blank lines and surrounding quotes
// dropped).
std::vector<std::string> parse_environment_file(const std::string& text);

}  // namespace corestack::systemd::testing::fake_systemd
