// Coalescing a watch fan-out per connection. gRPC C++ writes each stream's message to its
// socket at once, one TCP packet per event: a put seen by 1000 watchers over 12 connections
// is 1000 packets (and as many wake-ups of the receivers), where grpc-go's writer
// coalesces a connection's frames. Around one apply's notification (WatchHub::notify) the
// member opens a Batch; a connection about to get its second message in the batch is
// corked (TCP_CORK), so the rest of its messages leave as full packets when the batch ends
// and uncorks it. A connection with a single message is left alone (corking it would cost
// two syscalls and save nothing).
//
// Connections are known by descriptor: gRPC names a connection adopted from a descriptor
// "fd:<n>" (its peer string), which is how a watch stream learns its own. A stream keeps
// its connection open, so the number is live while the stream is; the one race (the
// connection closed, the number reused, the stream's end not yet run) corks and uncorks an
// unrelated descriptor within one batch, which changes only when its bytes leave.
#pragma once

#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace etcd::v3rpc {

class WatchBatching {
 public:
  // Ends the batch it began: uncorks what it corked. From the thread that began it.
  class Batch {
   public:
    explicit Batch(WatchBatching* owner) : owner_(owner) {}
    Batch(Batch&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    Batch& operator=(Batch&&) = delete;
    ~Batch();

   private:
    WatchBatching* owner_;
  };

  // The descriptor in gRPC's peer string "fd:<n>"; -1 for any other peer (the in-process
  // channel, a listening port of gRPC's own).
  static int descriptor_of(std::string_view grpc_peer);

  // Batches do not nest; notifications come from one thread (the member's strand).
  Batch begin();
  // A watch stream on `fd` is about to write a message (any thread).
  void before_write(int fd);

 private:
  void end();

  std::mutex mutex_;
  bool active_ = false;
  std::unordered_map<int, int> writes_;  // in this batch, by descriptor
  std::vector<int> corked_;
};

}  // namespace etcd::v3rpc
