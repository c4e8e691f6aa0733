#include "etcd/store/path.h"

#include <algorithm>
#include <vector>

namespace etcd::store {

std::string clean_path(std::string_view p) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= p.size()) {
    size_t end = p.find('/', pos);
    if (end == std::string_view::npos) end = p.size();
    std::string_view part = p.substr(pos, end - pos);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = end + 1;
  }
  if (parts.empty()) return "/";
  std::string out;
  out.reserve(p.size() + 1);
  for (std::string_view part : parts) {
    out.push_back('/');
    out.append(part);
  }
  return out;
}

std::string_view parent_path(std::string_view clean) {
  if (clean.size() <= 1) return {};
  size_t slash = clean.rfind('/');
  return slash == 0 ? std::string_view("/") : clean.substr(0, slash);
}

std::string_view base_name(std::string_view clean) {
  size_t slash = clean.rfind('/');
  return slash == std::string_view::npos ? clean : clean.substr(slash + 1);
}

bool hidden_from(std::string_view watch_path, std::string_view key) {
  if (watch_path.size() > key.size()) return false;
  std::string after = clean_path(key.substr(watch_path.size()));
  return after.find("/_") != std::string::npos;
}

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

std::string in_order_name(EtcdIndex index) {
  std::string digits = std::to_string(index.value);
  return std::string(20 - std::min<size_t>(20, digits.size()), '0') + digits;
}

std::string descendants_lower(std::string_view dir) {
  std::string out(dir);
  if (out != "/") out.push_back('/');
  return out;
}

std::string descendants_upper(std::string_view dir) {
  std::string out(dir);
  if (out == "/") return "0";
  out.push_back('0');
  return out;
}

}  // namespace etcd::store
