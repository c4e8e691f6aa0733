#include "etcd/proxy/members.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace etcd::proxy {

namespace {

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

Result<ClusterUrls> parse_members(std::string_view text) {
  try {
    const auto doc = nlohmann::json::parse(text);
    ClusterUrls urls;
    for (const auto& m : doc.at("members")) {
      // A member that has not published yet has no client URLs ("clientURLs": null/[]).
      if (auto c = m.find("clientURLs"); c != m.end() && c->is_array()) {
        for (const auto& u : *c)
          urls.client_urls.push_back(u.get<std::string>());
      }
      for (const auto& u : m.at("peerURLs"))
        urls.peer_urls.push_back(u.get<std::string>());
    }
    sort_unique(urls.client_urls);
    sort_unique(urls.peer_urls);
    return urls;
  } catch (const nlohmann::json::exception& e) {
    return Error{std::string("malformed /members answer: ") + e.what()};
  }
}

}  // namespace etcd::proxy
