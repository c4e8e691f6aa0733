// The v2 data model as the store hands it out: Node (a file or directory as rendered in a
// response), Event (what a write, read or expiry did), and EtcdIndex, the store's own
// counter (X-Etcd-Index, `modifiedIndex`, `createdIndex`), which is bumped only by v2
// writes and is never the raft index.
//
// Plain values with a binary codec used for the persisted event history. No behaviour
// beyond naming and encoding; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/common/ids.h"
#include "etcd/common/result.h"

namespace etcd::store {

struct EtcdIndexTag {};
using EtcdIndex = StrongU64<EtcdIndexTag>;

// A node as a response shows it (etcd's NodeExtern).
struct Node {
  std::string key;  // cleaned path; "/" is the root
  // Present for files (even when empty); absent for directories and deleted nodes.
  std::optional<std::string> value;
  bool dir = false;
  int64_t expiration_ns = 0;  // absolute, ns since the Unix epoch; 0 = permanent
  // Whole seconds left, rounded up, when the node was rendered (etcd's `ttl`); 0 = omit.
  int64_t ttl_s = 0;
  EtcdIndex modified_index;
  EtcdIndex created_index;
  // Listings only (a GET of a directory); sorted by key; hidden children left out.
  std::vector<Node> children;

  bool operator==(const Node&) const = default;
};

enum class Action : uint8_t {
  get = 0,
  set = 1,
  create = 2,
  update = 3,
  compare_and_swap = 4,
  remove = 5,  // "delete"
  compare_and_delete = 6,
  expire = 7,
  // The result of applying a replicated SYNC; never sent to a client or a watcher.
  sync = 8,
};

// The wire name: "get", "set", "create", "update", "compareAndSwap", "delete",
// "compareAndDelete", "expire" (and "sync").
std::string_view action_name(Action action);

struct Event {
  Action action = Action::get;
  Node node;
  std::optional<Node> prev_node;
  // X-Etcd-Index for the response: the write's own index, or the current index for a get
  // and for an event replayed from history.
  EtcdIndex etcd_index;
  // A TTL refresh: recorded in the history but never delivered to watchers and skipped
  // by history scans (etcd `Event.Refresh`; never rendered).
  bool refresh = false;

  // The index that orders events: the node's modifiedIndex.
  EtcdIndex index() const { return node.modified_index; }
  // True when etcd answers 201 Created: a create, or a set that replaced nothing.
  bool created() const { return action == Action::create || (action == Action::set && !prev_node); }
  bool operator==(const Event&) const = default;
};

// Binary codec for the event history (format in etcd/store/README.md). Nodes inside a
// history event never have children; encode() asserts that. decode_event() rejects
// truncated input, trailing bytes, unknown versions, actions and flags.
void encode(const Event& event, std::string& out);
Result<Event> decode_event(std::string_view in);

}  // namespace etcd::store
