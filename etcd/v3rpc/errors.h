// The v3 API's error texts, exactly as etcd 3.4 sends them (etcdserver/api/v3rpc/rpctypes),
// grouped by the gRPC code to_status() (convert.h) gives them. Server code reports a
// failure as etcd::Error{std::string(<one of these>)}; clients match on the text, so it
// must not change.
#pragma once

#include <string_view>

namespace etcd::v3rpc::errors {

// INVALID_ARGUMENT
inline constexpr std::string_view kEmptyKey = "etcdserver: key is not provided";
inline constexpr std::string_view kKeyNotFound = "etcdserver: key not found";
inline constexpr std::string_view kValueProvided = "etcdserver: value is provided";
inline constexpr std::string_view kLeaseProvided = "etcdserver: lease is provided";
inline constexpr std::string_view kTooManyOps = "etcdserver: too many operations in txn request";
inline constexpr std::string_view kDuplicateKey = "etcdserver: duplicate key given in txn request";
// Not in etcd 3.4 (3.5's text): the store's answer to a sort enum out of range.
inline constexpr std::string_view kInvalidSortOption = "etcdserver: invalid sort option";
inline constexpr std::string_view kMemberBadURLs = "etcdserver: given member URLs are invalid";
inline constexpr std::string_view kRequestTooLarge = "etcdserver: request is too large";
inline constexpr std::string_view kUserEmpty = "etcdserver: user name is empty";
inline constexpr std::string_view kRoleEmpty = "etcdserver: role name is empty";
inline constexpr std::string_view kAuthFailed =
    "etcdserver: authentication failed, invalid user ID or password";
inline constexpr std::string_view kInvalidAuthMgmt = "etcdserver: invalid auth management";
inline constexpr std::string_view kAuthOldRevision = "etcdserver: revision of auth store is old";

// OUT_OF_RANGE
inline constexpr std::string_view kCompacted =
    "etcdserver: mvcc: required revision has been compacted";
inline constexpr std::string_view kFutureRev =
    "etcdserver: mvcc: required revision is a future revision";
inline constexpr std::string_view kLeaseTTLTooLarge = "etcdserver: too large lease TTL";

// NOT_FOUND
inline constexpr std::string_view kLeaseNotFound = "etcdserver: requested lease not found";
inline constexpr std::string_view kMemberNotFound = "etcdserver: member not found";

// FAILED_PRECONDITION
inline constexpr std::string_view kLeaseExist = "etcdserver: lease already exists";
inline constexpr std::string_view kMemberExist = "etcdserver: member ID already exist";
inline constexpr std::string_view kPeerURLExist = "etcdserver: Peer URLs already exists";
inline constexpr std::string_view kMemberNotEnoughStarted =
    "etcdserver: re-configuration failed due to not enough started members";
inline constexpr std::string_view kMemberNotLearner =
    "etcdserver: can only promote a learner member";
inline constexpr std::string_view kLearnerNotReady =
    "etcdserver: can only promote a learner member which is in sync with leader";
inline constexpr std::string_view kTooManyLearners =
    "etcdserver: too many learner members in cluster";
inline constexpr std::string_view kRootUserNotExist = "etcdserver: root user does not exist";
inline constexpr std::string_view kRootRoleNotExist =
    "etcdserver: root user does not have root role";
inline constexpr std::string_view kUserAlreadyExist = "etcdserver: user name already exists";
inline constexpr std::string_view kUserNotFound = "etcdserver: user name not found";
inline constexpr std::string_view kRoleAlreadyExist = "etcdserver: role name already exists";
inline constexpr std::string_view kRoleNotFound = "etcdserver: role name not found";
inline constexpr std::string_view kRoleNotGranted = "etcdserver: role is not granted to the user";
inline constexpr std::string_view kPermissionNotGranted =
    "etcdserver: permission is not granted to the role";
inline constexpr std::string_view kAuthNotEnabled = "etcdserver: authentication is not enabled";
inline constexpr std::string_view kNotLeader = "etcdserver: not leader";
inline constexpr std::string_view kBadLeaderTransferee = "etcdserver: bad leader transferee";

// RESOURCE_EXHAUSTED
inline constexpr std::string_view kNoSpace = "etcdserver: mvcc: database space exceeded";
inline constexpr std::string_view kTooManyRequests = "etcdserver: too many requests";

// UNAVAILABLE
inline constexpr std::string_view kNoLeader = "etcdserver: no leader";
inline constexpr std::string_view kLeaderChanged = "etcdserver: leader changed";
inline constexpr std::string_view kNotCapable = "etcdserver: not capable";
inline constexpr std::string_view kStopped = "etcdserver: server stopped";
inline constexpr std::string_view kTimeout = "etcdserver: request timed out";
inline constexpr std::string_view kTimeoutDueToLeaderFail =
    "etcdserver: request timed out, possibly due to previous leader failure";
inline constexpr std::string_view kTimeoutDueToConnectionLost =
    "etcdserver: request timed out, possibly due to connection lost";
inline constexpr std::string_view kTimeoutWaitAppliedIndex =
    "etcdserver: request timed out, waiting for the applied index took too long";
inline constexpr std::string_view kUnhealthy = "etcdserver: unhealthy cluster";
inline constexpr std::string_view kNotSupportedForLearner =
    "etcdserver: rpc not supported for learner";

// PERMISSION_DENIED
inline constexpr std::string_view kPermissionDenied = "etcdserver: permission denied";

// UNAUTHENTICATED
inline constexpr std::string_view kInvalidAuthToken = "etcdserver: invalid auth token";

// CANCELLED
inline constexpr std::string_view kWatchCanceled = "etcdserver: watch canceled";

// DATA_LOSS
inline constexpr std::string_view kCorrupt = "etcdserver: corrupt cluster";

}  // namespace etcd::v3rpc::errors
