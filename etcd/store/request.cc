#include "etcd/store/request.h"

#include "etcd/common/bytes.h"

namespace etcd::store {
namespace {

constexpr uint8_t kRequestFormat = 1;
constexpr uint8_t kFlagDir = 1;
constexpr uint8_t kFlagRecursive = 2;
constexpr uint8_t kFlagSorted = 4;
constexpr uint8_t kFlagRefresh = 8;
constexpr uint8_t kFlagKnown = kFlagDir | kFlagRecursive | kFlagSorted | kFlagRefresh;

// prevExist on the wire: 0 = unset, 1 = false, 2 = true.
uint8_t encode_tristate(std::optional<bool> v) {
  return v ? (*v ? 2 : 1) : 0;
}

bool has_compare(const Request& r) {
  return r.prev_index.value > 0 || !r.prev_value.empty();
}

}  // namespace

Operation operation_of(const Request& r) {
  switch (r.method) {
    case Method::get:
      return Operation::get;
    case Method::post:
      return Operation::create_in_order;
    case Method::sync:
      return Operation::sync;
    case Method::remove:
      return has_compare(r) ? Operation::compare_and_delete : Operation::remove;
    case Method::put:
      if (r.prev_exist) {
        if (!*r.prev_exist) return Operation::create;
        return has_compare(r) ? Operation::compare_and_swap : Operation::update;
      }
      return has_compare(r) ? Operation::compare_and_swap : Operation::set;
  }
  return Operation::get;
}

void encode(const Request& r, std::string& out) {
  ByteWriter w(out);
  w.u8(kRequestFormat);
  w.u8(static_cast<uint8_t>(r.method));
  w.u64(r.id);
  w.bytes(r.path);
  w.bytes(r.value);
  uint8_t flags = (r.dir ? kFlagDir : 0) | (r.recursive ? kFlagRecursive : 0) |
                  (r.sorted ? kFlagSorted : 0) | (r.refresh ? kFlagRefresh : 0);
  w.u8(flags);
  w.u8(encode_tristate(r.prev_exist));
  w.bytes(r.prev_value);
  w.u64(r.prev_index.value);
  w.u64(static_cast<uint64_t>(r.expiration_ns));
  w.u64(static_cast<uint64_t>(r.time_ns));
}

std::string encode(const Request& request) {
  std::string out;
  encode(request, out);
  return out;
}

Result<Request> decode_request(std::string_view in) {
  ByteReader rd(in);
  Request r;
  uint8_t version = 0, method = 0, flags = 0, prev_exist = 0;
  uint64_t expiration = 0, time = 0;
  if (!rd.u8(version) || version != kRequestFormat) return Error{"request: bad format version"};
  if (!rd.u8(method) || method > static_cast<uint8_t>(Method::sync)) {
    return Error{"request: bad method"};
  }
  r.method = static_cast<Method>(method);
  if (!rd.u64(r.id) || !rd.bytes(r.path) || !rd.bytes(r.value)) {
    return Error{"request: truncated"};
  }
  if (!rd.u8(flags) || (flags & ~kFlagKnown) != 0) return Error{"request: bad flags"};
  r.dir = (flags & kFlagDir) != 0;
  r.recursive = (flags & kFlagRecursive) != 0;
  r.sorted = (flags & kFlagSorted) != 0;
  r.refresh = (flags & kFlagRefresh) != 0;
  if (!rd.u8(prev_exist) || prev_exist > 2) return Error{"request: bad prevExist"};
  if (prev_exist != 0) r.prev_exist = prev_exist == 2;
  if (!rd.bytes(r.prev_value) || !rd.u64(r.prev_index.value) || !rd.u64(expiration) ||
      !rd.u64(time)) {
    return Error{"request: truncated"};
  }
  r.expiration_ns = static_cast<int64_t>(expiration);
  r.time_ns = static_cast<int64_t>(time);
  if (!rd.at_end()) return Error{"request: trailing bytes"};
  if (r.method != Method::sync && (r.path.empty() || r.path[0] != '/')) {
    return Error{"request: path must start with '/'"};
  }
  return r;
}

}  // namespace etcd::store
