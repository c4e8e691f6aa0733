#include "etcd/raft/read_only.h"

#include <algorithm>

namespace etcd::raft {

void ReadOnly::add_request(Index index, const Message& request) {
  const std::string& ctx = request.entries.front().data;
  if (pending_.count(ctx)) return;  // duplicate context: already waiting
  pending_.emplace(ctx, ReadIndexStatus{request, index, {}});
  queue_.push_back(ctx);
}

const std::set<NodeId>* ReadOnly::recv_ack(NodeId from, const std::string& ctx) {
  auto it = pending_.find(ctx);
  if (it == pending_.end()) return nullptr;
  it->second.acks.insert(from);
  return &it->second.acks;
}

std::vector<ReadIndexStatus> ReadOnly::advance(const std::string& ctx) {
  auto pos = std::find(queue_.begin(), queue_.end(), ctx);
  if (pos == queue_.end()) return {};
  std::vector<ReadIndexStatus> done;
  for (auto it = queue_.begin(); it != pos + 1; ++it) {
    auto node = pending_.extract(*it);
    done.push_back(std::move(node.mapped()));
  }
  queue_.erase(queue_.begin(), pos + 1);
  return done;
}

std::string ReadOnly::last_pending_request_ctx() const {
  return queue_.empty() ? std::string() : queue_.back();
}

void ReadOnly::clear() {
  pending_.clear();
  queue_.clear();
}

}  // namespace etcd::raft
