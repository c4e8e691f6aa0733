// PeerNetwork: how the server core reaches the other members. The Asio peer transport
// implements it in production; tests and the simulator implement it in memory.
#pragma once

#include <string>
#include <vector>

#include "etcd/raft/types.h"

namespace etcd::server {

class PeerNetwork {
 public:
  virtual ~PeerNetwork() = default;
  // Never blocks; messages may be dropped (raft tolerates loss).
  virtual void send(std::vector<raft::Message> messages) = 0;
  virtual void add_peer(NodeId id, const std::vector<std::string>& peer_urls) = 0;
  virtual void update_peer(NodeId id, const std::vector<std::string>& peer_urls) = 0;
  virtual void remove_peer(NodeId id) = 0;
};

}  // namespace etcd::server
