// FakeEtcd (tests only): enough of the etcd v2 keys API for fleet's registry and engine,
// on etcdclient's FakeHttpServer — GET of keys and directories (recursive, children in
// key order), PUT with prevExist / prevIndex / prevValue / ttl / refresh, DELETE with
// prevIndex / prevValue / dir / recursive, and long-poll watches (wait=true, waitIndex,
// recursive) answered from an event history, with etcd's bodies, status codes and
// X-Etcd-Index. TTLs run on a manual clock: advance() expires keys (with "expire"
// events). Directories are implicit (a directory exists while a key below it does).
// Modelled on agents/flannel/fake_etcd (agents do not share code).
#pragma once

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/etcdclient/fake_http_server.h"

namespace corestack::fleet::testing {

class FakeEtcd {
 public:
  using Reply = etcd::client::testing::FakeReply;
  using Request = etcd::client::testing::SeenRequest;

  FakeEtcd() : server_([this](const Request& r) { return handle(r); }) {
    // A client that gives up on a long poll closes its socket; answering it later must
    // not kill the test with SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
  }
  ~FakeEtcd();

  std::string url() const { return server_.url(); }
  std::vector<Request> requests() { return server_.requests(); }

  // Writes as another client would ("/a/b" keys; ttl_s 0 = no TTL). Returns the index.
  uint64_t put(const std::string& key, const std::string& value, uint64_t ttl_s = 0);
  // Deletes a key, or a directory with everything below it.
  void remove(const std::string& key);
  std::optional<std::string> value(const std::string& key);
  // Seconds left on the key's TTL (0: none or no key).
  uint64_t ttl(const std::string& key);
  // Every key (files only) in order, with values.
  std::map<std::string, std::string> dump();
  uint64_t index();
  // Moves the TTL clock on; keys whose TTL ran out expire (one "expire" event each).
  void advance(std::chrono::seconds by);
  // Runs `action` just before the next request whose method is `method` and whose target
  // contains `path_part` is handled (once).
  void on_next(std::string method, std::string path_part, std::function<void()> action);

 private:
  struct Node {
    std::string value;
    uint64_t created = 0;
    uint64_t modified = 0;
    int64_t expires_s = 0;  // on the manual clock; 0 = no TTL
  };
  struct Hook {
    std::string method;
    std::string path_part;
    std::function<void()> action;
  };
  struct Event {
    uint64_t index;
    std::string key;
    nlohmann::json body;
  };
  using Query = std::map<std::string, std::string>;

  static std::string strip(const std::string& key);
  static std::string decode(std::string_view s);
  static Query params(std::string_view s);
  nlohmann::json node_json(const std::string& key, bool with_value = true) const;
  nlohmann::json dir_json(const std::string& dir, bool recursive) const;
  bool is_dir(const std::string& key) const;
  Reply answer(int status, const nlohmann::json& body) const;
  Reply error_reply(int status, int code, const std::string& message,
                    const std::string& cause) const;
  void record(const std::string& key, const nlohmann::json& body);
  uint64_t write(const std::string& key, const std::string& value, uint64_t ttl_s,
                 const std::string& action);
  nlohmann::json erase(const std::string& key, const std::string& action);
  nlohmann::json erase_dir(const std::string& dir);
  void run_hook(const Request& r);
  Reply handle(const Request& r);
  Reply get(const std::string& key, bool recursive) const;
  std::optional<Reply> compare(const std::string& key, Query& query);
  Reply put_request(const std::string& key, Query& query, Query form);
  Reply delete_request(const std::string& key, Query& query);
  std::optional<nlohmann::json> find_event(const std::string& key, uint64_t since,
                                           bool recursive) const;
  Reply wait(std::unique_lock<std::mutex>& lock, const std::string& key, Query& query);

  std::mutex mu_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::map<std::string, Node> nodes_;
  std::vector<Event> events_;
  std::vector<Hook> hooks_;
  uint64_t index_ = 1;
  int64_t now_s_ = 0;
  etcd::client::testing::FakeHttpServer server_;  // last: stops before the state goes
};

}  // namespace corestack::fleet::testing
