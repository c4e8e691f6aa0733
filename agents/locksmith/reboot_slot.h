// EtcdRebootSlot: this machine's place in the cluster's reboot semaphore (lock_client.h),
// as the daemon's RebootSlot. It owns its etcd client (one thread: the daemon's) and
// creates the semaphore if missing before its first mutation, as every locksmith client
// does on connect; a failed create is retried on the next attempt.
#pragma once

#include <memory>
#include <string>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/keys_api.h"
#include "agents/locksmith/daemon.h"
#include "agents/locksmith/lock_client.h"

namespace corestack::locksmith {

class EtcdRebootSlot : public RebootSlot {
 public:
  EtcdRebootSlot(std::unique_ptr<etcd::client::Client> client, std::string group,
                 std::string machine_id);

  SlotAttempt acquire() override;
  SlotAttempt release() override;

 private:
  bool ensure_initialised(SlotAttempt& failure);

  std::unique_ptr<etcd::client::Client> client_;
  etcd::client::KeysApi keys_;
  LockClient lock_;
  std::string machine_id_;
  bool initialised_ = false;
};

}  // namespace corestack::locksmith
