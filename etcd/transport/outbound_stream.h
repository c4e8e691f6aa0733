// OutboundStream: the one ordered stream of raft messages from this member to one peer.
// It owns the peer's bounded queue, dials the peer's URLs in turn (backing off with
// jitter between rounds), keeps one WebSocket open to /raft/stream, and writes the whole
// queue as one batch per write. Snapshot messages are handed to a SnapshotSender instead.
//
// Never blocks its callers and never delivers inbound messages (streams are one-way).
// Threads: enqueue/set_urls/stop may be called from any thread; they post onto the
// stream's strand, where all of its state lives.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "etcd/raft/types.h"
#include "etcd/transport/backoff.h"
#include "etcd/transport/beast.h"
#include "etcd/transport/peer_url.h"
#include "etcd/transport/transport_core.h"

namespace etcd::transport {

class OutboundStream : public std::enable_shared_from_this<OutboundStream> {
 public:
  // Preconditions: urls non-empty. Call start() once after construction.
  OutboundStream(std::shared_ptr<TransportCore> core, NodeId peer, std::vector<PeerUrl> urls,
                 Rng rng);

  void start();
  // Queues messages in order (snapshots go to their own sender); overflow is dropped and
  // reported through on_unreachable, once per call.
  void enqueue(std::vector<raft::Message> messages);
  // The next dial uses these; a live connection to a URL not listed is closed.
  void set_urls(std::vector<PeerUrl> urls);
  // The peer just opened a stream to us, so it is up: when waiting to redial after a
  // failure, dial now instead of after the backoff (a restarted member is caught up in
  // milliseconds, not after seconds of grown backoff). A call that lands while a dial is
  // under way (which may yet fail: it began before the peer was up or knew us) makes the
  // loop dial once more at once instead of waiting.
  void redial_now();
  // Drops the queue, closes the connection and ends the dial loop. Idempotent.
  void stop();

 private:
  struct Session;

  awaitable<void> run(std::shared_ptr<OutboundStream> self);
  awaitable<bool> dial_round();
  awaitable<bool> dial(const PeerUrl& url);
  template <typename Ws>
  awaitable<bool> stream_over(std::shared_ptr<Ws> ws, const PeerUrl& url);
  template <typename Ws>
  awaitable<std::string> open(Ws& ws, const PeerUrl& url);
  template <typename Ws>
  awaitable<void> write_loop(Ws& ws, Session& session);
  template <typename Ws>
  awaitable<void> read_loop(std::shared_ptr<OutboundStream> self, std::shared_ptr<Ws> ws,
                            std::shared_ptr<Session> session);

  void accept(std::vector<raft::Message>& messages);
  size_t fill_batch();
  void note_dial_failure(const PeerUrl& url, const std::string& reason);
  std::string name() const;

  const std::shared_ptr<TransportCore> core_;
  const NodeId peer_;
  Strand strand_;
  asio::steady_timer wake_;   // the writer waits here for messages
  asio::steady_timer retry_;  // backoff between dial rounds
  Backoff backoff_;
  std::vector<PeerUrl> urls_;
  size_t next_url_ = 0;
  std::deque<raft::Message> queue_;
  std::string batch_;                    // reused write buffer
  std::function<void()> close_session_;  // set while dialing or connected
  std::string session_url_;
  std::string last_failure_;  // a repeated dial failure is logged once at warn
  bool stopped_ = false;
  bool redial_requested_ = false;  // by redial_now() since the current dial round began
};

}  // namespace etcd::transport
