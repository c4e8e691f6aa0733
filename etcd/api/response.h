// Building responses the way etcd's Go handlers write them: CORS headers on everything,
// JSON content types, X-Etcd-* headers, plain-text 404/405 bodies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "etcd/api/backend.h"
#include "etcd/http/message.h"
#include "etcd/store/error.h"

namespace etcd::api {

struct Cors {
  std::vector<std::string> origins;  // empty or containing "*": allow all

  void apply(const http::Request& request, http::Response& response) const;
};

http::Response text_response(int status, std::string body);
http::Response json_response(int status, std::string body);
// An etcd v2 error body ({"errorCode",...}\n) with X-Etcd-Index = error.index.
http::Response error_response(const store::StoreError& error, uint64_t cluster_id);
// {"message":"..."}\n as the members, stats and auth handlers answer errors. The message
// may quote the client's bytes (a JSON parse error, a name from the URL): invalid UTF-8 is
// shown as U+FFFD instead of throwing.
std::string message_body(std::string_view message);
http::Response message_response(int status, std::string_view message);
void set_index_headers(http::Response& response, const IndexHeaders& headers, bool raft_headers);
std::string hex_id(uint64_t id);

}  // namespace etcd::api
