#include "agents/etcdclient/auth_codec.h"

#include <nlohmann/json.hpp>

#include "agents/etcdclient/codec.h"

namespace etcd::client {
namespace {

using json = nlohmann::json;

std::vector<std::string> strings_of(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

json list_or_null(const std::vector<std::string>& items) {
  return items.empty() ? json(nullptr) : json(items);
}

}  // namespace

HttpRequest auth_request(const char* method, const char* kind, const std::string& name,
                         std::string json_body) {
  HttpRequest r;
  r.method = method;
  r.path = std::string("/v2/auth/") + kind + (name.empty() ? "" : "/" + name);
  if (!json_body.empty()) {
    r.body = std::move(json_body);
    r.content_type = "application/json";
  }
  return r;
}

Error auth_error(const HttpResponse& response) {
  return Error{.kind = ErrorKind::http,
               .message = decode_message(response.body),
               .http_status = response.status,
               .body = response.body};
}

std::string encode_user(const std::string& name, const std::string& password,
                        const std::vector<std::string>& grant,
                        const std::vector<std::string>& revoke) {
  json j = {{"user", name}};
  if (!password.empty()) j["password"] = password;
  j["roles"] = nullptr;
  if (!grant.empty()) j["grant"] = grant;
  if (!revoke.empty()) j["revoke"] = revoke;
  return j.dump();
}

std::string encode_role(const std::string& name, const std::vector<std::string>& prefixes,
                        Permission permission, bool grant, bool change) {
  json j = {{"role", name},
            {"permissions", {{"kv", {{"read", nullptr}, {"write", nullptr}}}}}};
  if (change) {
    const bool read = permission != Permission::write;
    const bool write = permission != Permission::read;
    j[grant ? "grant" : "revoke"] = {
        {"kv", {{"read", list_or_null(read ? prefixes : std::vector<std::string>{})},
                {"write", list_or_null(write ? prefixes : std::vector<std::string>{})}}}};
  }
  return j.dump();
}

Result<User> decode_user(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return decode_error("user: invalid JSON");
  User u;
  if (auto it = j.find("user"); it != j.end() && it->is_string()) u.name = it->get<std::string>();
  if (auto it = j.find("roles"); it != j.end() && it->is_array()) {
    for (const auto& r : *it) {
      if (r.is_string()) u.roles.push_back(r.get<std::string>());
      if (r.is_object() && r.contains("role") && r["role"].is_string()) {
        u.roles.push_back(r["role"].get<std::string>());
      }
    }
  }
  return u;
}

Result<Role> decode_role(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return decode_error("role: invalid JSON");
  Role r;
  if (auto it = j.find("role"); it != j.end() && it->is_string()) r.name = it->get<std::string>();
  if (auto p = j.find("permissions"); p != j.end() && p->is_object()) {
    if (auto kv = p->find("kv"); kv != p->end() && kv->is_object()) {
      r.read = strings_of(*kv, "read");
      r.write = strings_of(*kv, "write");
    }
  }
  return r;
}

Result<std::vector<std::string>> decode_names(std::string_view body, const char* list,
                                              const char* field) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return decode_error(std::string(list) + ": invalid JSON");
  std::vector<std::string> out;
  auto it = j.find(list);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
    if (item.is_object() && item.contains(field) && item[field].is_string()) {
      out.push_back(item[field].get<std::string>());
    }
  }
  return out;
}

}  // namespace etcd::client
