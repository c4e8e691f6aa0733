#include "etcd/raft/config.h"

namespace etcd::raft {

Result<void> Config::validate() const {
  if (id == kNoNode) return Error{"cannot use none as id"};
  if (heartbeat_ticks <= 0) return Error{"heartbeat tick must be greater than 0"};
  if (election_ticks <= heartbeat_ticks) {
    return Error{"election tick must be greater than heartbeat tick"};
  }
  if (storage == nullptr) return Error{"storage cannot be nil"};
  if (rng == nullptr) return Error{"rng cannot be nil"};
  if (max_inflight_msgs <= 0) return Error{"max inflight messages must be greater than 0"};
  if (read_only_option == ReadOnlyOption::lease_based && !check_quorum) {
    return Error{"check_quorum must be enabled when read_only_option is lease_based"};
  }
  return Ok{};
}

}  // namespace etcd::raft
