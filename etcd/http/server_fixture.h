// The test fixture of the Server tests (plain and TLS): one Server on 127.0.0.1 with a free
// port, run on its own thread, and blocking client sockets on a separate io_context.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/ssl.hpp>

#include "etcd/common/asio.h"
#include "etcd/http/server.h"

namespace etcd::http {

class ServerFixture : public ::testing::Test {
 protected:
  void start_server(Handler handler, Limits limits = {},
                    std::shared_ptr<boost::asio::ssl::context> tls = nullptr,
                    Server::Http2Handoff handoff = {}) {
    server_ = std::make_unique<Server>(io_, limits, std::move(handler));
    if (handoff) server_->set_http2_handoff(std::move(handoff));
    auto port = server_->listen("127.0.0.1", 0, std::move(tls));
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = *port;
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) server_->stop();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  boost::asio::ip::tcp::socket connect() {
    boost::asio::ip::tcp::socket s(client_io_);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
    return s;
  }

  // Answers "<path>|<body>".
  static Handler echo_path() {
    return [](std::shared_ptr<Exchange> e) {
      Response r;
      r.body = std::string(e->request().path()) + "|" + e->request().body;
      e->respond(std::move(r));
    };
  }

  boost::asio::io_context io_;
  boost::asio::io_context client_io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace etcd::http
