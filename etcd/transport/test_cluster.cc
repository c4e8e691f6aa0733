#include "etcd/transport/test_cluster.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "etcd/transport/peer_url.h"

namespace etcd::transport::testing {

IoThreads::IoThreads(int threads) : work_(io_.get_executor()) {
  for (int i = 0; i < threads; ++i)
    threads_.emplace_back([this] { io_.run(); });
}

IoThreads::~IoThreads() {
  work_.reset();
  io_.stop();
  for (auto& thread : threads_)
    thread.join();
}

PeerHandler Inbox::handler(std::shared_ptr<Inbox> inbox) {
  PeerHandler handler;
  handler.on_message = [inbox](raft::Message m) {
    inbox->record([&] { inbox->messages.push_back(std::move(m)); });
  };
  handler.on_unreachable = [inbox](NodeId id) { inbox->record([&] { ++inbox->unreachable[id]; }); };
  handler.on_removed = [inbox](NodeId by) { inbox->record([&] { inbox->removed_by.push_back(by); }); };
  handler.on_snapshot_status = [inbox](NodeId id, bool ok) {
    inbox->record([&] { inbox->snapshot_status.emplace_back(id, ok); });
  };
  return handler;
}

std::vector<raft::Message> Inbox::take_messages() {
  std::lock_guard lock(mutex_);
  return std::move(messages);
}

Options member_options(uint64_t id, uint64_t cluster_id) {
  Options options;
  options.local_id = NodeId(id);
  options.cluster_id = cluster_id;
  options.listen_urls = {"http://127.0.0.1:0"};
  options.backoff_initial = 20ms;
  options.backoff_max = 300ms;
  return options;
}

Node::Node(boost::asio::io_context& io, Options options,
           std::function<PeerHttpResponse(const PeerHttpRequest&)> on_http)
    : id_(options.local_id), inbox_(std::make_shared<Inbox>()) {
  PeerHandler handler = Inbox::handler(inbox_);
  handler.on_http = std::move(on_http);
  transport_ =
      std::make_unique<PeerTransport>(io, std::move(options), std::move(handler), Rng(id_.value));
}

Node::~Node() {
  transport_.reset();
}

Result<void> Node::start() {
  return transport_->start();
}

raft::Message numbered(NodeId from, NodeId to, uint64_t number) {
  raft::Message m;
  m.type = raft::MessageType::heartbeat;
  m.from = from;
  m.to = to;
  m.term = Term(1);
  m.index = Index(number);
  return m;
}

struct LogCapture::Sink : spdlog::sinks::base_sink<std::mutex> {
  std::vector<std::string> lines;
  std::condition_variable_any changed;

  void sink_it_(const spdlog::details::log_msg& message) override {
    lines.emplace_back(message.payload.data(), message.payload.size());
    changed.notify_all();
  }
  void flush_() override {}

  bool wait_for(const std::vector<std::string>& parts, std::chrono::milliseconds deadline) {
    std::unique_lock lock(mutex_);
    return changed.wait_for(lock, deadline, [&] {
      for (const auto& line : lines) {
        bool all = true;
        for (const auto& part : parts)
          all = all && line.find(part) != std::string::npos;
        if (all) return true;
      }
      return false;
    });
  }
};

LogCapture::LogCapture() : sink_(std::make_shared<Sink>()), previous_(spdlog::default_logger()) {
  auto logger = std::make_shared<spdlog::logger>(
      "test", spdlog::sinks_init_list{sink_, std::make_shared<spdlog::sinks::stderr_sink_mt>()});
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(std::move(logger));
}

LogCapture::~LogCapture() {
  spdlog::set_default_logger(previous_);
}

bool LogCapture::wait_for(const std::vector<std::string>& parts,
                          std::chrono::milliseconds deadline) {
  return sink_->wait_for(parts, deadline);
}

std::string dead_url() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return "http://127.0.0.1:" + std::to_string(port);
}

std::string raw_exchange(const std::string& url, const std::string& request) {
  auto parsed = parse_peer_url(url);
  if (!parsed) return "";
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address(parsed->host), parsed->port}, ec);
  if (ec) return "";
  boost::asio::write(socket, boost::asio::buffer(request), ec);
  std::string response;
  char chunk[4096];
  while (!ec) {
    const size_t n = socket.read_some(boost::asio::buffer(chunk), ec);
    response.append(chunk, n);
  }
  return response;
}

}  // namespace etcd::transport::testing
