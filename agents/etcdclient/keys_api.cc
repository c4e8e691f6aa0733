#include "agents/etcdclient/keys_api.h"

#include "agents/etcdclient/codec.h"

namespace etcd::client {

Result<Response> KeysApi::call(const HttpRequest& request) {
  auto response = client_.send(request);
  if (!response) return response.error();
  return decode_keys_response(*response);
}

Result<Response> KeysApi::get(const std::string& key, const GetOptions& options) {
  return call(build_get(key, options));
}

Result<Response> KeysApi::set(const std::string& key, const std::string& value,
                              const SetOptions& options) {
  return call(build_set(key, value, options));
}

Result<Response> KeysApi::create(const std::string& key, const std::string& value,
                                 uint64_t ttl_s) {
  return set(key, value, {.prev_exist = PrevExist::must_not_exist, .ttl_s = ttl_s});
}

Result<Response> KeysApi::update(const std::string& key, const std::string& value,
                                 uint64_t ttl_s) {
  return set(key, value, {.prev_exist = PrevExist::must_exist, .ttl_s = ttl_s});
}

Result<Response> KeysApi::compare_and_swap(const std::string& key, const std::string& value,
                                           const std::string& prev_value, uint64_t prev_index,
                                           uint64_t ttl_s) {
  if (prev_value.empty() && prev_index == 0) {
    return invalid_argument("compare_and_swap needs a previous value or index");
  }
  return set(key, value, {.prev_value = prev_value, .prev_index = prev_index, .ttl_s = ttl_s});
}

Result<Response> KeysApi::refresh(const std::string& key, uint64_t ttl_s) {
  if (ttl_s == 0) return invalid_argument("refresh needs a TTL");
  return set(key, "", {.prev_exist = PrevExist::must_exist, .ttl_s = ttl_s, .refresh = true});
}

Result<Response> KeysApi::set_dir(const std::string& key, uint64_t ttl_s, PrevExist prev_exist) {
  return set(key, "", {.prev_exist = prev_exist, .ttl_s = ttl_s, .dir = true});
}

Result<Response> KeysApi::create_in_order(const std::string& dir, const std::string& value,
                                          uint64_t ttl_s) {
  return call(build_create_in_order(dir, value, ttl_s));
}

Result<Response> KeysApi::remove(const std::string& key, const DeleteOptions& options) {
  return call(build_delete(key, options));
}

Result<Response> KeysApi::compare_and_delete(const std::string& key, const std::string& prev_value,
                                             uint64_t prev_index) {
  if (prev_value.empty() && prev_index == 0) {
    return invalid_argument("compare_and_delete needs a previous value or index");
  }
  return remove(key, {.prev_value = prev_value, .prev_index = prev_index});
}

Result<Response> KeysApi::wait(const std::string& key, uint64_t wait_index, bool recursive,
                               uint64_t timeout_ms) {
  HttpRequest request = build_wait(key, wait_index, recursive);
  request.timeout_ms = timeout_ms;
  return call(request);
}

}  // namespace etcd::client
