#include "agents/systemd/testing/fake_systemd_unit_file.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <utility>

#include "agents/systemd/machine_id.h"

namespace corestack::systemd::testing::fake_systemd {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kWhitespace = " \t\r\n";

std::string trim(std::string_view s) {
  const auto begin = s.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return "";
  const auto end = s.find_last_not_of(kWhitespace);
  return std::string(s.substr(begin, end - begin + 1));
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string lowercase(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct Assignment {
  std::string section;
  std::string key;
  std::string value;
};

// systemd.syntax(7): a trailing backslash joins the next line (the backslash becomes a
// space), comment lines inside a continuation are skipped, lines without '=' are ignored.
std::vector<Assignment> read_assignments(const std::string& text) {
  std::vector<Assignment> out;
  std::string section, pending, raw;
  std::istringstream in(text);
  while (std::getline(in, raw)) {
    std::string line = trim(raw);
    if (!line.empty() && (line[0] == '#' || line[0] == ';')) continue;
    if (!line.empty() && line.back() == '\\') {
      line.back() = ' ';
      pending += line;
      continue;
    }
    line = trim(pending + line);
    pending.clear();
    if (line.empty()) continue;
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    out.push_back({section, trim(line.substr(0, eq)), trim(line.substr(eq + 1))});
  }
  return out;
}

// unit_name_unescape(): "-" is "/", "\xNN" a byte.
std::string unescape_unit_name(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-') {
      out += '/';
    } else if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && hex_value(s[i + 2]) >= 0 &&
               hex_value(s[i + 3]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 2]) * 16 + hex_value(s[i + 3]));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Consumes the escape starting at line[i] == '\\'; returns the index of its last character.
size_t unescape_one(const std::string& line, size_t i, std::string& word) {
  const char c = line[i + 1];
  static constexpr std::string_view kFrom = "ntrabfvs\\\"'";
  static constexpr std::string_view kTo = "\n\t\r\a\b\f\v \\\"'";
  if (const auto at = kFrom.find(c); at != std::string_view::npos) {
    word += kTo[at];
    return i + 1;
  }
  if (c == 'x' && i + 3 < line.size() && hex_value(line[i + 2]) >= 0 &&
      hex_value(line[i + 3]) >= 0) {
    word += static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3]));
    return i + 3;
  }
  word += '\\';  // RELAX: an unknown escape stays as written
  word += c;
  return i + 1;
}

std::optional<std::string> lookup(const std::vector<std::string>& environment,
                                  std::string_view name) {
  for (auto it = environment.rbegin(); it != environment.rend(); ++it) {
    if (it->size() > name.size() && (*it)[name.size()] == '=' && starts_with(*it, name))
      return it->substr(name.size() + 1);
  }
  return std::nullopt;
}

