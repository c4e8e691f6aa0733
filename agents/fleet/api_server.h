// ApiServer: fleetd's HTTP/1.1 listener for the v1 API (docs/fleet.md "HTTP API"). It
// serves already-listening sockets — the ones systemd passes (fleet.socket, sd_listen_fds)
// or ones fleetd bound itself — with one thread per connection, keep-alive, and socket
// timeouts so a silent client cannot hold a thread. The API's logic is the Handler.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace corestack::fleet {

struct ApiRequest {
  std::string method;                        // "GET", "PUT", ...
  std::string path;                          // "/fleet/v1/units/a.service"
  std::map<std::string, std::string> query;  // decoded
  std::vector<std::string> content_types;    // every Content-Type header
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON (or empty for 204)
  std::string content_type = "application/json";
};

using ApiHandler = std::function<ApiResponse(const ApiRequest&)>;

class ApiServer {
 public:
  // `server_header`: e.g. "fleetd/1.0.0".
  ApiServer(ApiHandler handler, std::string server_header);
  ~ApiServer();  // stops
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Serves `fd`, a listening stream socket (unix or TCP), taking ownership.
  void serve(int fd);
  // Stops accepting, closes every connection and joins the threads.
  void stop();

  // Binds a listening socket: "unix:///var/run/fleet.sock" (an old socket file is replaced)
  // or "tcp://127.0.0.1:8080". Throws std::runtime_error naming the address.
  static int listen_on(const std::string& address);
  // The sockets systemd passed (LISTEN_FDS), each a listening stream socket.
  static std::vector<int> systemd_sockets();

 private:
  void accept_loop(int fd);
  void serve_connection(int fd);

  ApiHandler handler_;
  std::string server_header_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<int> listeners_;
  std::vector<int> connections_;      // open connections (each served by a detached thread)
  std::condition_variable drained_;   // signalled as connections_ shrinks
  std::vector<std::thread> threads_;  // accept loops
};

}  // namespace corestack::fleet
