// ETCD_ASSERT: a broken invariant is a bug; abort with context instead of continuing
// with corrupt state. Stays on in release builds (the checks are cheap).
#pragma once

#include <cstdio>
#include <cstdlib>

namespace etcd::detail {
[[noreturn]] inline void assert_failed(const char* expr, const char* file, int line,
                                       const char* msg) {
  std::fprintf(stderr, "ETCD_ASSERT failed: %s (%s) at %s:%d\n", expr, msg, file, line);
  std::fflush(stderr);
  std::abort();
}
}  // namespace etcd::detail

#define ETCD_ASSERT(expr, msg)                                                    \
  do {                                                                            \
    if (!(expr)) ::etcd::detail::assert_failed(#expr, __FILE__, __LINE__, (msg)); \
  } while (0)

// A point control must never reach (the end of a function whose every path returns): a plain
// noreturn call, so the compiler sees no fall-through at any optimisation level.
#define ETCD_UNREACHABLE(msg) \
  ::etcd::detail::assert_failed("unreachable", __FILE__, __LINE__, (msg))
