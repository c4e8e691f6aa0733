#include "etcd/server/payload.h"

#include "etcd/common/bytes.h"

namespace etcd::server {
namespace {

enum class Kind : uint8_t { v2_request = 1, publish = 2, v3_request = 3 };

void encode_publish(const PublishAttributes& p, std::string& out) {
  ByteWriter w(out);
  w.u64(p.request_id);
  w.u64(p.member_id.value);
  w.bytes(p.name);
  w.u32(static_cast<uint32_t>(p.client_urls.size()));
  for (const auto& url : p.client_urls)
    w.bytes(url);
}

Result<Payload> decode_publish(std::string_view in) {
  ByteReader r(in);
  PublishAttributes p;
  uint32_t n = 0;
  if (!r.u64(p.request_id) || !r.u64(p.member_id.value) || !r.bytes(p.name) || !r.count(n, 4)) {
    return Error{"malformed publish payload"};
  }
  p.client_urls.resize(n);
  for (auto& url : p.client_urls) {
    if (!r.bytes(url)) return Error{"malformed publish payload"};
  }
  if (!r.at_end()) return Error{"malformed publish payload"};
  return Payload{std::move(p)};
}

Result<Payload> decode_v3(std::string_view in) {
  ByteReader r(in);
  V3Request v3;
  if (!r.u64(v3.request_id)) return Error{"malformed v3 payload"};
  auto op = mvcc::decode_write_request(in.substr(r.position()));
  if (!op) return op.error();
  v3.op = std::move(op).value();
  return Payload{std::move(v3)};
}

}  // namespace

std::string encode_payload(const Payload& payload) {
  std::string out;
  if (const auto* request = std::get_if<store::Request>(&payload)) {
    out.push_back(static_cast<char>(Kind::v2_request));
    store::encode(*request, out);
  } else if (const auto* v3 = std::get_if<V3Request>(&payload)) {
    out.push_back(static_cast<char>(Kind::v3_request));
    ByteWriter(out).u64(v3->request_id);
    mvcc::encode(v3->op, out);
  } else {
    out.push_back(static_cast<char>(Kind::publish));
    encode_publish(std::get<PublishAttributes>(payload), out);
  }
  return out;
}

Result<Payload> decode_payload(std::string_view data) {
  if (data.empty()) return Error{"empty payload"};
  const auto kind = static_cast<Kind>(data.front());
  data.remove_prefix(1);
  switch (kind) {
    case Kind::v2_request: {
      auto request = store::decode_request(data);
      if (!request) return request.error();
      return Payload{std::move(request).value()};
    }
    case Kind::publish:
      return decode_publish(data);
    case Kind::v3_request:
      return decode_v3(data);
  }
  return Error{"unknown payload kind"};
}

std::string encode_context(const ConfChangeContext& context) {
  std::string out;
  ByteWriter w(out);
  w.u64(context.request_id);
  std::string member;
  encode(context.member, member);
  w.bytes(member);
  return out;
}

Result<ConfChangeContext> decode_context(std::string_view data) {
  ByteReader r(data);
  ConfChangeContext context;
  std::string member;
  if (!r.u64(context.request_id) || !r.bytes(member) || !r.at_end()) {
    return Error{"malformed conf change context"};
  }
  auto decoded = decode_member(member);
  if (!decoded) return decoded.error();
  context.member = std::move(decoded).value();
  return context;
}

}  // namespace etcd::server
