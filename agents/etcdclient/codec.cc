#include "agents/etcdclient/codec.h"

#include <charconv>

#include <nlohmann/json.hpp>

namespace etcd::client {
namespace {

using json = nlohmann::json;

constexpr std::string_view kEmptyBody = "empty body";

uint64_t parse_u64(const std::string& text) {
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// Missing or null fields keep their defaults, as Go's decoder does.
template <typename T>
void read(const json& object, const char* name, T& out) {
  auto it = object.find(name);
  if (it != object.end() && !it->is_null()) out = it->get<T>();
}

Node node_from(const json& j) {
  Node node;
  if (!j.is_object()) throw json::type_error::create(302, "node is not an object", &j);
  read(j, "key", node.key);
  read(j, "value", node.value);
  read(j, "dir", node.dir);
  if (auto it = j.find("expiration"); it != j.end() && it->is_string()) {
    node.expiration = it->get<std::string>();
  }
  read(j, "ttl", node.ttl);
  read(j, "createdIndex", node.created_index);
  read(j, "modifiedIndex", node.modified_index);
  if (auto it = j.find("nodes"); it != j.end() && it->is_array()) {
    for (const auto& child : *it) node.nodes.push_back(node_from(child));
  }
  return node;
}

Member member_from(const json& j) {
  Member m;
  read(j, "id", m.id);
  read(j, "name", m.name);
  read(j, "peerURLs", m.peer_urls);
  read(j, "clientURLs", m.client_urls);
  return m;
}

Result<json> parse(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return decode_error("invalid JSON: " + std::string(body.substr(0, 200)));
  return j;
}

Error etcd_error_from(const HttpResponse& http) {
  auto j = parse(http.body);
  if (j && j->is_object() && j->contains("errorCode")) {
    Error e{.kind = ErrorKind::etcd, .http_status = http.status};
    try {
      read(*j, "errorCode", e.error_code);
      read(*j, "message", e.message);
      read(*j, "cause", e.cause);
      read(*j, "index", e.index);
      return e;
    } catch (const json::exception&) {
    }
  }
  return Error{.kind = ErrorKind::http,
               .message = "unexpected HTTP status " + std::to_string(http.status),
               .http_status = http.status,
               .body = http.body};
}

}  // namespace

Result<Response> decode_keys_response(const HttpResponse& http) {
  if (http.status != 200 && http.status != 201) return etcd_error_from(http);
  if (http.body.empty()) return decode_error(std::string(kEmptyBody));
  auto j = parse(http.body);
  if (!j) return j.error();
  Response r;
  try {
    read(*j, "action", r.action);
    if (auto it = j->find("node"); it != j->end() && !it->is_null()) r.node = node_from(*it);
    if (auto it = j->find("prevNode"); it != j->end() && !it->is_null()) {
      r.prev_node = node_from(*it);
    }
  } catch (const json::exception& e) {
    return decode_error(std::string("keys response: ") + e.what());
  }
  r.etcd_index = parse_u64(http.header("x-etcd-index"));
  r.raft_index = parse_u64(http.header("x-raft-index"));
  r.raft_term = parse_u64(http.header("x-raft-term"));
  r.cluster_id = http.header("x-etcd-cluster-id");
  return r;
}

bool is_empty_body(const Error& error) {
  return error.kind == ErrorKind::decode && error.message == kEmptyBody;
}

Result<Node> decode_node(std::string_view text) {
  auto j = parse(text);
  if (!j) return j.error();
  try {
    return node_from(*j);
  } catch (const json::exception& e) {
    return decode_error(std::string("node: ") + e.what());
  }
}

Result<std::vector<Member>> decode_members(std::string_view body) {
  auto j = parse(body);
  if (!j) return j.error();
  try {
    std::vector<Member> out;
    if (auto it = j->find("members"); it != j->end() && it->is_array()) {
      for (const auto& m : *it) out.push_back(member_from(m));
    }
    return out;
  } catch (const json::exception& e) {
    return decode_error(std::string("members: ") + e.what());
  }
}

Result<Member> decode_member(std::string_view body) {
  auto j = parse(body);
  if (!j) return j.error();
  try {
    return member_from(*j);
  } catch (const json::exception& e) {
    return decode_error(std::string("member: ") + e.what());
  }
}

std::string decode_message(std::string_view body) {
  auto j = parse(body);
  if (!j || !j->is_object()) return "";
  auto it = j->find("message");
  return it != j->end() && it->is_string() ? it->get<std::string>() : "";
}

Result<Version> decode_version(std::string_view body) {
  auto j = parse(body);
  if (!j) return j.error();
  try {
    Version v;
    read(*j, "etcdserver", v.server);
    read(*j, "etcdcluster", v.cluster);
    return v;
  } catch (const json::exception& e) {
    return decode_error(std::string("version: ") + e.what());
  }
}

Result<bool> decode_health(std::string_view body) {
  auto j = parse(body);
  if (!j) return j.error();
  auto it = j->find("health");
  if (it == j->end()) return decode_error("health: no \"health\" field");
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) return it->get<std::string>() == "true";
  return decode_error("health: unexpected value");
}

std::string encode_peer_urls(const std::vector<std::string>& peer_urls) {
  return json{{"peerURLs", peer_urls}}.dump();
}

}  // namespace etcd::client
