#include "etcd/transport/outbound_stream.h"

#include <algorithm>
#include <type_traits>

#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "etcd/transport/dial.h"
#include "etcd/transport/message_batch.h"
#include "etcd/transport/snapshot_sender.h"
#include "etcd/transport/wire.h"

namespace etcd::transport {

namespace websocket = beast::websocket;

namespace {

// Bytes masked per syscall on the client side of a WebSocket (Beast's default is 4 KiB,
// which would split a batch into many small writes).
constexpr size_t kWriteBufferBytes = 256 << 10;

std::string clipped(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (text.size() > 200) text.resize(200);
  return text;
}

}  // namespace

struct OutboundStream::Session {
  bool broken = false;
  std::string reason;  // why it ended, for the log
};

OutboundStream::OutboundStream(std::shared_ptr<TransportCore> core, NodeId peer,
                               std::vector<PeerUrl> urls, Rng rng)
    : core_(std::move(core)),
      peer_(peer),
      strand_(asio::make_strand(core_->io())),
      wake_(strand_),
      retry_(strand_),
      backoff_(core_->options().backoff_initial, core_->options().backoff_max, rng),
      urls_(std::move(urls)) {}

void OutboundStream::start() {
  spawn(strand_, run(shared_from_this()), "outbound stream");
}

void OutboundStream::enqueue(std::vector<raft::Message> messages) {
  asio::post(strand_, [self = shared_from_this(), messages = std::move(messages)]() mutable {
    self->accept(messages);
  });
}

void OutboundStream::set_urls(std::vector<PeerUrl> urls) {
  asio::post(strand_, [self = shared_from_this(), urls = std::move(urls)]() mutable {
    self->urls_ = std::move(urls);
    self->next_url_ = 0;
    const std::string& current = self->session_url_;
    const bool still_listed = std::any_of(self->urls_.begin(), self->urls_.end(),
                                          [&](const PeerUrl& u) { return u.raw == current; });
    if (!current.empty() && !still_listed) self->close_session_();
  });
}

void OutboundStream::redial_now() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->stopped_ || !self->session_url_.empty()) return;
    self->redial_requested_ = true;
    self->backoff_.reset();
    self->retry_.cancel();
  });
}

void OutboundStream::stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->queue_.clear();
    self->wake_.cancel();
    self->retry_.cancel();
    if (self->close_session_) self->close_session_();
  });
}

std::string OutboundStream::name() const {
  return "peer " + wire::format_id(peer_.value);
}

void OutboundStream::accept(std::vector<raft::Message>& messages) {
  if (stopped_) {  // removed meanwhile: raft still waits for the outcome of a snapshot
    for (const auto& message : messages) {
      if (message.type == raft::MessageType::snapshot) core_->report_snapshot(peer_, false);
    }
    return;
  }
  const size_t limit = core_->options().queue_messages_max;
  size_t dropped = 0;
  for (auto& message : messages) {
    if (message.type == raft::MessageType::snapshot) {
      SnapshotSender::start(core_, peer_, urls_, std::move(message));
    } else if (queue_.size() >= limit) {
      ++dropped;
    } else {
      queue_.push_back(std::move(message));
    }
  }
  if (dropped > 0) {
    StatsCounters::add(core_->counters().messages_dropped, dropped);
    spdlog::debug("{}: queue full ({} messages), dropped {}", name(), limit, dropped);
    core_->report_unreachable(peer_);
  }
  wake_.cancel();
}

// `self` keeps this stream alive for as long as the loop runs.
awaitable<void> OutboundStream::run([[maybe_unused]] std::shared_ptr<OutboundStream> self) {
  error_code ec;
  while (!stopped_) {
    redial_requested_ = false;
    const bool streamed = co_await dial_round();
    if (stopped_) break;
    if (!streamed && !queue_.empty()) core_->report_unreachable(peer_);
    if (redial_requested_) continue;  // the peer showed it is up while we dialed
    retry_.expires_after(backoff_.next());
    co_await retry_.async_wait(with_ec(ec));
  }
  queue_.clear();
}

// Tries each URL once, starting with the one that worked last. True when a stream was
// established (and has ended since).
awaitable<bool> OutboundStream::dial_round() {
  for (size_t attempt = 0; attempt < urls_.size() && !stopped_; ++attempt) {
    const size_t index = (next_url_ + attempt) % urls_.size();
    const PeerUrl url = urls_[index];  // a copy: set_urls may run while we wait
    if (co_await dial(url)) {
      next_url_ = index;
      co_return true;
    }
  }
  co_return false;
}

awaitable<bool> OutboundStream::dial(const PeerUrl& url) {
  bool streamed = false;
  if (!url.tls) {
    auto ws = std::make_shared<websocket::stream<PlainStream>>(strand_);
    streamed = co_await stream_over(std::move(ws), url);
  } else if (core_->client_tls() != nullptr) {
    auto ws = std::make_shared<websocket::stream<TlsStream>>(strand_, *core_->client_tls());
    streamed = co_await stream_over(std::move(ws), url);
  } else {
    note_dial_failure(url, "https peer URL but no peer TLS configuration");
  }
  close_session_ = nullptr;
  co_return streamed;
}

void OutboundStream::note_dial_failure(const PeerUrl& url, const std::string& reason) {
  if (stopped_) return;
  StatsCounters::add(core_->counters().dial_failures);
  std::string line = name() + ": cannot open stream to " + url.raw + ": " + reason;
  if (line == last_failure_) {
    spdlog::debug("{}", line);
    return;
  }
  spdlog::warn("{}", line);
  last_failure_ = std::move(line);
}

