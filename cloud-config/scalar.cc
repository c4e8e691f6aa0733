#include "cloud-config/scalar.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace corestack::cloudinit {
namespace {

constexpr std::array<std::string_view, 12> kTrue = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                                    "True", "TRUE", "on",  "On",  "ON",  ""};
constexpr std::array<std::string_view, 12> kFalse = {"n",     "N",     "no",  "No",  "NO",  "false",
                                                     "False", "FALSE", "off", "Off", "OFF", ""};

bool is_null_text(std::string_view t) {
  return t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL";
}

std::string strip_underscores(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c != '_') out += c;
  return out;
}

}  // namespace

std::optional<bool> parse_yaml_bool(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (auto t : kTrue)
    if (!t.empty() && t == text) return true;
  for (auto f : kFalse)
    if (!f.empty() && f == text) return false;
  return std::nullopt;
}

std::optional<int64_t> parse_yaml_int(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string digits = strip_underscores(text);
  bool negative = false;
  size_t i = 0;
  if (digits[0] == '+' || digits[0] == '-') {
    negative = digits[0] == '-';
    i = 1;
  }
  int base = 10;
  std::string_view body(digits);
  body.remove_prefix(i);
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    base = 16;
    body.remove_prefix(2);
  } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
    base = 2;
    body.remove_prefix(2);
  } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) {
    base = 8;
    body.remove_prefix(2);
  } else if (body.size() > 1 && body[0] == '0') {
    base = 8;
    body.remove_prefix(1);
  }
  if (body.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value, base);
  if (ec != std::errc() || end != body.data() + body.size()) return std::nullopt;
  if (value > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  const auto signed_value = static_cast<int64_t>(value);
  return negative ? -signed_value : signed_value;
}

std::optional<double> parse_yaml_float(std::string_view text) {
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf") return HUGE_VAL;
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") return -HUGE_VAL;
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return NAN;
  // Go only tries numbers for text that starts like one ("inf" stays a string).
  if (text.empty()) return std::nullopt;
  const char first = text[0];
  if (!(std::isdigit(static_cast<unsigned char>(first)) || first == '+' || first == '-' ||
        first == '.')) {
    return std::nullopt;
  }
  std::string copy = strip_underscores(text);
  if (copy.find_first_of("xXpP") != std::string::npos) return std::nullopt;  // no hex floats
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || copy == "+" || copy == "-" || copy == ".") {
    return std::nullopt;
  }
  if (std::isinf(value) || std::isnan(value)) return std::nullopt;  // "inf", "nan" spelled out
  return value;
}

ScalarType resolve_scalar(const YAML::Node& node) {
  if (node.IsNull()) return ScalarType::Null;
  // "?" marks a plain scalar without a tag; quoted ("!") or tagged ones are strings.
  if (node.Tag() != "?") return ScalarType::String;
  const std::string& text = node.Scalar();
  if (is_null_text(text)) return ScalarType::Null;
  if (parse_yaml_bool(text)) return ScalarType::Bool;
  if (parse_yaml_int(text)) return ScalarType::Int;
  if (parse_yaml_float(text)) return ScalarType::Float;
  return ScalarType::String;
}

std::string format_float(double value) {
  // Go's %v: shortest digits, in %e form only when the exponent is < -4 or >= 21.
  std::array<char, 64> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                 std::chars_format::scientific);
  if (ec != std::errc()) return "0";
  std::string text(buffer.data(), end);
  const auto e = text.find('e');
  const int exponent = std::atoi(text.c_str() + e + 1);
  if (exponent >= -4 && exponent < 21) {
    auto [fixed_end, fixed_ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                               std::chars_format::fixed);
    if (fixed_ec == std::errc()) return std::string(buffer.data(), fixed_end);
  }
  // Go writes the exponent with a sign and at least two digits: 1e+21, 1e-07.
  std::string digits = std::to_string(exponent < 0 ? -exponent : exponent);
  if (digits.size() < 2) digits.insert(0, "0");
  return text.substr(0, e) + "e" + (exponent < 0 ? "-" : "+") + digits;
}

}  // namespace corestack::cloudinit
