// codec: the v2 API's JSON bodies and headers → typed values (nlohmann/json; its
// exceptions never leave this file). Pure functions over an HttpResponse; no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agents/etcdclient/http.h"
#include "agents/etcdclient/result.h"
#include "agents/etcdclient/types.h"

namespace etcd::client {

// A keys API answer: 200/201 → Response (node, prevNode, X-Etcd-Index, X-Raft-*,
// X-Etcd-Cluster-Id); any other status → an etcd error (kind etcd, with errorCode,
// message, cause, index and the HTTP status) when the body is one, else kind http.
// A 2xx with an empty body (a watch the server closed) is kind decode with message
// "empty body"; see is_empty_body().
Result<Response> decode_keys_response(const HttpResponse& http);
bool is_empty_body(const Error& error);

// Parses one node object (the "node" of a keys answer). Errors: kind decode.
Result<Node> decode_node(std::string_view json);

// /v2/members → members; /v2/members/leader and POST /v2/members → one member.
Result<std::vector<Member>> decode_members(std::string_view body);
Result<Member> decode_member(std::string_view body);
// {"message":"..."} bodies of the members and auth APIs; nullopt-like empty string when
// the body is not such an object.
std::string decode_message(std::string_view body);

// GET /version; GET /health ({"health":"true"} or {"health":true}).
Result<Version> decode_version(std::string_view body);
Result<bool> decode_health(std::string_view body);

// JSON helpers shared by the API files (exceptions caught inside).
std::string encode_peer_urls(const std::vector<std::string>& peer_urls);

}  // namespace etcd::client
