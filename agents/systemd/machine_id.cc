#include "agents/systemd/machine_id.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace corestack::systemd {
namespace {

constexpr const char* kWhitespace = " \t\r\n\v\f";

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

std::string read_machine_id(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  if (in) contents << in.rdbuf();
  if (!in) throw std::runtime_error("Cannot read machine-id");
  std::string id = contents.str();
  const auto first = id.find_first_not_of(kWhitespace);
  if (first == std::string::npos) throw std::runtime_error("Cannot read machine-id");
  id = id.substr(first, id.find_last_not_of(kWhitespace) - first + 1);
  bool valid = id.size() == 32;
  for (char c : id)
    valid = valid && is_lower_hex(c);
  if (!valid) {
    throw std::runtime_error("Invalid machine-id in " + path +
                             ": expected 32 lowercase hex digits, got \"" + id.substr(0, 64) +
                             "\"");
  }
  return id;
}

}  // namespace corestack::systemd