bool is_variable_name(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// `${NAME}` and `$$` inside a word (systemd's replace_env()).
std::string replace_variables(const std::string& word,
                              const std::vector<std::string>& environment) {
  std::string out;
  for (size_t i = 0; i < word.size(); ++i) {
    if (word[i] != '$' || i + 1 >= word.size()) {
      out += word[i];
    } else if (word[i + 1] == '$') {
      out += '$';
      ++i;
    } else if (const auto close = word.find('}', i + 2); word[i + 1] == '{' && close != word.npos) {
      out += lookup(environment, std::string_view(word).substr(i + 2, close - i - 2)).value_or("");
      i = close;
    } else {
      out += word[i];
    }
  }
  return out;
}

// Applies assignments to a UnitFile, resolving specifiers in their values (systemd.unit(5)
// "Specifiers").
class Loader {
 public:
  Loader(UnitFile& unit, const HostIds& host) : unit_(unit), host_(host) {
    const std::string& name = unit.name;
    stem_ = name.substr(0, name.rfind('.'));
    const auto at = stem_.find('@');
    prefix_ = stem_.substr(0, at);
    instance_ = at == std::string::npos ? "" : stem_.substr(at + 1);
  }

  void apply(const Assignment& a) {
    if (a.section == "Unit" && a.key == "Description") {
      if (auto v = resolve(a.value)) unit_.description = *v;
    } else if (a.section == "Service") {
      apply_service(a.key, a.value);
    } else if (a.section == "Install") {
      apply_install(a.key, a.value);
    }
  }

  // service_verify(): what makes systemd refuse a service unit.
  void verify() {
    const bool oneshot = unit_.type == ServiceType::oneshot;
    if (unit_.name.size() < 8 || unit_.name.substr(unit_.name.size() - 8) != ".service") {
      fail("only .service units are emulated by fake_systemd");
    } else if (unit_.exec_start.empty() && !oneshot) {
      fail(
          "Service has no ExecStart= setting, which is only allowed for Type=oneshot "
          "services. Refusing.");
    } else if (unit_.exec_start.empty()) {
      fail("Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.");
    } else if (unit_.exec_start.size() > 1 && !oneshot) {
      fail(
          "Service has more than one ExecStart= setting, which is only allowed for "
          "Type=oneshot services. Refusing.");
    }
  }

 private:
  void fail(const std::string& why) {
    if (unit_.bad_setting.empty()) unit_.bad_setting = why;
  }

  std::optional<std::string> specifier(char c) const {
    switch (c) {
      case 'n':
        return unit_.name;
      case 'N':
        return stem_;
      case 'p':
        return prefix_;
      case 'P':
        return unescape_unit_name(prefix_);
      case 'i':
        return instance_;
      case 'I':
        return unescape_unit_name(instance_);
      case 'H':
        return host_.hostname;
      case 'm':
        return host_.machine_id;
      case 'b':
        return host_.boot_id;
      case '%':
        return "%";
      default:
        return std::nullopt;
    }
  }

  // nullopt for an unknown specifier: systemd then ignores the whole assignment.
  std::optional<std::string> resolve(const std::string& value) const {
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] != '%') {
        out += value[i];
        continue;
      }
      if (i + 1 >= value.size()) return std::nullopt;
      const auto s = specifier(value[++i]);
      if (!s) return std::nullopt;
      out += *s;
    }
    return out;
  }

  void apply_service(const std::string& key, const std::string& value) {
    if (key == "Type") {
      apply_type(value);
    } else if (key == "RemainAfterExit") {
      if (auto b = parse_boolean(value)) unit_.remain_after_exit = *b;
    } else if (key == "ExecStart" || key == "ExecStartPre") {
      auto& list = key == "ExecStart" ? unit_.exec_start : unit_.exec_start_pre;
      if (value.empty()) list.clear();
      if (auto command = parse_exec(value)) list.push_back(std::move(*command));
    } else if (key == "Environment") {
      apply_environment(value);
    } else if (key == "EnvironmentFile") {
      if (value.empty()) unit_.environment_files.clear();
      const bool optional = starts_with(value, "-");
      if (auto path = resolve(value.substr(optional ? 1 : 0)); path && !path->empty())
        unit_.environment_files.push_back({*path, optional});
    } else if (key == "WorkingDirectory") {
      unit_.working_directory_optional = starts_with(value, "-");
      if (auto dir = resolve(value.substr(unit_.working_directory_optional ? 1 : 0)))
        unit_.working_directory = *dir;
    } else if (key == "TimeoutStopSec" || key == "TimeoutSec") {
      if (auto t = parse_timespan(value)) unit_.timeout_stop = *t;
    }
  }

  void apply_type(const std::string& value) {
    if (value == "oneshot") {
      unit_.type = ServiceType::oneshot;
    } else if (value == "forking") {
      fail("Type=forking is not emulated by fake_systemd");
    } else {
      // simple, exec, idle, notify, notify-reload, dbus: all "running once forked" here.
      unit_.type = ServiceType::simple;
    }
  }

  std::optional<ExecCommand> parse_exec(const std::string& value) const {
    auto resolved = resolve(value);
    if (!resolved) return std::nullopt;
    ExecCommand command;
    size_t i = 0;
    for (; i < resolved->size() && std::string_view("-@:+!").find((*resolved)[i]) != npos; ++i) {
      if ((*resolved)[i] == '-') command.ignore_failure = true;
      if ((*resolved)[i] == '@') command.separate_argv0 = true;
    }
    auto words = split_words(resolved->substr(i));
    if (!words || words->empty() || (command.separate_argv0 && words->size() < 2))
      return std::nullopt;  // systemd logs and ignores the line
    command.words = std::move(*words);
    return command;
  }

  void apply_environment(const std::string& value) {
    if (value.empty()) unit_.environment.clear();
    auto resolved = resolve(value);
    auto words = resolved ? split_words(*resolved) : std::nullopt;
    if (!words) return;
    for (auto& word : *words) {
      const auto eq = word.find('=');
      if (eq != std::string::npos && eq > 0) unit_.environment.push_back(word);
    }
  }

  void apply_install(const std::string& key, const std::string& value) {
    std::vector<std::string>* list = key == "WantedBy"     ? &unit_.wanted_by
                                     : key == "RequiredBy" ? &unit_.required_by
                                     : key == "Alias"      ? &unit_.alias
                                     : key == "Also"       ? &unit_.also
                                                           : nullptr;
    if (list == nullptr) return;
    if (value.empty()) list->clear();
    auto resolved = resolve(value);
    auto words = resolved ? split_words(*resolved) : std::nullopt;
    if (words) list->insert(list->end(), words->begin(), words->end());
  }

  static constexpr auto npos = std::string_view::npos;
  UnitFile& unit_;
  const HostIds& host_;
  std::string stem_;      // %N
  std::string prefix_;    // %p
  std::string instance_;  // %i
};

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return trim(line);
}

}  // namespace

