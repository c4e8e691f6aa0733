#include "agents/etcdclient/roles_api.h"

namespace etcd::client {

Result<void> RolesApi::expect(const HttpRequest& request) {
  auto response = client_.send(request);
  if (!response) return response.error();
  if (response->status != 200 && response->status != 201) return auth_error(*response);
  return Ok{};
}

Result<Role> RolesApi::modify(const HttpRequest& request) {
  auto response = client_.send(request);
  if (!response) return response.error();
  if (response->status != 200) return auth_error(*response);
  return decode_role(response->body);
}

Result<std::vector<std::string>> RolesApi::list() {
  HttpRequest request = auth_request("GET", "roles", "");
  request.content_type = "application/json";
  auto response = client_.send(request);
  if (!response) return response.error();
  if (response->status != 200) {
    Error e = auth_error(*response);
    e.message = "unexpected status code " + std::to_string(response->status);
    return e;
  }
  return decode_names(response->body, "roles", "role");
}

Result<Role> RolesApi::get(const std::string& name) {
  return modify(auth_request("GET", "roles", name));
}

Result<void> RolesApi::add(const std::string& name) {
  return expect(auth_request("PUT", "roles", name,
                             encode_role(name, {}, Permission::read, true, false)));
}

Result<void> RolesApi::remove(const std::string& name) {
  return expect(auth_request("DELETE", "roles", name));
}

Result<Role> RolesApi::grant(const std::string& name, const std::vector<std::string>& prefixes,
                             Permission permission) {
  return modify(auth_request("PUT", "roles", name,
                             encode_role(name, prefixes, permission, true, true)));
}

Result<Role> RolesApi::revoke(const std::string& name, const std::vector<std::string>& prefixes,
                              Permission permission) {
  return modify(auth_request("PUT", "roles", name,
                             encode_role(name, prefixes, permission, false, true)));
}

}  // namespace etcd::client
