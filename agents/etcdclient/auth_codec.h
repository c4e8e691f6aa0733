// auth_codec: the JSON of etcd's v2 auth API (/v2/auth/users, /v2/auth/roles) ↔ typed
// values, accepting both shapes servers send (etcd 2.x lists names, 3.x objects), plus
// the request builders AuthApi and RolesApi share. Pure; no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agents/etcdclient/http.h"
#include "agents/etcdclient/result.h"

namespace etcd::client {

struct User {
  std::string name;
  std::vector<std::string> roles;
};

struct Role {
  std::string name;
  std::vector<std::string> read;   // key prefixes readable
  std::vector<std::string> write;  // key prefixes writable
};

enum class Permission { read, write, read_write };

// GET/PUT/DELETE /v2/auth/<kind>[/<name>] with an optional JSON body.
HttpRequest auth_request(const char* method, const char* kind, const std::string& name,
                         std::string json_body = "");
// An answer with an unexpected status: kind http, message = the body's "message" (empty
// when the body is not such an object), with status and body kept.
Error auth_error(const HttpResponse& response);

std::string encode_user(const std::string& name, const std::string& password,
                        const std::vector<std::string>& grant,
                        const std::vector<std::string>& revoke);
std::string encode_role(const std::string& name, const std::vector<std::string>& prefixes,
                        Permission permission, bool grant, bool change);

Result<User> decode_user(std::string_view body);
Result<Role> decode_role(std::string_view body);
// {"users": [...]} / {"roles": [...]}: the names, whether listed as strings or objects.
Result<std::vector<std::string>> decode_names(std::string_view body, const char* list,
                                              const char* field);

}  // namespace etcd::client
