#include "cloud-config/bounded_regex.h"

namespace corestack::cloudinit {

bool bounded_match(const std::string& text, const std::regex& pattern, size_t max_length) {
  return text.size() <= max_length && std::regex_match(text, pattern);
}

std::string shown(const std::string& value) {
  constexpr size_t kShown = 80;
  return value.size() <= kShown ? value : value.substr(0, kShown) + "...";
}

}  // namespace corestack::cloudinit
