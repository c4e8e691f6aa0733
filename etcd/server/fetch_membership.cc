#include "etcd/server/fetch_membership.h"

#include <nlohmann/json.hpp>

#include "etcd/server/http_client.h"

namespace etcd::server {

using nlohmann::json;

std::string peer_members_json(const Membership& membership) {
  json members = json::array();
  for (const auto& [id, m] : membership.members()) {
    members.push_back({{"id", id_to_hex(id.value)},
                       {"name", m.name},
                       {"peerURLs", m.peer_urls},
                       {"clientURLs", m.client_urls},
                       {"isLearner", m.is_learner}});
  }
  return json{{"clusterID", id_to_hex(membership.cluster_id())}, {"members", members}}.dump();
}

Result<Membership> parse_peer_members_json(std::string_view text) {
  try {
    const json doc = json::parse(text);
    auto cluster = id_from_hex(doc.at("clusterID").get<std::string>());
    if (!cluster) return Error{"bad cluster ID in /members"};
    Membership ms(*cluster);
    for (const auto& m : doc.at("members")) {
      auto id = id_from_hex(m.at("id").get<std::string>());
      if (!id) return Error{"bad member ID in /members"};
      Member member{NodeId{*id}, m.at("name").get<std::string>(),
                    m.at("peerURLs").get<std::vector<std::string>>(),
                    m.at("clientURLs").get<std::vector<std::string>>(),
                    m.value("isLearner", false)};
      if (auto added = ms.add(std::move(member)); !added) return added.error();
    }
    return ms;
  } catch (const json::exception& e) {
    return Error{std::string("malformed /members answer: ") + e.what()};
  }
}

Result<std::pair<std::string, uint16_t>> parse_host_port(const std::string& url) {
  const auto scheme = url.find("://");
  std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) return Error{"URL has no port: " + url};
  std::string host = rest.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    const int port = std::stoi(rest.substr(colon + 1));
    if (port < 0 || port > 65535) return Error{"URL has a bad port: " + url};
    return std::pair{host, static_cast<uint16_t>(port)};
  } catch (const std::exception&) {
    return Error{"URL has a bad port: " + url};
  }
}

Result<Membership> fetch_membership_over_http(const std::vector<std::string>& peer_urls,
                                              const TlsClientContext& tls) {
  std::string errors;
  for (const auto& url : peer_urls) {
    auto reply = http_call("GET", url + "/members", "", std::chrono::seconds(2), tls);
    if (!reply) {
      errors += reply.error().message + "; ";
      continue;
    }
    if (reply->status != 200) {
      errors += url + ": HTTP " + std::to_string(reply->status) + "; ";
      continue;
    }
    return parse_peer_members_json(reply->body);
  }
  return Error{errors.empty() ? "no peer URLs to ask" : errors};
}

}  // namespace etcd::server
