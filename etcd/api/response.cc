#include "etcd/api/response.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "etcd/api/v2_json.h"

namespace etcd::api {

void Cors::apply(const http::Request& request, http::Response& response) const {
  const bool all =
      origins.empty() || std::find(origins.begin(), origins.end(), "*") != origins.end();
  const std::string* origin = request.header("Origin");
  if (all) {
    response.set("Access-Control-Allow-Origin", "*");
  } else if (origin && std::find(origins.begin(), origins.end(), *origin) != origins.end()) {
    response.set("Access-Control-Allow-Origin", *origin);
  } else {
    return;
  }
  response.set("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
  response.set("Access-Control-Allow-Headers", "accept, content-type, authorization");
}

http::Response text_response(int status, std::string body) {
  http::Response r{.status = status};
  r.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

http::Response json_response(int status, std::string body) {
  http::Response r{.status = status};
  r.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string hex_id(uint64_t id) {
  char buf[17];
  // Go prints types.ID with strconv.FormatUint(id, 16): lower-case, no zero padding.
  std::snprintf(buf, sizeof buf, "%lx", static_cast<unsigned long>(id));
  return buf;
}

http::Response error_response(const store::StoreError& error, uint64_t cluster_id) {
  http::Response r = json_response(store::http_status(error.code), render_error(error));
  r.set("X-Etcd-Cluster-Id", hex_id(cluster_id));
  r.set("X-Etcd-Index", std::to_string(error.index.value));
  return r;
}

std::string message_body(std::string_view message) {
  return nlohmann::json{{"message", message}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace) +
         "\n";
}

http::Response message_response(int status, std::string_view message) {
  return json_response(status, message_body(message));
}

void set_index_headers(http::Response& r, const IndexHeaders& h, bool raft_headers) {
  r.set("X-Etcd-Cluster-Id", hex_id(h.cluster_id));
  r.set("X-Etcd-Index", std::to_string(h.etcd_index));
  if (!raft_headers) return;
  r.set("X-Raft-Index", std::to_string(h.raft_index));
  r.set("X-Raft-Term", std::to_string(h.raft_term));
}

}  // namespace etcd::api