// Connects, then runs the session: one writer (this coroutine) and one reader (for pings,
// pongs and close frames) until either fails. True when the stream was established.
template <typename Ws>
awaitable<bool> OutboundStream::stream_over(std::shared_ptr<Ws> ws, const PeerUrl& url) {
  // stop() may abort the dial as well as the session.
  close_session_ = [ws] { beast::get_lowest_layer(*ws).close(); };
  const std::string failure = co_await open(*ws, url);
  if (!failure.empty()) {
    note_dial_failure(url, failure);
    co_return false;
  }
  auto session = std::make_shared<Session>();
  session_url_ = url.raw;
  last_failure_.clear();
  backoff_.reset();
  StatsCounters::add(core_->counters().streams_connected);
  spdlog::info("{}: stream connected to {}", name(), url.raw);
  spawn(strand_, read_loop(shared_from_this(), ws, session), "outbound stream reader");
  co_await write_loop(*ws, *session);
  close_session_();
  session_url_.clear();
  if (!stopped_) {
    spdlog::warn("{}: stream to {} lost: {}", name(), url.raw, session->reason);
    core_->report_unreachable(peer_);
  }
  co_return true;
}

// TCP connect, TLS handshake (https), WebSocket handshake to /raft/stream with our
// identifying headers. Returns "" on success, else why not (a refusal carries the
// receiver's status and message).
template <typename Ws>
awaitable<std::string> OutboundStream::open(Ws& ws, const PeerUrl& url) {
  const Options& options = core_->options();
  error_code ec = co_await connect_tcp(beast::get_lowest_layer(ws), url, options.dial_timeout);
  if constexpr (std::is_same_v<typename Ws::next_layer_type, TlsStream>) {
    if (!ec) ec = co_await handshake_tls_client(ws.next_layer(), url, options.dial_timeout);
  }
  if (ec) co_return describe(ec);
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(websocket::stream_base::timeout{options.dial_timeout, options.idle_timeout,
                                                /*keep_alive_pings=*/true});
  ws.set_option(websocket::stream_base::decorator(
      [cluster = options.cluster_id, from = options.local_id, to = peer_](auto& request) {
        request.set(to_beast(wire::kClusterIdHeader), wire::format_id(cluster));
        request.set(to_beast(wire::kFromHeader), wire::format_id(from.value));
        request.set(to_beast(wire::kToHeader), wire::format_id(to.value));
      }));
  ws.binary(true);
  ws.auto_fragment(false);
  ws.write_buffer_bytes(kWriteBufferBytes);
  websocket::response_type response;
  co_await ws.async_handshake(response, url.authority(), std::string(wire::kStreamPath),
                              with_ec(ec));
  if (ec == websocket::error::upgrade_declined) {
    if (response.result_int() == kStatusGone) core_->report_removed(peer_);
    co_return "refused: " + std::to_string(response.result_int()) + " " + clipped(response.body());
  }
  co_return ec ? describe(ec) : std::string();
}

template <typename Ws>
awaitable<void> OutboundStream::write_loop(Ws& ws, Session& session) {
  error_code ec;
  while (!stopped_ && !session.broken) {
    if (queue_.empty()) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(with_ec(ec));
      continue;
    }
    const size_t count = fill_batch();
    if (count == 0) continue;
    co_await ws.async_write(asio::buffer(batch_), with_ec(ec));
    if (ec) {
      StatsCounters::add(core_->counters().messages_dropped, count);
      session.broken = true;
      session.reason = "write: " + describe(ec);
      break;
    }
    StatsCounters::add(core_->counters().messages_sent, count);
    StatsCounters::add(core_->counters().batches_sent);
  }
}

template <typename Ws>
awaitable<void> OutboundStream::read_loop(std::shared_ptr<OutboundStream> self,
                                          std::shared_ptr<Ws> ws,
                                          std::shared_ptr<Session> session) {
  // Receivers never send data; reading keeps pings, pongs and the close handshake going
  // and tells us when the peer goes away.
  beast::flat_buffer buffer;
  error_code ec;
  while (!ec) {
    co_await ws->async_read(buffer, with_ec(ec));
    buffer.consume(buffer.size());
  }
  if (!session->broken) {
    session->broken = true;
    session->reason = ec == websocket::error::closed ? "closed by peer" : describe(ec);
  }
  self->wake_.cancel();
}

// Moves queued messages into batch_ until the queue is empty or the batch is full. A batch
// never exceeds what a receiver accepts; a single message that would is dropped. Returns
// how many messages the batch holds.
size_t OutboundStream::fill_batch() {
  const Options& options = core_->options();
  MessageBatch batch(batch_);
  while (!queue_.empty() && batch.bytes() < options.batch_bytes_max) {
    batch.append(queue_.front());
    if (batch.bytes() > options.stream_message_bytes_max) {
      batch.drop_last();
      if (batch.count() > 0) break;  // it leads the next batch
      spdlog::error("{}: dropped a {} message larger than {} bytes", name(),
                    raft::to_string(queue_.front().type), options.stream_message_bytes_max);
      StatsCounters::add(core_->counters().messages_dropped);
      core_->report_unreachable(peer_);
    }
    queue_.pop_front();
  }
  return batch.count();
}

}  // namespace etcd::transport
