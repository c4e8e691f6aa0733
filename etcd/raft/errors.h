// Error codes (in etcd::Error::code) that RawNode calls return.
#pragma once

namespace etcd::raft {

enum NodeErrorCode : int {
  kErrProposalDropped = 10,    // no leader known, leadership transfer pending, or over quota
  kErrStepLocalMsg = 11,       // a local-only message type arrived from the network
  kErrStepPeerNotFound = 12,   // response from a node not in the configuration
  kErrConfChangePending = 13,  // this leader already has an unapplied conf change
};

}  // namespace etcd::raft
