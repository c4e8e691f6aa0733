// RolesApi: etcd's v2 auth roles (/v2/auth/roles): list, get, add, remove, and granting
// or revoking key-prefix permissions, with the Go client's status handling (see
// auth_api.h). Borrows a Client; same threading rules.
#pragma once

#include <string>
#include <vector>

#include "agents/etcdclient/auth_codec.h"
#include "agents/etcdclient/client.h"
#include "agents/etcdclient/result.h"

namespace etcd::client {

class RolesApi {
 public:
  explicit RolesApi(Client& client) : client_(client) {}

  Result<std::vector<std::string>> list();
  Result<Role> get(const std::string& name);  // 404 (kind http) when missing
  Result<void> add(const std::string& name);
  Result<void> remove(const std::string& name);
  // Adds / removes `prefixes` to the role's read and/or write permissions.
  Result<Role> grant(const std::string& name, const std::vector<std::string>& prefixes,
                     Permission permission);
  Result<Role> revoke(const std::string& name, const std::vector<std::string>& prefixes,
                      Permission permission);

 private:
  Result<void> expect(const HttpRequest& request);
  Result<Role> modify(const HttpRequest& request);

  Client& client_;
};

}  // namespace etcd::client
