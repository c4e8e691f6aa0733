#include "bench/common/client_connection.h"

#include <charconv>
#include <limits>
#include <string_view>

#include <fmt/format.h>

namespace bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

template <typename Message>
uint64_t header_number(const Message& message, std::string_view name) {
  auto field = message.find(boost::beast::string_view(name.data(), name.size()));
  if (field == message.end()) return 0;
  uint64_t number = 0;
  const auto value = field->value();
  std::from_chars(value.data(), value.data() + value.size(), number);
  return number;
}

}  // namespace

std::string http_request(std::string_view method, std::string_view host, std::string_view target,
                         std::string_view form) {
  if (form.empty()) return fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\n\r\n", method, target, host);
  return fmt::format(
      "{} {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: {}\r\n\r\n{}",
      method, target, host, form.size(), form);
}

ClientConnection::ClientConnection(asio::io_context& io, asio::ip::tcp::endpoint endpoint)
    : socket_(io), endpoint_(endpoint) {}

ClientConnection::ErrorCode ClientConnection::connect() {
  ErrorCode ec;
  socket_.connect(endpoint_, ec);
  if (!ec) socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  return ec;
}

void ClientConnection::write_then(std::function<void()> next, std::shared_ptr<Done> done) {
  parser_.emplace();
  parser_->body_limit(std::numeric_limits<uint64_t>::max());
  asio::async_write(socket_, asio::buffer(request_),
                    [this, next = std::move(next), done](ErrorCode ec, size_t) {
                      if (ec) return finish(ec, *done);
                      next();
                    });
}

void ClientConnection::exchange(std::string request, Done done) {
  request_ = std::move(request);
  auto shared = std::make_shared<Done>(std::move(done));
  write_then([this, shared] { read_body(std::move(*shared)); }, shared);
}

void ClientConnection::exchange_streamed(std::string request, HeadersDone headers, Done done) {
  request_ = std::move(request);
  auto shared = std::make_shared<Done>(std::move(done));
  auto read_headers = [this, shared, headers = std::move(headers)] {
    http::async_read_header(socket_, buffer_, *parser_,
                            [this, shared, headers](ErrorCode ec, size_t) {
                              headers(ec);
                              if (ec) return finish(ec, *shared);
                              read_body(std::move(*shared));
                            });
  };
  write_then(std::move(read_headers), shared);
}

void ClientConnection::read_body(Done done) {
  http::async_read(socket_, buffer_, *parser_,
                   [this, done = std::move(done)](ErrorCode ec, size_t) { finish(ec, done); });
}

void ClientConnection::finish(ErrorCode ec, const Done& done) {
  response_.status = 0;
  response_.etcd_index = 0;
  response_.raft_index = 0;
  response_.body.clear();
  if (!ec) {
    auto& message = parser_->get();
    response_.status = message.result_int();
    response_.body = std::move(message.body());
    response_.etcd_index = header_number(message, "X-Etcd-Index");
    response_.raft_index = header_number(message, "X-Raft-Index");
  }
  done(ec, response_);
}

void ClientConnection::close() {
  ErrorCode ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace bench
