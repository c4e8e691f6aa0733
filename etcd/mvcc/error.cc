#include "etcd/mvcc/error.h"

#include <string>

namespace etcd::mvcc {

std::string_view message_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCompacted:
      return "mvcc: required revision has been compacted";
    case ErrorCode::kFutureRevision:
      return "mvcc: required revision is a future revision";
    case ErrorCode::kKeyNotFound:
      return "etcdserver: key not found";
    case ErrorCode::kEmptyKey:
      return "etcdserver: key is not provided";
    case ErrorCode::kValueProvided:
      return "etcdserver: value is provided";
    case ErrorCode::kLeaseProvided:
      return "etcdserver: lease is provided";
    case ErrorCode::kTooManyOps:
      return "etcdserver: too many operations in txn request";
    case ErrorCode::kDuplicateKey:
      return "etcdserver: duplicate key given in txn request";
    case ErrorCode::kInvalidSortOption:
      return "etcdserver: invalid sort option";
    case ErrorCode::kLeaseNotFound:
      return "etcdserver: requested lease not found";
    case ErrorCode::kLeaseExists:
      return "etcdserver: lease already exists";
    case ErrorCode::kNoSpace:
      return "etcdserver: mvcc: database space exceeded";
  }
  return "mvcc: unknown error";
}

Error make_error(ErrorCode code) {
  return Error{std::string(message_of(code)), static_cast<int>(code)};
}

bool is(const Error& error, ErrorCode code) {
  return error.code == static_cast<int>(code);
}

}  // namespace etcd::mvcc
