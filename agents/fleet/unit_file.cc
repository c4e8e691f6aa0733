#include "agents/fleet/unit_file.h"

#include <algorithm>

#include "agents/fleet/go_text.h"

namespace corestack::fleet {
namespace {

bool is_comment(char32_t r) {
  return r == '#' || r == ';';
}

// Refuses any run of kUnitLineMax bytes without '\r' or '\n'. go-systemd peeks 2048 bytes
// ahead at each lexer step; checking every line up front is the same rule without the
// dependence on bufio's buffer position.
Expected<void, std::string> check_line_lengths(std::string_view raw) {
  std::size_t run = 0;
  for (char c : raw) {
    run = (c == '\n' || c == '\r') ? 0 : run + 1;
    if (run >= kUnitLineMax) {
      return unexpected("line too long (max " + std::to_string(kUnitLineMax) + " bytes)");
    }
  }
  return {};
}

// go-systemd's lexer as a loop over explicit states instead of step closures.
class Lexer {
 public:
  explicit Lexer(std::string_view raw) : in_(raw) {}

  Expected<std::vector<UnitOption>, std::string> run();

 private:
  bool at_end() const { return pos_ >= in_.size(); }
  Rune read_rune();
  std::string_view read_to_eol();
  void skip_comment();
  Expected<void, std::string> read_section_name();
  Expected<std::string, std::string> read_option_name();
  std::string read_option_value();
  Expected<bool, std::string> step_outside_section();
  Expected<bool, std::string> step_in_section();

