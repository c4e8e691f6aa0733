#include "etcd/raft/codec.h"

#include "etcd/common/bytes.h"

namespace etcd::raft {
namespace {

constexpr uint8_t kFormatVersion = 1;
constexpr uint8_t kMaxMessageType = static_cast<uint8_t>(MessageType::pre_vote_resp);

void put_entry(ByteWriter& w, const Entry& e) {
  w.u64(e.term.value);
  w.u64(e.index.value);
  w.u8(static_cast<uint8_t>(e.type));
  w.bytes(e.data);
}

bool get_entry(ByteReader& r, Entry& e) {
  uint8_t type = 0;
  if (!r.u64(e.term.value) || !r.u64(e.index.value) || !r.u8(type) || !r.bytes(e.data)) {
    return false;
  }
  if (type > static_cast<uint8_t>(EntryType::conf_change)) return false;
  e.type = static_cast<EntryType>(type);
  return true;
}

void put_ids(ByteWriter& w, const std::vector<NodeId>& ids) {
  w.u32(static_cast<uint32_t>(ids.size()));
  for (NodeId id : ids) w.u64(id.value);
}

bool get_ids(ByteReader& r, std::vector<NodeId>& ids) {
  uint32_t n = 0;
  if (!r.count(n, 8)) return false;
  ids.resize(n);
  for (auto& id : ids) {
    if (!r.u64(id.value)) return false;
  }
  return true;
}

void put_metadata(ByteWriter& w, const SnapshotMetadata& m) {
  w.u64(m.index.value);
  w.u64(m.term.value);
  put_ids(w, m.conf_state.voters);
  put_ids(w, m.conf_state.learners);
}

bool get_metadata(ByteReader& r, SnapshotMetadata& m) {
  return r.u64(m.index.value) && r.u64(m.term.value) && get_ids(r, m.conf_state.voters) &&
         get_ids(r, m.conf_state.learners);
}

bool get_version(ByteReader& r) {
  uint8_t v = 0;
  return r.u8(v) && v == kFormatVersion;
}

template <typename T, typename Getter>
Result<T> decode_with(std::string_view in, const char* what, Getter get) {
  ByteReader r(in);
  T value{};
  if (!get_version(r) || !get(r, value) || !r.at_end()) {
    return Error{std::string("malformed ") + what};
  }
  return value;
}

}  // namespace

void encode(const Entry& entry, std::string& out) {
  ByteWriter w(out);
  w.u8(kFormatVersion);
  put_entry(w, entry);
}

void encode(const HardState& s, std::string& out) {
  ByteWriter w(out);
  w.u8(kFormatVersion);
  w.u64(s.term.value);
  w.u64(s.vote.value);
  w.u64(s.commit.value);
}

void encode(const ConfChange& c, std::string& out) {
  ByteWriter w(out);
  w.u8(kFormatVersion);
  w.u8(static_cast<uint8_t>(c.type));
  w.u64(c.node_id.value);
  w.bytes(c.context);
}

void encode(const SnapshotMetadata& m, std::string& out) {
  ByteWriter w(out);
  w.u8(kFormatVersion);
  put_metadata(w, m);
}

void encode(const Message& m, std::string& out) {
  ByteWriter w(out);
  w.u8(kFormatVersion);
  w.u8(static_cast<uint8_t>(m.type));
  w.u64(m.to.value);
  w.u64(m.from.value);
  w.u64(m.term.value);
  w.u64(m.log_term.value);
  w.u64(m.index.value);
  w.u64(m.commit.value);
  w.u8(m.reject ? 1 : 0);
  w.u64(m.reject_hint.value);
  w.u64(m.reject_hint_term.value);
  w.bytes(m.context);
  w.u32(static_cast<uint32_t>(m.entries.size()));
  for (const auto& e : m.entries) put_entry(w, e);
  w.u8(m.snapshot ? 1 : 0);
  if (m.snapshot) {
    put_metadata(w, m.snapshot->metadata);
    w.bytes(m.snapshot->data);
  }
}

Result<Entry> decode_entry(std::string_view in) {
  return decode_with<Entry>(in, "entry", get_entry);
}

Result<HardState> decode_hard_state(std::string_view in) {
  return decode_with<HardState>(in, "hard state", [](ByteReader& r, HardState& s) {
    return r.u64(s.term.value) && r.u64(s.vote.value) && r.u64(s.commit.value);
  });
}

Result<ConfChange> decode_conf_change(std::string_view in) {
  return decode_with<ConfChange>(in, "conf change", [](ByteReader& r, ConfChange& c) {
    uint8_t type = 0;
    if (!r.u8(type) || type > static_cast<uint8_t>(ConfChangeType::update_node)) return false;
    c.type = static_cast<ConfChangeType>(type);
    return r.u64(c.node_id.value) && r.bytes(c.context);
  });
}

Result<SnapshotMetadata> decode_snapshot_metadata(std::string_view in) {
  return decode_with<SnapshotMetadata>(in, "snapshot metadata", get_metadata);
}

Result<Message> decode_message(std::string_view in) {
  return decode_with<Message>(in, "message", [](ByteReader& r, Message& m) {
    uint8_t type = 0;
    uint8_t reject = 0;
    uint8_t has_snapshot = 0;
    uint32_t n = 0;
    if (!r.u8(type) || type > kMaxMessageType) return false;
    m.type = static_cast<MessageType>(type);
    if (!r.u64(m.to.value) || !r.u64(m.from.value) || !r.u64(m.term.value) ||
        !r.u64(m.log_term.value) || !r.u64(m.index.value) || !r.u64(m.commit.value) ||
        !r.u8(reject) || !r.u64(m.reject_hint.value) || !r.u64(m.reject_hint_term.value) ||
        !r.bytes(m.context) || !r.count(n, 21)) {
      return false;
    }
    m.reject = reject != 0;
    m.entries.resize(n);
    for (auto& e : m.entries) {
      if (!get_entry(r, e)) return false;
    }
    if (!r.u8(has_snapshot) || has_snapshot > 1) return false;
    if (has_snapshot) {
      m.snapshot.emplace();
      return get_metadata(r, m.snapshot->metadata) && r.bytes(m.snapshot->data);
    }
    return true;
  });
}

const char* to_string(MessageType t) {
  static constexpr const char* kNames[] = {
      "hup",        "beat",          "propose",     "append",         "append_resp",
      "vote",       "vote_resp",     "snapshot",    "heartbeat",      "heartbeat_resp",
      "unreachable", "snap_status",  "check_quorum", "transfer_leader", "timeout_now",
      "read_index", "read_index_resp", "pre_vote",  "pre_vote_resp"};
  const auto i = static_cast<size_t>(t);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

}  // namespace etcd::raft
