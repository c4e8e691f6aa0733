#include "cloud-config/substitute.h"

#include <array>
#include <string_view>

namespace corestack::cloudinit {
namespace {

struct Variable {
  std::string_view name;
  std::string_view env;
};
constexpr std::array<Variable, 4> kVariables = {{
    {"public_ipv4", "COREOS_PUBLIC_IPV4"},
    {"private_ipv4", "COREOS_PRIVATE_IPV4"},
    {"public_ipv6", "COREOS_PUBLIC_IPV6"},
    {"private_ipv6", "COREOS_PRIVATE_IPV6"},
}};

const Variable* variable_at(const std::string& text, size_t dollar) {
  for (const auto& v : kVariables)
    if (text.compare(dollar + 1, v.name.size(), v.name) == 0) return &v;
  return nullptr;
}

}  // namespace

std::map<std::string, std::string> variable_values(const Addresses& metadata,
                                                   const EnvLookup& env) {
  const std::array<const std::string*, 4> from_metadata = {
      &metadata.public_ipv4, &metadata.private_ipv4, &metadata.public_ipv6, &metadata.private_ipv6};
  std::map<std::string, std::string> values;
  for (size_t i = 0; i < kVariables.size(); ++i) {
    std::string value = *from_metadata[i];
    if (value.empty() && env) value = env(std::string(kVariables[i].env)).value_or("");
    if (!value.empty()) values[std::string(kVariables[i].name)] = value;
  }
  return values;
}

Substituted substitute(const std::string& text, const std::map<std::string, std::string>& values,
                       bool placeholders) {
  Substituted out;
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    const bool escaped = c == '\\' && i + 1 < text.size() && text[i + 1] == '$';
    const size_t dollar = escaped ? i + 1 : i;
    const Variable* v = text[dollar] == '$' ? variable_at(text, dollar) : nullptr;
    if (v == nullptr) {
      out.text += c;
      continue;
    }
    const std::string name(v->name);
    if (escaped) {
      out.text += "$" + name;
    } else if (auto it = values.find(name); it != values.end() && !it->second.empty()) {
      out.text += it->second;
    } else {
      out.unknown.push_back({line, name, std::string(v->env)});
      if (placeholders) out.text += name.ends_with("ipv6") ? "2001:db8::1" : "192.0.2.1";
    }
    i = dollar + name.size();
  }
  return out;
}

}  // namespace corestack::cloudinit
