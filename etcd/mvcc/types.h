// The values of etcd's v3 keyspace (mvccpb): revisions, key-value pairs and the events a
// watcher sees. Plain data, shared by the store, its requests and its tests.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

namespace etcd::mvcc {

// A point in the keyspace's history: `main` advances once per write request (put, delete,
// txn) that changes something; `sub` numbers the changes inside it from 0.
struct Revision {
  int64_t main = 0;
  int64_t sub = 0;

  auto operator<=>(const Revision&) const = default;
};

// mvccpb.KeyValue. A live key has create_revision > 0 and version >= 1; the kv of a DELETE
// event carries only `key` and `mod_revision` (the deletion's revision), as in etcd.
struct KeyValue {
  std::string key;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  std::string value;
  int64_t lease = 0;

  bool operator==(const KeyValue&) const = default;
};

enum class EventType { kPut, kDelete };

// mvccpb.Event plus its place in history (kv.mod_revision == revision.main).
struct Event {
  EventType type = EventType::kPut;
  KeyValue kv;
  std::optional<KeyValue> prev_kv;  // the key's value just before, when it was live
  Revision revision;

  bool operator==(const Event&) const = default;
};

}  // namespace etcd::mvcc
