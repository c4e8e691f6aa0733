#include "etcd/proxy/discovery.h"

#include <algorithm>
#include <thread>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "etcd/common/url.h"

namespace etcd::proxy {

using nlohmann::json;

Result<std::vector<std::string>> registered_peer_urls(const std::string& dir_json, size_t size) {
  try {
    const json doc = json::parse(dir_json);
    std::vector<std::pair<uint64_t, std::string>> regs;  // (createdIndex, value)
    for (const auto& n : doc.at("node").value("nodes", json::array())) {
      const std::string key = n.at("key").get<std::string>();
      if (key.ends_with("/_config") || n.value("dir", false)) continue;
      regs.emplace_back(n.at("createdIndex").get<uint64_t>(), n.at("value").get<std::string>());
    }
    if (regs.size() < size) return std::vector<std::string>{};
    std::sort(regs.begin(), regs.end());
    std::vector<std::string> urls;
    for (size_t i = 0; i < size; ++i) {
      auto entries = parse_initial_cluster(regs[i].second);
      if (!entries) return Error{"discovery: bad registration: " + entries.error().message};
      for (const auto& e : *entries)
        urls.push_back(e.url.raw);
    }
    return urls;
  } catch (const json::exception& e) {
    return Error{std::string("discovery: malformed answer: ") + e.what()};
  }
}

namespace {

// The cluster size from GET <url>/_config/size; 0 while the service is unreachable.
Result<size_t> cluster_size(const std::string& url, Timeouts timeouts) {
  auto reply = fetch_sync(url + "/_config/size", timeouts);
  if (!reply) return size_t{0};
  if (reply->status == 404) return Error{"discovery: size key not found"};
  try {
    const auto value = json::parse(reply->body).at("node").at("value").get<std::string>();
    const size_t size = std::stoul(value);
    if (size == 0) return Error{"discovery: bad size key " + value};
    return size;
  } catch (const std::exception&) {
    return Error{"discovery: bad size key in " + reply->body};
  }
}

}  // namespace

Result<std::vector<std::string>> discover_peer_urls(const std::string& url, Timeouts timeouts,
                                                    DiscoveryWait wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait.total;
  while (std::chrono::steady_clock::now() < deadline) {
    auto size = cluster_size(url, timeouts);
    if (!size) return size.error();
    if (*size > 0) {
      auto dir = fetch_sync(url, timeouts);
      if (dir && dir->status == 200) {
        auto urls = registered_peer_urls(dir->body, *size);
        if (!urls || !urls->empty()) return urls;
      }
    }
    spdlog::info("proxy: waiting for the cluster at {} to bootstrap", url);
    std::this_thread::sleep_for(wait.poll);
  }
  return Error{"discovery: timed out waiting for the cluster at " + url};
}

}  // namespace etcd::proxy
