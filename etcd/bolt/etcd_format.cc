#include "etcd/bolt/etcd_format.h"

#include <cstdio>

#include "etcd/common/go_json.h"

namespace etcd::bolt::etcd34 {
namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// proto3 scalars are left out when zero; int64 goes as its two's complement (10 bytes
// when negative), as gogoproto writes it.
void put_int(std::string& out, int field, int64_t v) {
  if (v == 0) return;
  put_varint(out, static_cast<uint64_t>(field) << 3);
  put_varint(out, static_cast<uint64_t>(v));
}
void put_bytes(std::string& out, int field, std::string_view v) {
  if (v.empty()) return;
  put_varint(out, (static_cast<uint64_t>(field) << 3) | 2);
  put_varint(out, v.size());
  out.append(v);
}

void put_json_strings(std::string& out, const std::vector<std::string>& list) {
  out.push_back('[');
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out.push_back(',');
    go_json::append_json_string(out, list[i]);
  }
  out.push_back(']');
}

}  // namespace

std::string be64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>(value >> (8 * (7 - i)));
  return out;
}

std::string revision_key(int64_t main, int64_t sub, bool tombstone) {
  std::string out = be64(static_cast<uint64_t>(main));
  out.push_back('_');
  out += be64(static_cast<uint64_t>(sub));
  if (tombstone) out.push_back('t');
  return out;
}

std::string key_value(const mvcc::KeyValue& kv) {
  std::string out;
  put_bytes(out, 1, kv.key);
  put_int(out, 2, kv.create_revision);
  put_int(out, 3, kv.mod_revision);
  put_int(out, 4, kv.version);
  put_bytes(out, 5, kv.value);
  put_int(out, 6, kv.lease);
  return out;
}

std::string lease(int64_t id, int64_t ttl) {
  std::string out;
  put_int(out, 1, id);
  put_int(out, 2, ttl);
  return out;
}

std::string alarm_member(uint64_t member_id, int64_t alarm) {
  std::string out;
  put_int(out, 1, static_cast<int64_t>(member_id));
  put_int(out, 2, alarm);
  return out;
}

std::string id_key(uint64_t id) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(id));
  return buf;
}

std::string member_json(const Member& member) {
  std::string out = "{\"id\":" + std::to_string(member.id) + ",\"peerURLs\":";
  put_json_strings(out, member.peer_urls);
  if (member.is_learner) out += ",\"isLearner\":true";
  if (!member.name.empty()) {
    out += ",\"name\":";
    go_json::append_json_string(out, member.name);
  }
  if (!member.client_urls.empty()) {
    out += ",\"clientURLs\":";
    put_json_strings(out, member.client_urls);
  }
  out.push_back('}');
  return out;
}

}  // namespace etcd::bolt::etcd34
