// SnapshotSender: sends one raft snapshot message to one peer on its own connection
// (POST /raft/snapshot, body in snapshot_body.h), so a 100 MB snapshot never stalls the
// peer's message stream. The data is written in place from the message, chunk by chunk,
// hashed as it goes; the outcome is reported once through on_snapshot_status.
//
// URLs are tried in turn until one connects; a peer that answers with an error is not
// retried (raft asks again later). Threads: start() from any thread; the transfer runs
// on its own strand and is aborted by the transport's stop().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "etcd/raft/types.h"
#include "etcd/transport/beast.h"
#include "etcd/transport/peer_url.h"
#include "etcd/transport/transport_core.h"

namespace etcd::transport {

class SnapshotSender : public std::enable_shared_from_this<SnapshotSender> {
 public:
  // Precondition: message.type == snapshot with a snapshot; urls non-empty.
  static void start(std::shared_ptr<TransportCore> core, NodeId peer, std::vector<PeerUrl> urls,
                    raft::Message message);

  SnapshotSender(std::shared_ptr<TransportCore> core, NodeId peer, std::vector<PeerUrl> urls,
                 raft::Message message);

 private:
  enum class Outcome { delivered, refused, unreachable };

  awaitable<void> run(std::shared_ptr<SnapshotSender> self);
  awaitable<Outcome> send_to(const PeerUrl& url);
  template <typename Stream>
  awaitable<Outcome> post(Stream& stream, const PeerUrl& url);
  template <typename Stream>
  awaitable<error_code> write_body(Stream& stream);
  void finish(bool ok, const std::string& detail);
  std::string name() const;

  const std::shared_ptr<TransportCore> core_;
  const NodeId peer_;
  const std::vector<PeerUrl> urls_;
  Strand strand_;
  std::string prefix_;  // meta length, meta, data length
  std::string data_;    // moved out of the message, never copied
  uint64_t snapshot_index_ = 0;
  std::function<void()> close_;  // closes the open connection, if any
  uint64_t ticket_ = 0;
};

}  // namespace etcd::transport
