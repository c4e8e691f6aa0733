// AuthApi: etcd's v2 auth switch and users (/v2/auth/enable, /v2/auth/users), with the
// status handling of etcd's Go client (client/auth_user.go): a status other than the
// expected ones is kind http whose message is the server's {"message"} (empty when the
// body is not JSON — etcd2 has no auth API and answers "404 page not found").
// Roles are in RolesApi. Borrows a Client; same threading rules.
#pragma once

#include <string>
#include <vector>

#include "agents/etcdclient/auth_codec.h"
#include "agents/etcdclient/client.h"
#include "agents/etcdclient/result.h"

namespace etcd::client {

class AuthApi {
 public:
  explicit AuthApi(Client& client) : client_(client) {}

  Result<void> enable();   // PUT /v2/auth/enable (needs a root user)
  Result<void> disable();  // DELETE /v2/auth/enable

  Result<std::vector<std::string>> list_users();
  Result<User> get_user(const std::string& name);  // 404 (kind http) when missing
  Result<void> add_user(const std::string& name, const std::string& password);
  Result<void> remove_user(const std::string& name);
  Result<User> grant_user(const std::string& name, const std::vector<std::string>& roles);
  Result<User> revoke_user(const std::string& name, const std::vector<std::string>& roles);
  Result<User> change_password(const std::string& name, const std::string& password);

 private:
  Result<void> expect(const HttpRequest& request, int ok1, int ok2);
  Result<User> modify(const HttpRequest& request);

  Client& client_;
};

}  // namespace etcd::client
