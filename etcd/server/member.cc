#include "etcd/server/member.h"

#include <openssl/sha.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "etcd/common/bytes.h"

namespace etcd::server {
namespace {

uint64_t first_8_bytes_big_endian(const std::string& data) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  return v;
}

void put_strings(ByteWriter& w, const std::vector<std::string>& values) {
  w.u32(static_cast<uint32_t>(values.size()));
  for (const auto& v : values) w.bytes(v);
}

bool get_strings(ByteReader& r, std::vector<std::string>& values) {
  uint32_t n = 0;
  if (!r.count(n, 4)) return false;
  values.resize(n);
  for (auto& v : values) {
    if (!r.bytes(v)) return false;
  }
  return true;
}

}  // namespace

NodeId member_id(std::vector<std::string> peer_urls, std::string_view cluster_token,
                 std::optional<int64_t> unix_seconds) {
  std::sort(peer_urls.begin(), peer_urls.end());
  std::string b;
  for (const auto& url : peer_urls) b += url;
  b += cluster_token;
  if (unix_seconds) b += std::to_string(*unix_seconds);
  return NodeId{first_8_bytes_big_endian(b)};
}

uint64_t cluster_id(std::vector<NodeId> member_ids) {
  std::sort(member_ids.begin(), member_ids.end());
  std::string b;
  for (NodeId id : member_ids) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      b.push_back(static_cast<char>((id.value >> shift) & 0xff));
    }
  }
  return first_8_bytes_big_endian(b);
}

std::string id_to_hex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016lx", static_cast<unsigned long>(id));
  return buf;
}

std::optional<uint64_t> id_from_hex(std::string_view hex) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
  if (hex.empty() || hex.size() > 16 || ec != std::errc() || end != hex.data() + hex.size()) {
    return std::nullopt;
  }
  return v;
}

void encode(const Member& m, std::string& out) {
  ByteWriter w(out);
  w.u8(1);  // format version
  w.u64(m.id.value);
  w.bytes(m.name);
  put_strings(w, m.peer_urls);
  put_strings(w, m.client_urls);
  w.u8(m.is_learner ? 1 : 0);
}

Result<Member> decode_member(std::string_view in) {
  ByteReader r(in);
  Member m;
  uint8_t version = 0;
  uint8_t learner = 0;
  if (!r.u8(version) || version != 1 || !r.u64(m.id.value) || !r.bytes(m.name) ||
      !get_strings(r, m.peer_urls) || !get_strings(r, m.client_urls) || !r.u8(learner) ||
      learner > 1 || !r.at_end()) {
    return Error{"malformed member record"};
  }
  m.is_learner = learner == 1;
  return m;
}

}  // namespace etcd::server
