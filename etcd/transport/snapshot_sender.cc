#include "etcd/transport/snapshot_sender.h"

#include <chrono>

#include "etcd/transport/dial.h"
#include "etcd/transport/sha256.h"
#include "etcd/transport/snapshot_body.h"
#include "etcd/transport/wire.h"

namespace etcd::transport {
namespace {

constexpr size_t kChunkBytes = 1 << 20;

}  // namespace

void SnapshotSender::start(std::shared_ptr<TransportCore> core, NodeId peer,
                           std::vector<PeerUrl> urls, raft::Message message) {
  auto sender =
      std::make_shared<SnapshotSender>(std::move(core), peer, std::move(urls), std::move(message));
  spawn(sender->strand_, sender->run(sender), "snapshot sender");
}

SnapshotSender::SnapshotSender(std::shared_ptr<TransportCore> core, NodeId peer,
                               std::vector<PeerUrl> urls, raft::Message message)
    : core_(std::move(core)),
      peer_(peer),
      urls_(std::move(urls)),
      strand_(asio::make_strand(core_->io())),
      snapshot_index_(message.snapshot->metadata.index.value) {
  prefix_ = snapshot_body::split(message, data_);
}

std::string SnapshotSender::name() const {
  return "peer " + wire::format_id(peer_.value);
}

awaitable<void> SnapshotSender::run(std::shared_ptr<SnapshotSender> self) {
  ticket_ = core_->track([weak = std::weak_ptr<SnapshotSender>(self)] {
    if (auto sender = weak.lock()) {
      asio::post(sender->strand_, [sender] {
        if (sender->close_) sender->close_();
      });
    }
  });
  if (ticket_ == 0) {
    finish(false, "transport stopped");
    co_return;
  }
  const auto started = std::chrono::steady_clock::now();
  spdlog::info("{}: sending snapshot at index {} ({} bytes)", name(), snapshot_index_,
               data_.size());
  for (const PeerUrl& url : urls_) {
    const Outcome outcome = co_await send_to(url);
    if (outcome == Outcome::unreachable && !core_->stopped()) continue;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    finish(outcome == Outcome::delivered,
           "via " + url.raw + " in " + std::to_string(elapsed.count()) + " ms");
    co_return;
  }
  finish(false, "no URL reachable");
}

void SnapshotSender::finish(bool ok, const std::string& detail) {
  core_->untrack(ticket_);
  StatsCounters::add(ok ? core_->counters().snapshots_sent : core_->counters().snapshots_failed);
  if (ok) {
    spdlog::info("{}: snapshot at index {} sent {}", name(), snapshot_index_, detail);
  } else {
    spdlog::warn("{}: snapshot at index {} failed: {}", name(), snapshot_index_, detail);
  }
  core_->report_snapshot(peer_, ok);
}

// Connects (and TLS-handshakes) to url, then posts the snapshot. The stream lives in this
// frame; close_ lets stop() abort it from the strand.
awaitable<SnapshotSender::Outcome> SnapshotSender::send_to(const PeerUrl& url) {
  const auto timeout = core_->options().dial_timeout;
  error_code ec;
  Outcome outcome = Outcome::unreachable;
  if (!url.tls) {
    PlainStream stream(strand_);
    close_ = [&stream] { stream.close(); };
    ec = co_await connect_tcp(stream, url, timeout);
    if (!ec) outcome = co_await post(stream, url);
  } else if (core_->client_tls() != nullptr) {
    TlsStream stream(strand_, *core_->client_tls());
    close_ = [&stream] { beast::get_lowest_layer(stream).close(); };
    ec = co_await connect_tcp(beast::get_lowest_layer(stream), url, timeout);
    if (!ec) ec = co_await handshake_tls_client(stream, url, timeout);
    if (!ec) outcome = co_await post(stream, url);
  } else {
    spdlog::warn("{}: snapshot: https URL {} but no peer TLS configuration", name(), url.raw);
  }
  close_ = nullptr;
  if (ec) spdlog::warn("{}: snapshot: cannot connect to {}: {}", name(), url.raw, describe(ec));
  co_return outcome;
}

template <typename Stream>
awaitable<SnapshotSender::Outcome> SnapshotSender::post(Stream& stream, const PeerUrl& url) {
  const Options& options = core_->options();
  http::request<http::empty_body> request{http::verb::post, std::string(wire::kSnapshotPath), 11};
  request.set(http::field::host, url.authority());
  request.set(http::field::content_type, "application/octet-stream");
  request.set(to_beast(wire::kClusterIdHeader), wire::format_id(options.cluster_id));
  request.set(to_beast(wire::kFromHeader), wire::format_id(options.local_id.value));
  request.set(to_beast(wire::kToHeader), wire::format_id(peer_.value));
  request.content_length(snapshot_body::total_bytes(prefix_.size(), data_.size()));
  http::request_serializer<http::empty_body> serializer{request};
  error_code ec;
  beast::get_lowest_layer(stream).expires_after(options.io_timeout);
  co_await http::async_write_header(stream, serializer, with_ec(ec));
  if (!ec) ec = co_await write_body(stream);
  if (ec) {
    spdlog::warn("{}: snapshot: writing to {} failed: {}", name(), url.raw, describe(ec));
    co_return Outcome::unreachable;
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::get_lowest_layer(stream).expires_after(options.io_timeout);
  co_await http::async_read(stream, buffer, response, with_ec(ec));
  if (ec) {
    spdlog::warn("{}: snapshot: no answer from {}: {}", name(), url.raw, describe(ec));
    co_return Outcome::unreachable;
  }
  if (response.result() == http::status::no_content) co_return Outcome::delivered;
  spdlog::warn("{}: snapshot refused by {}: {} {}", name(), url.raw, response.result_int(),
               response.body());
  co_return Outcome::refused;
}

// prefix, data in chunks, checksum; each write bounded by io_timeout.
template <typename Stream>
awaitable<error_code> SnapshotSender::write_body(Stream& stream) {
  const auto timeout = core_->options().io_timeout;
  Sha256 checksum;
  error_code ec;
  checksum.update(prefix_);
  co_await asio::async_write(stream, asio::buffer(prefix_), with_ec(ec));
  for (size_t offset = 0; !ec && offset < data_.size(); offset += kChunkBytes) {
    const std::string_view chunk = std::string_view(data_).substr(offset, kChunkBytes);
    checksum.update(chunk);
    beast::get_lowest_layer(stream).expires_after(timeout);
    co_await asio::async_write(stream, asio::buffer(chunk.data(), chunk.size()), with_ec(ec));
  }
  if (ec) co_return ec;
  const Sha256::Digest digest = checksum.finish();
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await asio::async_write(stream, asio::buffer(digest), with_ec(ec));
  co_return ec;
}

}  // namespace etcd::transport
