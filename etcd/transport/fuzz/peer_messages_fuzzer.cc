// libFuzzer target: every decoder that reads bytes a peer sent. The first byte picks what
// the rest is:
//   0  a raft stream's WebSocket message: decode_batch (each message through raft's codec);
//      a decoded batch is re-encoded with MessageBatch and must decode to the same messages
//   1  one raft message: raft::decode_message; re-encoded it decodes the same, and it is
//      byte-identical to the input unless the reject flag was not 0/1
//   2  a POST /raft/snapshot body: the length fields (snapshot_body::read_length), the
//      meta message and the data, as snapshot_receiver.cc reads them, then join()
//   3  the identifying headers (X-Etcd-Cluster-ID, X-Server-From, X-Server-To), split on
//      '\n': wire::parse_id round trip and admit()
//   4  raft payloads of entries (conf change, entry, hard state, snapshot metadata) and the
//      member form carried in conf change contexts (server::decode_member)
// Must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "etcd/raft/codec.h"
#include "etcd/server/member.h"
#include "etcd/transport/admission.h"
#include "etcd/transport/message_batch.h"
#include "etcd/transport/snapshot_body.h"
#include "etcd/transport/wire.h"

namespace {

namespace raft = etcd::raft;
namespace transport = etcd::transport;
namespace snapshot_body = etcd::transport::snapshot_body;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

// Offset of the reject flag in raft's message encoding: version, type, six u64.
constexpr size_t kRejectOffset = 1 + 1 + 6 * 8;

void batch(std::string_view bytes) {
  auto decoded = transport::decode_batch(bytes);
  if (!decoded) return;
  std::string out;
  transport::MessageBatch encoder(out);
  for (const auto& m : *decoded)
    encoder.append(m);
  check(encoder.count() == decoded->size());
  check(out.size() == bytes.size());
  auto again = transport::decode_batch(out);
  check(again.ok() && *again == *decoded);
  if (!decoded->empty()) {
    // drop_last() leaves a batch of the others.
    encoder.drop_last();
    auto shorter = transport::decode_batch(out);
    check(shorter.ok() && shorter->size() == decoded->size() - 1);
  }
}

void message(std::string_view bytes) {
  auto decoded = raft::decode_message(bytes);
  if (!decoded) return;
  const std::string out = raft::encode(*decoded);
  check(out.size() == bytes.size());
  auto again = raft::decode_message(out);
  check(again.ok() && *again == *decoded);
  if (out != bytes) {
    // The only spelling the decoder accepts and does not keep: reject as any non-zero byte.
    for (size_t i = 0; i < out.size(); ++i)
      check(out[i] == bytes[i] || i == kRejectOffset);
  }
}

// snapshot_receiver.cc read_snapshot, on a body already in memory.
void snapshot(std::string_view body) {
  if (body.size() < snapshot_body::kMetaLengthBytes) return;
  const uint64_t meta_length = snapshot_body::read_length(body.substr(0, 4));
  if (meta_length > snapshot_body::kMetaBytesMax) return;
  body.remove_prefix(4);
  if (body.size() < meta_length + snapshot_body::kDataLengthBytes) return;
  const std::string_view meta = body.substr(0, meta_length);
  body.remove_prefix(meta_length);
  const uint64_t data_length = snapshot_body::read_length(body.substr(0, 8));
  body.remove_prefix(8);
  const uint64_t prefix = 4 + meta_length + 8;
  if (data_length > body.size()) return;
  check(snapshot_body::total_bytes(prefix, data_length) >= prefix);
  auto joined = snapshot_body::join(meta, std::string(body.substr(0, data_length)));
  if (!joined) return;
  check(joined->type == raft::MessageType::snapshot && joined->snapshot);
  check(joined->snapshot->data.size() == data_length);
  // The sender's split() of the decoded message gives back the same prefix and data (up
  // to the reject spelling, see message()). join() ignores data the meta's own snapshot
  // carries (a sender always empties it), so the prefix is shorter by that much.
  const size_t ignored = raft::decode_message(meta)->snapshot->data.size();
  raft::Message copy = *joined;
  std::string data;
  const std::string again = snapshot_body::split(copy, data);
  check(data == body.substr(0, data_length));
  check(again.size() == prefix - ignored);
  check(snapshot_body::read_length(std::string_view(again).substr(0, 4)) == meta_length - ignored);
  check(snapshot_body::read_length(std::string_view(again).substr(again.size() - 8, 8)) ==
        data_length);
}

void headers(std::string_view bytes) {
  std::string_view fields[3];
  for (auto& f : fields) {
    const size_t eol = bytes.find('\n');
    f = bytes.substr(0, eol);
    bytes = eol == std::string_view::npos ? std::string_view() : bytes.substr(eol + 1);
  }
  for (const auto& f : fields) {
    auto id = transport::wire::parse_id(f);
    if (!id) continue;
    check(f.size() >= 1 && f.size() <= 16);
    check(transport::wire::parse_id(transport::wire::format_id(*id)) == id);
    check(transport::wire::format_id(*id).size() == 16);
  }
  const transport::PeerHeaders h{fields[0], fields[1], fields[2]};
  const transport::LocalIdentity local{0xcdf818194e3a8c32, etcd::NodeId{0x8e9e05c52164694d}};
  auto admitted = transport::admit(h, local, [](etcd::NodeId id) {
    if (id.value % 3 == 0) return transport::SenderStatus::member;
    if (id.value % 3 == 1) return transport::SenderStatus::removed;
    return transport::SenderStatus::unknown;
  });
  if (admitted) {
    check(admitted->value % 3 == 0);
    check(transport::wire::parse_id(fields[0]) == local.cluster_id);
    check(transport::wire::parse_id(fields[2]) == local.member_id.value);
  } else {
    const int code = admitted.error().code;
    check(code == transport::kStatusBadRequest || code == transport::kStatusForbidden ||
          code == transport::kStatusPreconditionFailed || code == transport::kStatusGone);
  }
}

template <typename Decode>
void roundtrip(std::string_view bytes, Decode decode) {
  auto decoded = decode(bytes);
  if (!decoded) return;
  const std::string out = raft::encode(*decoded);
  auto again = decode(out);
  check(again.ok() && *again == *decoded);
  check(out == bytes);  // every field is kept as spelled
}

void payloads(std::string_view bytes) {
  roundtrip(bytes, raft::decode_conf_change);
  roundtrip(bytes, raft::decode_entry);
  roundtrip(bytes, raft::decode_hard_state);
  roundtrip(bytes, raft::decode_snapshot_metadata);
  auto member = etcd::server::decode_member(bytes);
  if (member) {
    std::string out;
    etcd::server::encode(*member, out);
    auto again = etcd::server::decode_member(out);
    check(again.ok() && *again == *member);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (spdlog::set_level(spdlog::level::off), true);
  (void)quiet;
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      batch(bytes);
      break;
    case 1:
      message(bytes);
      break;
    case 2:
      snapshot(bytes);
      break;
    case 3:
      headers(bytes);
      break;
    case 4:
      payloads(bytes);
      break;
  }
  return 0;
}
