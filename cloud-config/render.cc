#include "cloud-config/render.h"

#include <sstream>

namespace corestack::cloudinit {
namespace {

// Go's %q for the ASCII text these fields hold.
std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string value_of(const std::vector<EnvVar>& env, const std::string& name) {
  for (const auto& v : env)
    if (v.name == name) return v.value;
  return {};
}

}  // namespace

std::string quote_environment(const EnvVar& var) {
  std::string out = "Environment=\"";
  for (char c : var.name + "=" + var.value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '%':
        out += "%%";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

std::string render_drop_in(const std::vector<EnvVar>& env) {
  if (env.empty()) return {};
  std::string out = "[Service]\n";
  for (const auto& var : env)
    out += quote_environment(var) + "\n";
  return out;
}

std::string render_options_env(const std::vector<EnvVar>& env) {
  std::string out;
  for (const auto& var : env) {
    if (!out.empty()) out += "\n";
    out += var.name + "=" + var.value;
  }
  return out;
}

std::string render_update_conf(const std::string& existing, const Update& update) {
  std::map<std::string, std::string> subs;  // ordered: the appended keys come sorted
  if (!update.reboot_strategy.empty()) subs["REBOOT_STRATEGY"] = update.reboot_strategy;
  if (!update.group.empty()) subs["GROUP"] = update.group;
  if (!update.server.empty()) subs["SERVER"] = update.server;
  std::istringstream in(existing);
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    for (auto it = subs.begin(); it != subs.end(); ++it) {
      if (line.rfind(it->first, 0) == 0) {  // "starts with", as the reference matches
        line = it->first + "=" + it->second;
        subs.erase(it);
        break;
      }
    }
    out += line + "\n";
  }
  for (const auto& [key, value] : subs)
    out += key + "=" + value + "\n";
  return out;
}

std::string merge_environment(const std::string& existing,
                              const std::map<std::string, std::string>& values) {
  std::map<std::string, std::string> pending = values;
  std::istringstream in(existing);
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos && line[0] != '#') {
      if (auto it = pending.find(line.substr(0, eq)); it != pending.end()) {
        line = it->first + "=" + it->second;
        pending.erase(it);
      }
    }
    out += line + "\n";
  }
  for (const auto& [key, value] : pending)
    out += key + "=" + value + "\n";
  return out;
}

std::string render_oem_release(const std::vector<EnvVar>& oem) {
  const std::string id = value_of(oem, "ID");
  if (id.empty()) return {};
  return "ID=" + id + "\nVERSION_ID=" + value_of(oem, "VERSION_ID") +
         "\nNAME=" + go_quote(value_of(oem, "NAME")) +
         "\nHOME_URL=" + go_quote(value_of(oem, "HOME_URL")) +
         "\nBUG_REPORT_URL=" + go_quote(value_of(oem, "BUG_REPORT_URL")) + "\n";
}

}  // namespace corestack::cloudinit
