// LockClient: the reboot semaphore in etcd (docs/locksmith.md "The semaphore"), through
// the agents' etcd v2 client. Each mutation is one read-modify-CAS round: GET the key
// (plain read), apply the pure mutation from semaphore.h, PUT with prevIndex = the
// modifiedIndex read. A concurrent writer makes the PUT fail with etcd 101; that comes
// back as an error of kind cas_conflict — there is no retry here (the daemon's lock loop
// retries, locksmithctl reports it).
//
// Borrows a KeysApi (and so its Client); same threading rules: one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "agents/etcdclient/keys_api.h"
#include "agents/etcdclient/result.h"
#include "agents/locksmith/expected.h"
#include "agents/locksmith/semaphore.h"

namespace corestack::locksmith {

// "coreos.com/updateengine/rebootlock/semaphore" for the default group (""), else
// "coreos.com/updateengine/rebootlock/groups/<url.QueryEscape(group)>/semaphore". No
// leading slash, as the reference; etcd treats it as absolute.
std::string semaphore_key(std::string_view group);

enum class LockErrorKind {
  cas_conflict,  // etcd 101: the key changed between our GET and PUT; read again
  mutation,      // the semaphore refused: see `mutation` (full, exists, not_exist)
  decode,        // the stored value is not a semaphore
  etcd,          // another etcd answer (e.g. 100 key not found, 110 unauthorised)
  transport,     // no endpoint answered (or the call timed out)
};

struct LockError {
  LockErrorKind kind = LockErrorKind::etcd;
  SemaphoreErrorKind mutation = SemaphoreErrorKind::decode;  // kinds mutation, decode
  etcd::client::Error cause;                                 // kinds cas_conflict, etcd, transport
  // As locksmith prints it: "semaphore is at 0", "holder exists", or the Go etcd client's
  // text ("101: Compare failed ([3 != 4]) [5]", "client: etcd cluster is unavailable...").
  std::string message;

  // True for a refused mutation of that kind, e.g. is(SemaphoreErrorKind::exists).
  bool is(SemaphoreErrorKind k) const { return kind == LockErrorKind::mutation && mutation == k; }
};

template <typename T>
using LockResult = Expected<T, LockError>;

// The semaphore as read, with the etcd modifiedIndex a CAS must name.
struct VersionedSemaphore {
  Semaphore semaphore;
  uint64_t modified_index = 0;
};

// What acquire() did.
struct Acquired {
  bool already_held = false;  // the id held a slot before; nothing was written
};

class LockClient {
 public:
  LockClient(etcd::client::KeysApi& keys, std::string_view group);

  const std::string& key() const { return key_; }

  // Creates the key with {"semaphore":1,"max":1,"holders":null} unless it exists
  // (prevExist=false; 105 "key exists" is success). Every client does this on connect.
  LockResult<void> init();
  // Plain GET + decode. Errors: etcd (100 when the key is missing), decode, transport.
  LockResult<VersionedSemaphore> get();

  // One read-modify-CAS round with `mutate`; returns what was written and its new index.
  using Mutation = std::function<SemaphoreResult(const Semaphore&)>;
  LockResult<VersionedSemaphore> update(const Mutation& mutate);

  // Takes a slot for `id`. Errors: mutation full ("semaphore is at 0"; checked first),
  // mutation exists ("holder exists"), cas_conflict, and get()'s errors.
  LockResult<VersionedSemaphore> lock(std::string_view id);
  // Frees the slot of `id`. Errors: mutation not_exist ("holder does not exist"), ...
  LockResult<VersionedSemaphore> unlock(std::string_view id);
  // Sets the maximum (any value); returns the previous maximum.
  LockResult<int64_t> set_max(int64_t max);
  // Like lock(), but an id that already holds a slot succeeds without writing even when
  // the semaphore is full (locksmithctl reboot; the reference failed there, locksmith#58).
  LockResult<Acquired> acquire(std::string_view id);

 private:
  LockResult<VersionedSemaphore> write(const VersionedSemaphore& current, const Semaphore& next);

  etcd::client::KeysApi& keys_;
  std::string key_;
};

}  // namespace corestack::locksmith
