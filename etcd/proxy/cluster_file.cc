#include "etcd/proxy/cluster_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace etcd::proxy {

using nlohmann::json;

std::string proxy_dir(const std::string& data_dir) {
  return data_dir + "/proxy";
}

Result<std::vector<std::string>> parse_cluster_file(const std::string& text) {
  try {
    const json doc = json::parse(text);
    const json& list = doc.is_array() ? doc : doc.at("PeerURLs");
    if (list.is_null()) return std::vector<std::string>{};  // etcd writes null for none
    return list.get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    return Error{std::string("malformed proxy cluster file: ") + e.what()};
  }
}

Result<std::optional<std::vector<std::string>>> read_cluster_file(const std::string& dir) {
  const std::string path = dir + "/cluster";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return Error{"stat " + path + ": " + ec.message()};
    return std::optional<std::vector<std::string>>{};
  }
  std::ifstream in(path);
  if (!in) return Error{"open " + path + ": cannot read"};
  std::stringstream text;
  text << in.rdbuf();
  auto urls = parse_cluster_file(text.str());
  if (!urls) return Error{path + ": " + urls.error().message};
  return std::optional(std::move(urls).value());
}

namespace {

Result<void> write_synced(const std::string& path, const std::string& data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"open " + path + ": " + std::strerror(errno)};
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return Error{"write " + path + ": " + why};
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const std::string why = std::strerror(errno);
  ::close(fd);
  if (!synced) return Error{"fsync " + path + ": " + why};
  return Ok{};
}

}  // namespace

Result<void> write_cluster_file(const std::string& dir, const std::vector<std::string>& peer_urls) {
  const std::string path = dir + "/cluster";
  const std::string text = json{{"PeerURLs", peer_urls}}.dump();
  if (auto written = write_synced(path + ".bak", text); !written) return written;
  if (std::rename((path + ".bak").c_str(), path.c_str()) != 0) {
    return Error{"rename " + path + ".bak: " + std::strerror(errno)};
  }
  return Ok{};
}

}  // namespace etcd::proxy