  std::string_view in_;
  std::size_t pos_ = 0;
  bool in_section_ = false;
  std::string section_;
  std::vector<UnitOption> options_;
};

Rune Lexer::read_rune() {
  Rune r = decode_rune(in_.substr(pos_));
  pos_ += r.size;
  return r;
}

// Up to and including the next '\n' (or the end), minus that '\n'. As go-systemd trims
// '\r' before '\n', a CRLF line keeps its '\r'; only a bare '\r' before EOF goes.
std::string_view Lexer::read_to_eol() {
  std::size_t end = in_.find('\n', pos_);
  std::string_view line = in_.substr(pos_, end == std::string_view::npos ? end : end - pos_);
  if (end == std::string_view::npos) {
    pos_ = in_.size();
    if (line.ends_with('\r')) line.remove_suffix(1);
  } else {
    pos_ = end + 1;
  }
  return line;
}

// A comment runs to the end of its line, and on while a line ends in '\' (one trailing
// space tolerated, as go-systemd's ignoreLineFunc).
void Lexer::skip_comment() {
  for (;;) {
    std::string_view line = read_to_eol();
    if (line.ends_with(' ')) line.remove_suffix(1);
    if (!line.ends_with('\\') || at_end()) return;
  }
}

Expected<void, std::string> Lexer::read_section_name() {
  std::size_t close = in_.find(']', pos_);
  if (close == std::string_view::npos)
    return unexpected(std::string("unable to find end of section"));
  section_ = std::string(in_.substr(pos_, close - pos_));
  pos_ = close + 1;
  std::string_view garbage = go_trim_space(read_to_eol());
  if (!garbage.empty()) {
    return unexpected("found garbage after section name " + section_ + ": " + go_quote(garbage));
  }
  in_section_ = true;
  return {};
}

Expected<std::string, std::string> Lexer::read_option_name() {
  std::string name;
  for (;;) {
    if (at_end()) {
      return unexpected(std::string("unexpected end of file while parsing option name"));
    }
    Rune r = read_rune();
    if (r.value == '\n' || r.value == '\r') {
      return unexpected(std::string("unexpected newline encountered while parsing option name"));
    }
    if (r.value == '=') break;
    name += encode_rune(r.value);  // an invalid byte becomes U+FFFD, as Go's WriteRune
  }
  return std::string(go_trim_space(name));
}

// A line whose last non-blank byte is '\' continues: the backslash and what follows it
// become one space.
std::string Lexer::read_option_value() {
  std::string value;
  for (;;) {
    std::string_view line = read_to_eol();
    std::string_view trimmed = go_trim_space(line);
    std::size_t trimmed_end =
        static_cast<std::size_t>(trimmed.data() - line.data()) + trimmed.size();
    if (trimmed.empty() || !trimmed.ends_with('\\')) {
      value += line;
      break;
    }
    value += line.substr(0, trimmed_end - 1);
    value += ' ';
    if (at_end()) break;
  }
  return std::string(go_trim_space(value));
}

// Before the first section everything but '[' and comments is skipped, rune by rune.
Expected<bool, std::string> Lexer::step_outside_section() {
  Rune r = read_rune();
  if (r.value == '[') {
    if (auto ok = read_section_name(); !ok) return unexpected(ok.error());
  } else if (is_comment(r.value)) {
    skip_comment();
  }
  return true;
}

Expected<bool, std::string> Lexer::step_in_section() {
  std::size_t start = pos_;
  Rune r = read_rune();
  if (is_go_space(r.value)) return true;
  if (r.value == '[') {
    if (auto ok = read_section_name(); !ok) return unexpected(ok.error());
    return true;
  }
  if (is_comment(r.value)) {
    skip_comment();
    return true;
  }
  pos_ = start;
  auto name = read_option_name();
  if (!name) return unexpected(name.error());
  options_.push_back(UnitOption{section_, std::move(*name), read_option_value()});
  return true;
}

Expected<std::vector<UnitOption>, std::string> Lexer::run() {
  if (auto ok = check_line_lengths(in_); !ok) return unexpected(ok.error());
  while (!at_end()) {
    auto stepped = in_section_ ? step_in_section() : step_outside_section();
    if (!stepped) return unexpected(stepped.error());
  }
  return std::move(options_);
}

}  // namespace

Expected<UnitFile, std::string> UnitFile::parse(std::string_view raw) {
  auto options = Lexer(raw).run();
  if (!options) return unexpected(options.error());
  return UnitFile(std::move(*options));
}

std::string UnitFile::serialize() const {
  std::vector<std::string_view> sections;
  for (const UnitOption& o : options_) {
    if (std::find(sections.begin(), sections.end(), o.section) == sections.end()) {
      sections.push_back(o.section);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (i > 0) out += '\n';
    out += '[';
    out += sections[i];
    out += "]\n";
    for (const UnitOption& o : options_) {
      if (o.section == sections[i]) out += o.name + "=" + o.value + "\n";
    }
  }
  return out;
}

UnitHash UnitFile::hash() const {
  return sha1_of(serialize());
}

std::vector<std::string> UnitFile::values(std::string_view section, std::string_view name) const {
  std::vector<std::string> out;
  for (const UnitOption& o : options_) {
    if (o.section != section || o.name != name) continue;
    if (section == "X-Fleet") {
      for (std::string& v : split_multivalue(o.value))
        out.push_back(std::move(v));
    } else {
      out.push_back(o.value);
    }
  }
  return out;
}

std::vector<std::string> UnitFile::option_names(std::string_view section) const {
  std::vector<std::string> names;
  for (const UnitOption& o : options_) {
    if (o.section == section && std::find(names.begin(), names.end(), o.name) == names.end()) {
      names.push_back(o.name);
    }
  }
  return names;
}

bool UnitFile::has_section(std::string_view section) const {
  return std::any_of(options_.begin(), options_.end(),
                     [&](const UnitOption& o) { return o.section == section; });
}

std::string UnitFile::description() const {
  auto found = values("Unit", "Description");
  return found.empty() ? std::string() : found.front();
}

std::vector<std::string> split_multivalue(std::string_view value) {
  if (!value.starts_with('"') || !value.ends_with('"')) {
    return {std::string(value)};
  }
  std::vector<std::string> values;
  std::string current;
  bool quoted = false;
  for (char c : value) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ' ' && !quoted) {
      values.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  values.push_back(std::move(current));
  return values;
}

}  // namespace corestack::fleet
