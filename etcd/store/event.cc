#include "etcd/store/event.h"

#include "etcd/common/assert.h"
#include "etcd/common/bytes.h"

namespace etcd::store {
namespace {

constexpr uint8_t kEventFormat = 1;
constexpr uint8_t kFlagDir = 1;
constexpr uint8_t kFlagValue = 2;
constexpr uint8_t kFlagKnown = kFlagDir | kFlagValue;

void encode_node(const Node& node, ByteWriter& w) {
  ETCD_ASSERT(node.children.empty(), "history nodes carry no children");
  uint8_t flags = (node.dir ? kFlagDir : 0) | (node.value ? kFlagValue : 0);
  w.u8(flags);
  w.bytes(node.key);
  if (node.value) w.bytes(*node.value);
  w.u64(static_cast<uint64_t>(node.expiration_ns));
  w.u64(static_cast<uint64_t>(node.ttl_s));
  w.u64(node.modified_index.value);
  w.u64(node.created_index.value);
}

bool decode_node(ByteReader& r, Node& node) {
  uint8_t flags = 0;
  if (!r.u8(flags) || (flags & ~kFlagKnown) != 0) return false;
  node.dir = (flags & kFlagDir) != 0;
  if (!r.bytes(node.key)) return false;
  if ((flags & kFlagValue) != 0) {
    std::string value;
    if (!r.bytes(value)) return false;
    node.value = std::move(value);
  }
  uint64_t expiration = 0, ttl = 0;
  if (!r.u64(expiration) || !r.u64(ttl)) return false;
  node.expiration_ns = static_cast<int64_t>(expiration);
  node.ttl_s = static_cast<int64_t>(ttl);
  return r.u64(node.modified_index.value) && r.u64(node.created_index.value);
}

}  // namespace

std::string_view action_name(Action action) {
  switch (action) {
    case Action::get:
      return "get";
    case Action::set:
      return "set";
    case Action::create:
      return "create";
    case Action::update:
      return "update";
    case Action::compare_and_swap:
      return "compareAndSwap";
    case Action::remove:
      return "delete";
    case Action::compare_and_delete:
      return "compareAndDelete";
    case Action::expire:
      return "expire";
    case Action::sync:
      return "sync";
  }
  return "unknown";
}

void encode(const Event& event, std::string& out) {
  ByteWriter w(out);
  w.u8(kEventFormat);
  w.u8(static_cast<uint8_t>(event.action));
  w.u8(event.refresh ? 1 : 0);
  w.u64(event.etcd_index.value);
  encode_node(event.node, w);
  w.u8(event.prev_node ? 1 : 0);
  if (event.prev_node) encode_node(*event.prev_node, w);
}

Result<Event> decode_event(std::string_view in) {
  ByteReader r(in);
  Event event;
  uint8_t version = 0, action = 0, refresh = 0, has_prev = 0;
  if (!r.u8(version) || version != kEventFormat) return Error{"event: bad format version"};
  if (!r.u8(action) || action > static_cast<uint8_t>(Action::sync)) {
    return Error{"event: bad action"};
  }
  event.action = static_cast<Action>(action);
  if (!r.u8(refresh) || refresh > 1) return Error{"event: bad refresh flag"};
  event.refresh = refresh == 1;
  if (!r.u64(event.etcd_index.value)) return Error{"event: truncated"};
  if (!decode_node(r, event.node)) return Error{"event: bad node"};
  if (!r.u8(has_prev) || has_prev > 1) return Error{"event: bad prev flag"};
  if (has_prev == 1) {
    event.prev_node.emplace();
    if (!decode_node(r, *event.prev_node)) return Error{"event: bad prev node"};
  }
  if (!r.at_end()) return Error{"event: trailing bytes"};
  return event;
}

}  // namespace etcd::store
