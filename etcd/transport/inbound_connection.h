// InboundConnection: one accepted connection on the peer port. On a TLS listener it
// answers plain HTTP with 400 and otherwise completes the TLS handshake (checking the
// client certificate when required); then it reads HTTP/1.1 requests and routes them:
//   GET /raft/stream (WebSocket upgrade) -> admission, then serve_raft_stream
//   POST /raft/snapshot                   -> admission, then receive_snapshot
//   anything else                         -> PeerHandler::on_http (keep-alive)
//
// Threads: runs on the strand of its socket; stop() of the transport closes it through
// the core's registry.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "etcd/transport/beast.h"
#include "etcd/transport/transport_core.h"

namespace etcd::transport {

// What the handler of one routed request needs from its connection.
struct InboundContext {
  std::shared_ptr<TransportCore> core;
  std::string remote;  // "ip:port", for logs
  // Closes whatever object owns the socket now; a handler that moves the stream into a
  // new owner (a WebSocket) points it there, and clears it before that owner dies.
  std::function<void()>& close;
};

using HeaderParser = http::request_parser<http::empty_body>;

class InboundConnection : public std::enable_shared_from_this<InboundConnection> {
 public:
  static void start(std::shared_ptr<TransportCore> core, tcp::socket socket, bool tls);

  InboundConnection(std::shared_ptr<TransportCore> core, asio::any_io_executor executor,
                    std::string remote);

 private:
  awaitable<void> run(std::shared_ptr<InboundConnection> self, tcp::socket socket, bool tls);
  awaitable<void> serve_tls(PlainStream& plain, beast::flat_buffer& buffer);
  template <typename Stream>
  awaitable<void> serve(Stream& stream, beast::flat_buffer& buffer);
  template <typename Stream>
  awaitable<bool> route(Stream& stream, beast::flat_buffer& buffer, HeaderParser& header);
  template <typename Stream>
  awaitable<bool> serve_http(Stream& stream, beast::flat_buffer& buffer, HeaderParser& header);
  Result<NodeId> admit_raft(const HeaderParser& header, std::string_view what);

  const std::shared_ptr<TransportCore> core_;
  const asio::any_io_executor executor_;  // the socket's strand
  const std::string remote_;
  std::function<void()> close_;
};

// Writes a complete response; keep_alive false adds "Connection: close".
template <typename Stream>
awaitable<error_code> write_response(Stream& stream, const PeerHttpResponse& response,
                                     bool keep_alive, std::chrono::milliseconds timeout);

// Takes over the connection as the receiving end of a sender's raft stream; returns when
// it ends. `from` was admitted. Defined in inbound_stream.cc.
template <typename Stream>
awaitable<void> serve_raft_stream(InboundContext& context, Stream& stream,
                                  const http::request<http::empty_body>& request, NodeId from);

// Reads the body of POST /raft/snapshot, verifies it, delivers the message and answers
// 204 (or 4xx with the reason). Defined in snapshot_receiver.cc.
template <typename Stream>
awaitable<void> receive_snapshot(InboundContext& context, Stream& stream,
                                 beast::flat_buffer& buffer, HeaderParser& header, NodeId from);

// Instantiated once, in the .cc file defining each, for both stream types.
extern template awaitable<error_code> write_response(PlainStream&, const PeerHttpResponse&, bool,
                                                     std::chrono::milliseconds);
extern template awaitable<error_code> write_response(TlsStream&, const PeerHttpResponse&, bool,
                                                     std::chrono::milliseconds);
extern template awaitable<void> serve_raft_stream(InboundContext&, PlainStream&,
                                                  const http::request<http::empty_body>&, NodeId);
extern template awaitable<void> serve_raft_stream(InboundContext&, TlsStream&,
                                                  const http::request<http::empty_body>&, NodeId);
extern template awaitable<void> receive_snapshot(InboundContext&, PlainStream&, beast::flat_buffer&,
                                                 HeaderParser&, NodeId);
extern template awaitable<void> receive_snapshot(InboundContext&, TlsStream&, beast::flat_buffer&,
                                                 HeaderParser&, NodeId);

}  // namespace etcd::transport
