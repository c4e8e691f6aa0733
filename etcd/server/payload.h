// What the server puts in raft entries. Normal entries carry a tagged payload (a v2
// request, a v3 write, or a member publishing its name and client URLs); conf change entries carry
// a ConfChange whose context names the member and the proposal waiting for it. An empty normal
// entry is a leader's no-op. Formats are versioned and decoding rejects hostile bytes (peers are
// authenticated, but a bug must not become a crash).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "etcd/common/result.h"
#include "etcd/mvcc/codec.h"
#include "etcd/server/member.h"
#include "etcd/store/request.h"

namespace etcd::server {

// A member announcing itself once it runs (etcd's publish of member attributes).
struct PublishAttributes {
  uint64_t request_id = 0;
  NodeId member_id;
  std::string name;
  std::vector<std::string> client_urls;

  bool operator==(const PublishAttributes&) const = default;
};

// A v3 write for the mvcc keyspace; request_id names the proposal waiting for it.
struct V3Request {
  uint64_t request_id = 0;
  mvcc::WriteRequest op;
};

using Payload = std::variant<store::Request, PublishAttributes, V3Request>;

std::string encode_payload(const Payload& payload);
Result<Payload> decode_payload(std::string_view data);

// The context of a conf change: who asked (0 = nobody waits) and the member concerned.
struct ConfChangeContext {
  uint64_t request_id = 0;
  Member member;

  bool operator==(const ConfChangeContext&) const = default;
};

std::string encode_context(const ConfChangeContext& context);
Result<ConfChangeContext> decode_context(std::string_view data);

}  // namespace etcd::server
