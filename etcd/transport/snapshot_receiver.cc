// The receiving end of POST /raft/snapshot (see inbound_connection.h and snapshot_body.h):
// the body is read straight into the snapshot's final buffer, hashed as it arrives,
// verified, and the message delivered whole. One allocation of the data size; no copy of
// the data after the socket buffer.
#include <cstring>
#include <optional>

#include "etcd/transport/dial.h"
#include "etcd/transport/inbound_connection.h"
#include "etcd/transport/sha256.h"
#include "etcd/transport/snapshot_body.h"
#include "etcd/transport/wire.h"

namespace etcd::transport {
namespace {

using BodyParser = http::request_parser<http::buffer_body>;

// Reads exactly `size` body bytes into `out` and adds them to the checksum.
template <typename Stream>
awaitable<error_code> read_exactly(Stream& stream, beast::flat_buffer& buffer, BodyParser& parser,
                                   char* out, size_t size, Sha256& checksum,
                                   std::chrono::milliseconds timeout) {
  auto& body = parser.get().body();
  error_code ec;
  size_t done = 0;
  while (done < size) {
    if (parser.is_done()) co_return http::error::partial_message;
    body.data = out + done;
    body.size = size - done;
    beast::get_lowest_layer(stream).expires_after(timeout);
    co_await http::async_read_some(stream, buffer, parser, with_ec(ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return ec;
    done = size - body.size;
  }
  checksum.update({out, size});
  co_return ec;
}

// The body, read and checked; the error is a reason for the sender.
template <typename Stream>
awaitable<Result<raft::Message>> read_snapshot(TransportCore& core, Stream& stream,
                                               beast::flat_buffer& buffer, BodyParser& parser) {
  const Options& options = core.options();
  const auto timeout = options.io_timeout;
  const uint64_t content_length = parser.content_length().value_or(0);
  Sha256 checksum;
  char field[8];
  error_code ec = co_await read_exactly(stream, buffer, parser, field, 4, checksum, timeout);
  const uint64_t meta_length = ec ? 0 : snapshot_body::read_length({field, 4});
  if (ec || meta_length > snapshot_body::kMetaBytesMax) co_return Error{"bad meta length"};
  std::string meta(meta_length, '\0');
  ec = co_await read_exactly(stream, buffer, parser, meta.data(), meta.size(), checksum, timeout);
  if (!ec) ec = co_await read_exactly(stream, buffer, parser, field, 8, checksum, timeout);
  if (ec) co_return Error{"reading meta: " + describe(ec)};
  const uint64_t data_length = snapshot_body::read_length({field, 8});
  const uint64_t prefix_length = 4 + meta_length + 8;
  if (data_length > options.snapshot_bytes_max ||
      snapshot_body::total_bytes(prefix_length, data_length) != content_length) {
    co_return Error{"snapshot of " + std::to_string(data_length) +
                    " bytes does not fit the body or the limit"};
  }
  std::string data(data_length, '\0');
  ec = co_await read_exactly(stream, buffer, parser, data.data(), data.size(), checksum, timeout);
  Sha256 unused;
  Sha256::Digest sent{};
  if (!ec) {
    ec = co_await read_exactly(stream, buffer, parser, reinterpret_cast<char*>(sent.data()),
                               sent.size(), unused, timeout);
  }
  if (ec) co_return Error{"reading data: " + describe(ec)};
  if (checksum.finish() != sent) co_return Error{"snapshot checksum mismatch"};
  co_return snapshot_body::join(meta, std::move(data));
}

PeerHttpResponse answer(unsigned status, std::string body) {
  return PeerHttpResponse{.status = status, .content_type = "text/plain", .body = body};
}

}  // namespace

template <typename Stream>
awaitable<void> receive_snapshot(InboundContext& context, Stream& stream,
                                 beast::flat_buffer& buffer, HeaderParser& header, NodeId from) {
  TransportCore& core = *context.core;
  const std::string peer = "peer " + wire::format_id(from.value);
  BodyParser parser{std::move(header)};
  // Beast reads at most the buffer's free capacity (>= 512 bytes) per call; give it room
  // for its 64 KiB maximum, or a 100 MB body takes 200,000 reads.
  buffer.reserve(buffer.size() + (64 << 10));
  parser.body_limit(core.options().snapshot_bytes_max + snapshot_body::kMetaBytesMax + 64);
  auto message = co_await read_snapshot(core, stream, buffer, parser);
  if (message && (message->from != from || message->to != core.options().local_id)) {
    message = Error{"snapshot message is not from the sender or not for this member"};
  }
  PeerHttpResponse response = answer(204, "");
  if (!message) {
    spdlog::warn("{}: snapshot from {} rejected: {}", peer, context.remote,
                 message.error().message);
    response = answer(400, message.error().message + "\n");
  } else {
    spdlog::info("{}: received snapshot at index {} ({} bytes)", peer,
                 message->snapshot->metadata.index.value, message->snapshot->data.size());
    StatsCounters::add(core.counters().snapshots_received);
    StatsCounters::add(core.counters().messages_received);
    core.deliver(std::move(*message));
  }
  co_await write_response(stream, response, false, core.options().io_timeout);
}

template awaitable<void> receive_snapshot(InboundContext&, PlainStream&, beast::flat_buffer&,
                                          HeaderParser&, NodeId);
template awaitable<void> receive_snapshot(InboundContext&, TlsStream&, beast::flat_buffer&,
                                          HeaderParser&, NodeId);

}  // namespace etcd::transport
