#include "agents/etcdclient/auth_api.h"

namespace etcd::client {

Result<void> AuthApi::expect(const HttpRequest& request, int ok1, int ok2) {
  auto response = client_.send(request);
  if (!response) return response.error();
  if (response->status != ok1 && response->status != ok2) return auth_error(*response);
  return Ok{};
}

Result<User> AuthApi::modify(const HttpRequest& request) {
  auto response = client_.send(request);
  if (!response) return response.error();
  if (response->status != 200) return auth_error(*response);
  return decode_user(response->body);
}

Result<void> AuthApi::enable() { return expect(auth_request("PUT", "enable", ""), 200, 201); }

Result<void> AuthApi::disable() { return expect(auth_request("DELETE", "enable", ""), 200, 201); }

Result<std::vector<std::string>> AuthApi::list_users() {
  HttpRequest request = auth_request("GET", "users", "");
  request.content_type = "application/json";
  auto response = client_.send(request);
  if (!response) return response.error();
  if (response->status != 200) return auth_error(*response);
  return decode_names(response->body, "users", "user");
}

Result<User> AuthApi::get_user(const std::string& name) {
  return modify(auth_request("GET", "users", name));
}

Result<void> AuthApi::add_user(const std::string& name, const std::string& password) {
  return expect(auth_request("PUT", "users", name, encode_user(name, password, {}, {})), 200, 201);
}

Result<void> AuthApi::remove_user(const std::string& name) {
  return expect(auth_request("DELETE", "users", name), 200, 201);
}

Result<User> AuthApi::grant_user(const std::string& name, const std::vector<std::string>& roles) {
  return modify(auth_request("PUT", "users", name, encode_user(name, "", roles, {})));
}

Result<User> AuthApi::revoke_user(const std::string& name, const std::vector<std::string>& roles) {
  return modify(auth_request("PUT", "users", name, encode_user(name, "", {}, roles)));
}

Result<User> AuthApi::change_password(const std::string& name, const std::string& password) {
  return modify(auth_request("PUT", "users", name, encode_user(name, password, {}, {})));
}

}  // namespace etcd::client