bool UnitFile::has_install_rules() const {
  return !wanted_by.empty() || !required_by.empty() || !alias.empty() || !also.empty();
}

HostIds HostIds::read() {
  HostIds ids;
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0) ids.hostname = host;
  try {
    ids.machine_id = read_machine_id();
  } catch (const std::exception&) {
    // %m stays empty: containers without /etc/machine-id can still run units without it.
  }
  ids.boot_id = read_first_line("/proc/sys/kernel/random/boot_id");
  ids.boot_id.erase(std::remove(ids.boot_id.begin(), ids.boot_id.end(), '-'), ids.boot_id.end());
  return ids;
}

UnitFile parse_unit_file(const std::string& unit_name, const std::string& text,
                         const HostIds& host) {
  UnitFile unit;
  unit.name = unit_name;
  Loader loader(unit, host);
  for (const auto& assignment : read_assignments(text))
    loader.apply(assignment);
  loader.verify();
  return unit;
}

std::optional<std::vector<std::string>> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\\' && i + 1 < line.size()) {
      in_word = true;
      i = unescape_one(line, i, word);
    } else if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (kWhitespace.find(c) != std::string_view::npos) {
      if (in_word) words.push_back(std::exchange(word, {}));
      in_word = false;
    } else {
      in_word = true;
      if (c == '\'' || c == '"') {
        quote = c;
      } else {
        word += c;
      }
    }
  }
  if (quote != 0) return std::nullopt;
  if (in_word) words.push_back(word);
  return words;
}

std::vector<std::string> expand_command(const ExecCommand& command,
                                        const std::vector<std::string>& environment) {
  std::vector<std::string> out;
  for (const auto& word : command.words) {
    if (word.size() > 1 && word[0] == '$' && is_variable_name(std::string_view(word).substr(1))) {
      const auto value = lookup(environment, std::string_view(word).substr(1)).value_or("");
      auto parts = split_words(value).value_or(std::vector<std::string>{value});
      out.insert(out.end(), std::make_move_iterator(parts.begin()),
                 std::make_move_iterator(parts.end()));
    } else {
      out.push_back(replace_variables(word, environment));
    }
  }
  return out;
}

std::optional<milliseconds> parse_timespan(const std::string& text) {
  const std::string s = trim(text);
  if (s == "infinity") return std::chrono::hours(24 * 365 * 100);
  if (s.empty()) return std::nullopt;
  static const std::vector<std::pair<std::vector<std::string>, double>> kUnitsUs = {
      {{"", "s", "sec", "second", "seconds"}, 1e6},
      {{"ms", "msec"}, 1e3},
      {{"us", "usec"}, 1.0},
      {{"m", "min", "minute", "minutes"}, 60e6},
      {{"h", "hr", "hour", "hours"}, 3600e6},
      {{"d", "day", "days"}, 86400e6}};
  double total_us = 0;
  size_t i = 0;
  while (i < s.size()) {
    const size_t number_start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.'))
      ++i;
    if (i == number_start) return std::nullopt;
    const double number = std::stod(s.substr(number_start, i - number_start));
    const size_t unit_start = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i])))
      ++i;
    const std::string unit = s.substr(unit_start, i - unit_start);
    const auto match = std::find_if(kUnitsUs.begin(), kUnitsUs.end(), [&](const auto& u) {
      return std::find(u.first.begin(), u.first.end(), unit) != u.first.end();
    });
    if (match == kUnitsUs.end()) return std::nullopt;
    total_us += number * match->second;
    while (i < s.size() && kWhitespace.find(s[i]) != std::string_view::npos)
      ++i;
  }
  return milliseconds(static_cast<int64_t>(std::ceil(total_us / 1e3)));
}

std::optional<bool> parse_boolean(const std::string& text) {
  const std::string s = lowercase(trim(text));
  for (const char* yes : {"1", "yes", "y", "true", "t", "on"})
    if (s == yes) return true;
  for (const char* no : {"0", "no", "n", "false", "f", "off"})
    if (s == no) return false;
  return std::nullopt;
}

std::vector<std::string> parse_environment_file(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string raw;
  while (std::getline(in, raw)) {
    const std::string line = trim(raw);
    const auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || line[0] == ';' || eq == std::string::npos) continue;
    const std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0])
      value = value.substr(1, value.size() - 2);
    if (is_variable_name(key)) out.push_back(key + "=" + value);
  }
  return out;
}

}  // namespace corestack::systemd::testing::fake_systemd
