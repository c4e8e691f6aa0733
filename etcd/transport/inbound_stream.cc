// The receiving end of a raft stream (see inbound_connection.h): accept the WebSocket,
// then read batches and deliver their messages in order until the sender goes away, the
// sender stops being a member, or the transport stops.
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "etcd/transport/dial.h"
#include "etcd/transport/inbound_connection.h"
#include "etcd/transport/message_batch.h"
#include "etcd/transport/outbound_stream.h"
#include "etcd/transport/wire.h"

namespace etcd::transport {
namespace {

namespace websocket = beast::websocket;

std::string_view as_view(const beast::flat_buffer& buffer) {
  const auto data = buffer.data();
  return {static_cast<const char*>(data.data()), data.size()};
}

// Delivers one batch; a message not from the admitted sender or not for us is dropped (a
// member may not speak for another). Returns an error only for an undecodable batch.
Result<void> deliver_batch(TransportCore& core, std::string_view bytes, NodeId from) {
  auto batch = decode_batch(bytes);
  if (!batch) return batch.error();
  StatsCounters::add(core.counters().batches_received);
  const NodeId self = core.options().local_id;
  for (auto& message : *batch) {
    if (message.from != from || message.to != self) {
      spdlog::warn("peer {}: dropped a {} message claiming from {} to {}",
                   wire::format_id(from.value), raft::to_string(message.type),
                   wire::format_id(message.from.value), wire::format_id(message.to.value));
      continue;
    }
    StatsCounters::add(core.counters().messages_received);
    core.deliver(std::move(message));
  }
  return Ok{};
}

template <typename Ws>
awaitable<std::string> read_batches(TransportCore& core, Ws& ws, NodeId from) {
  beast::flat_buffer buffer;
  error_code ec;
  for (;;) {
    co_await ws.async_read(buffer, with_ec(ec));
    if (ec == websocket::error::closed) co_return "closed by peer";
    if (ec) co_return describe(ec);
    if (core.stopped()) co_return "transport stopped";
    if (!core.is_member(from)) co_return "sender is no longer a member";
    auto delivered = deliver_batch(core, as_view(buffer), from);
    buffer.consume(buffer.size());
    if (!delivered) {
      co_await ws.async_close(websocket::close_code::policy_error, with_ec(ec));
      co_return "bad batch: " + delivered.error().message;
    }
  }
}

}  // namespace

template <typename Stream>
awaitable<void> serve_raft_stream(InboundContext& context, Stream& stream,
                                  const http::request<http::empty_body>& request, NodeId from) {
  const Options& options = context.core->options();
  websocket::stream<Stream> ws(std::move(stream));
  context.close = [&ws] { beast::get_lowest_layer(ws).close(); };
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(websocket::stream_base::timeout{options.io_timeout, options.idle_timeout,
                                                /*keep_alive_pings=*/true});
  ws.read_message_max(options.stream_message_bytes_max);
  error_code ec;
  co_await ws.async_accept(request, with_ec(ec));
  const std::string peer = "peer " + wire::format_id(from.value);
  if (ec) {
    spdlog::warn("{}: raft stream handshake from {} failed: {}", peer, context.remote,
                 describe(ec));
  } else {
    spdlog::info("{}: raft stream from {} accepted", peer, context.remote);
    if (auto back = context.core->find_peer(from)) back->redial_now();
    const std::string reason = co_await read_batches(*context.core, ws, from);
    spdlog::info("{}: raft stream from {} ended: {}", peer, context.remote, reason);
  }
  context.close = nullptr;
}

template awaitable<void> serve_raft_stream(InboundContext&, PlainStream&,
                                           const http::request<http::empty_body>&, NodeId);
template awaitable<void> serve_raft_stream(InboundContext&, TlsStream&,
                                           const http::request<http::empty_body>&, NodeId);

}  // namespace etcd::transport
