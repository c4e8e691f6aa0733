#include "agents/locksmith/lock_client.h"

#include <algorithm>

#include "agents/etcdclient/url.h"

namespace corestack::locksmith {
namespace {

constexpr std::string_view kKeyPrefix = "coreos.com/updateengine/rebootlock";

LockError from_etcd(const etcd::client::Error& e) {
  LockError out;
  using etcd::client::ErrorKind;
  if (e.is(etcd::client::kTestFailed)) {
    out.kind = LockErrorKind::cas_conflict;
  } else if (e.kind == ErrorKind::transport || e.kind == ErrorKind::timeout) {
    out.kind = LockErrorKind::transport;
  } else {
    out.kind = LockErrorKind::etcd;
  }
  out.cause = e;
  out.message = e.to_string();
  return out;
}

LockError from_semaphore(const SemaphoreError& e) {
  LockError out;
  out.kind = e.kind == SemaphoreErrorKind::decode ? LockErrorKind::decode : LockErrorKind::mutation;
  out.mutation = e.kind;
  out.message = e.message;
  return out;
}

}  // namespace

std::string semaphore_key(std::string_view group) {
  if (group.empty()) return std::string(kKeyPrefix) + "/semaphore";
  // Go url.QueryEscape: "prod/db" -> "prod%2Fdb", the literal key name in etcd.
  return std::string(kKeyPrefix) + "/groups/" + etcd::client::query_escape(group) + "/semaphore";
}

LockClient::LockClient(etcd::client::KeysApi& keys, std::string_view group)
    : keys_(keys), key_(semaphore_key(group)) {}

LockResult<void> LockClient::init() {
  auto created = keys_.create(key_, encode_semaphore(initial_semaphore()));
  if (created || created.error().is(etcd::client::kNodeExist)) return Done{};
  return unexpected(from_etcd(created.error()));
}

LockResult<VersionedSemaphore> LockClient::get() {
  auto response = keys_.get(key_);
  if (!response) return unexpected(from_etcd(response.error()));
  auto decoded = decode_semaphore(response->node.value);
  if (!decoded) return unexpected(from_semaphore(decoded.error()));
  return VersionedSemaphore{std::move(*decoded), response->node.modified_index};
}

LockResult<VersionedSemaphore> LockClient::write(const VersionedSemaphore& current,
                                                 const Semaphore& next) {
  etcd::client::SetOptions options;
  options.prev_index = current.modified_index;  // etcd v2 keys API: prevIndex (CAS)
  auto response = keys_.set(key_, encode_semaphore(next), options);
  if (!response) return unexpected(from_etcd(response.error()));
  return VersionedSemaphore{next, response->node.modified_index};
}

LockResult<VersionedSemaphore> LockClient::update(const Mutation& mutate) {
  auto current = get();
  if (!current) return unexpected(current.error());
  auto next = mutate(current->semaphore);
  if (!next) return unexpected(from_semaphore(next.error()));
  return write(*current, *next);
}

LockResult<VersionedSemaphore> LockClient::lock(std::string_view id) {
  return update([id](const Semaphore& s) { return locksmith::lock(s, id); });
}

LockResult<VersionedSemaphore> LockClient::unlock(std::string_view id) {
  return update([id](const Semaphore& s) { return locksmith::unlock(s, id); });
}

LockResult<int64_t> LockClient::set_max(int64_t max) {
  auto current = get();
  if (!current) return unexpected(current.error());
  auto written = write(*current, locksmith::set_max(current->semaphore, max));
  if (!written) return unexpected(written.error());
  return current->semaphore.max;
}

LockResult<Acquired> LockClient::acquire(std::string_view id) {
  auto current = get();
  if (!current) return unexpected(current.error());
  const auto& holders = current->semaphore.holders;
  if (std::find(holders.begin(), holders.end(), id) != holders.end()) {
    return Acquired{.already_held = true};
  }
  auto next = locksmith::lock(current->semaphore, id);
  if (!next) return unexpected(from_semaphore(next.error()));
  auto written = write(*current, *next);
  if (!written) return unexpected(written.error());
  return Acquired{};
}

}  // namespace corestack::locksmith
