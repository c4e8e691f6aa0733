// The errors the v3 KV operations return, with etcd 3.4's texts (mvcc's ErrCompacted and
// ErrFutureRev, the etcdserver/rpctypes validation errors). Carried as etcd::Error with
// `code` set to an ErrorCode, so the gRPC layer can pick the status code.
#pragma once

#include <string_view>

#include "etcd/common/result.h"

namespace etcd::mvcc {

enum class ErrorCode : int {
  kCompacted = 1,      // OutOfRange in gRPC
  kFutureRevision,     // OutOfRange
  kKeyNotFound,        // InvalidArgument (put with ignore_value/ignore_lease)
  kEmptyKey,           // InvalidArgument
  kValueProvided,      // InvalidArgument
  kLeaseProvided,      // InvalidArgument
  kTooManyOps,         // InvalidArgument
  kDuplicateKey,       // InvalidArgument
  kInvalidSortOption,  // InvalidArgument
  kLeaseNotFound,      // NotFound
  kLeaseExists,        // FailedPrecondition
  kNoSpace,            // ResourceExhausted: a NOSPACE alarm is raised
};

std::string_view message_of(ErrorCode code);
Error make_error(ErrorCode code);
// Whether `error` is the store's error `code`.
bool is(const Error& error, ErrorCode code);

}  // namespace etcd::mvcc
