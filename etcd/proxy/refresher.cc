#include "etcd/proxy/refresher.h"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "etcd/proxy/cluster_file.h"
#include "etcd/proxy/members.h"

namespace etcd::proxy {

namespace asio = boost::asio;

// etcd's director switches to 1 s retries only when the interval is this long or longer.
constexpr std::chrono::milliseconds kDefaultInterval{30000};
// etcd gives the member-list fetch 10 s however the proxy's read timeout is set.
constexpr std::chrono::milliseconds kFetchReadTimeout{10000};

Refresher::Refresher(asio::io_context& io, Endpoints& endpoints, RefreshOptions options)
    : io_(io),
      strand_(asio::make_strand(io)),
      timer_(strand_),
      endpoints_(endpoints),
      options_(std::move(options)) {
  if (options_.timeouts.read.count() == 0 || options_.timeouts.read > kFetchReadTimeout) {
    options_.timeouts.read = kFetchReadTimeout;
  }
}

void Refresher::start(std::function<void()> first_done) {
  asio::dispatch(strand_, [self = shared_from_this(), cb = std::move(first_done)]() mutable {
    self->first_done_ = std::move(cb);
    self->refresh();
  });
}

void Refresher::stop() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void Refresher::refresh() {
  if (stopped_) return;
  ask(0, options_.peer_urls, "");
}

void Refresher::ask(size_t index, std::vector<std::string> peers, std::string errors) {
  if (stopped_) return;
  if (index == peers.size()) {
    spdlog::warn("proxy: could not retrieve cluster information from the given URLs: {}",
                 errors.empty() ? "no peer URLs" : errors);
    endpoints_.set({});
    return round_done();
  }
  const std::string peer = peers[index];
  fetch(io_, peer + "/members", options_.timeouts,
        [self = shared_from_this(), index, peers = std::move(peers), errors = std::move(errors),
         peer](Result<FetchReply> reply) mutable {
          asio::dispatch(self->strand_, [=, reply = std::move(reply)]() mutable {
            if (reply && reply->status == 200) {
              self->adopt(peer, reply->body);
              return self->round_done();
            }
            errors +=
                (reply ? peer + ": HTTP " + std::to_string(reply->status) : reply.error().message) +
                "; ";
            self->ask(index + 1, std::move(peers), std::move(errors));
          });
        });
}

void Refresher::adopt(const std::string& peer, const std::string& body) {
  auto urls = parse_members(body);
  if (!urls) {
    spdlog::warn("proxy: {} from {}", urls.error().message, peer);
    return endpoints_.set({});
  }
  endpoints_.set(urls->client_urls);
  if (!logged_found_ && !urls->client_urls.empty()) {
    logged_found_ = true;
    spdlog::info("proxy: endpoints found {}", fmt::join(urls->client_urls, ","));
  }
  if (urls->peer_urls.empty()) return;
  if (!options_.proxy_dir.empty()) {
    if (auto saved = write_cluster_file(options_.proxy_dir, urls->peer_urls); !saved) {
      spdlog::warn("proxy: error on updating cluster file: {}", saved.error().message);
    }
  }
  if (urls->peer_urls != options_.peer_urls) {
    spdlog::info("proxy: updated peer urls in cluster file from {} to {}",
                 fmt::join(options_.peer_urls, ","), fmt::join(urls->peer_urls, ","));
    options_.peer_urls = std::move(urls->peer_urls);
  }
}

void Refresher::round_done() {
  if (first_done_) std::exchange(first_done_, nullptr)();
  if (stopped_) return;
  auto wait = options_.interval;
  if (wait >= kDefaultInterval && endpoints_.all().empty()) wait = std::chrono::seconds(1);
  // An interval of 0 would ask the members in a busy loop.
  wait = std::max(wait, std::chrono::milliseconds(100));
  timer_.expires_after(wait);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->refresh();
  });
}

}  // namespace etcd::proxy
