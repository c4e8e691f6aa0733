#include "agents/etcdclient/keys_request.h"

namespace etcd::client {
namespace {

constexpr const char* kFormType = "application/x-www-form-urlencoded";

const char* bool_text(bool b) { return b ? "true" : "false"; }

// etcd client v2KeysURL: prefix + "/" + key, canonicalised with the endpoint's path.
HttpRequest keys_request(const char* method, const std::string& key) {
  HttpRequest r;
  r.method = method;
  r.path = std::string(kKeysPrefix) + (key.empty() || key[0] != '/' ? "/" : "") + key;
  r.join = PathJoin::canonical;
  return r;
}

}  // namespace

HttpRequest build_get(const std::string& key, const GetOptions& options) {
  HttpRequest r = keys_request("GET", key);
  r.query = encode_query({{"recursive", bool_text(options.recursive)},
                          {"sorted", bool_text(options.sorted)},
                          {"quorum", bool_text(options.quorum)}});
  return r;
}

HttpRequest build_set(const std::string& key, const std::string& value,
                      const SetOptions& options) {
  HttpRequest r = keys_request("PUT", key);
  Params params;
  Params form;
  if (options.dir) {
    params.emplace_back("dir", "true");
  } else {
    if (!options.prev_value.empty()) params.emplace_back("prevValue", options.prev_value);
    if (!options.refresh) form.emplace_back("value", value);
  }
  if (options.prev_index != 0) params.emplace_back("prevIndex", std::to_string(options.prev_index));
  if (options.prev_exist != PrevExist::ignore) {
    params.emplace_back("prevExist", bool_text(options.prev_exist == PrevExist::must_exist));
  }
  if (options.ttl_s > 0) form.emplace_back("ttl", std::to_string(options.ttl_s));
  if (options.refresh) form.emplace_back("refresh", "true");
  r.query = encode_query(std::move(params));
  r.body = encode_query(std::move(form));
  r.content_type = kFormType;
  return r;
}

HttpRequest build_delete(const std::string& key, const DeleteOptions& options) {
  HttpRequest r = keys_request("DELETE", key);
  Params params;
  if (!options.prev_value.empty()) params.emplace_back("prevValue", options.prev_value);
  if (options.prev_index != 0) params.emplace_back("prevIndex", std::to_string(options.prev_index));
  if (options.dir) params.emplace_back("dir", "true");
  if (options.recursive) params.emplace_back("recursive", "true");
  r.query = encode_query(std::move(params));
  r.content_type = kFormType;
  return r;
}

HttpRequest build_create_in_order(const std::string& dir, const std::string& value,
                                  uint64_t ttl_s) {
  HttpRequest r = keys_request("POST", dir);
  Params form{{"value", value}};
  if (ttl_s > 0) form.emplace_back("ttl", std::to_string(ttl_s));
  r.body = encode_query(std::move(form));
  r.content_type = kFormType;
  return r;
}

HttpRequest build_wait(const std::string& key, uint64_t wait_index, bool recursive) {
  HttpRequest r = keys_request("GET", key);
  r.query = encode_query({{"wait", "true"},
                          {"waitIndex", std::to_string(wait_index)},
                          {"recursive", bool_text(recursive)}});
  r.wait = true;
  return r;
}

}  // namespace etcd::client
