// The reboot semaphore as locksmith stores it in etcd (docs/locksmith.md "The semaphore"):
// free slots, the configured maximum and the machine IDs holding a slot, as JSON
// byte-compatible with Go's encoding/json of locksmith's lock.Semaphore, plus the three
// mutations every client applies between its GET and its compare-and-swap PUT.
//
// Pure: no I/O, no clock. The etcd modifiedIndex is never part of the value (LockClient
// keeps it). Invariant in normal use: semaphore == max - holders.size(); nothing
// enforces it (set_max may drive `semaphore` negative, as the reference does).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agents/common/go_json.h"
#include "agents/locksmith/expected.h"

namespace corestack::locksmith {

struct Semaphore {
  int64_t semaphore = 0;  // free slots right now (may be negative after set_max)
  int64_t max = 0;        // configured number of simultaneous holders
  // Machine IDs holding a slot; kept sorted by lock/unlock.
  std::vector<std::string> holders;
  // JSON `null` (Go's nil slice: a fresh semaphore, or the field missing) rather than
  // `[]`. Only meaningful while `holders` is empty.
  bool holders_null = true;

  bool operator==(const Semaphore&) const = default;
};

enum class SemaphoreErrorKind {
  exists,     // lock: the holder is already listed ("holder exists", Go lock.ErrExist)
  not_exist,  // unlock: the holder is not listed ("holder does not exist", lock.ErrNotExist)
  full,       // lock: no free slot ("semaphore is at <n>")
  decode,     // the stored value is not a semaphore
};

struct SemaphoreError {
  SemaphoreErrorKind kind = SemaphoreErrorKind::decode;
  std::string message;  // as locksmith prints it, e.g. "semaphore is at 0"
};

using SemaphoreResult = Expected<Semaphore, SemaphoreError>;

// What every client creates when the key is missing: {"semaphore":1,"max":1,"holders":null}.
Semaphore initial_semaphore();

// Go json.Marshal of lock.Semaphore: {"semaphore":<n>,"max":<n>,"holders":null|[...]},
// holders in the given order, strings escaped as Go does (HTML-safe, \u00XX controls).
std::string encode_semaphore(const Semaphore& s);

// Go json.Unmarshal into lock.Semaphore: missing fields keep zero values, unknown fields
// (e.g. "index") are ignored, keys match case-insensitively, `null` holders (or a `null`
// document) are accepted. Errors (kind decode): not JSON, not an object, a field of the
// wrong type or a number that is not an int64.
SemaphoreResult decode_semaphore(std::string_view json);

// Takes a slot for `id`. Errors: full when semaphore <= 0 (checked first, as the
// reference does), exists when `id` is already a holder. Holders are found by linear
// search, so a hand-edited unsorted list works; the result is sorted.
SemaphoreResult lock(const Semaphore& s, std::string_view id);

// Frees the slot of `id`. Error: not_exist when `id` is not a holder. Result sorted.
SemaphoreResult unlock(const Semaphore& s, std::string_view id);

// New maximum `max` (any value): semaphore -= old max - max; holders untouched, so the
// semaphore goes negative when max drops below the holder count. Cannot fail.
Semaphore set_max(const Semaphore& s, int64_t max);

// Go encoding/json string literal (with quotes): agents/common/go_json.h.
using agents::go_json_quote;

}  // namespace corestack::locksmith
