// FakeEtcd (tests only): enough of the etcd v2 keys API for flannel on FakeHttpServer —
// GET of keys and directories (recursive), PUT with prevExist / prevIndex / prevValue /
// ttl, DELETE with prevIndex / prevValue, and long-poll watches (wait=true, waitIndex,
// recursive) answered from an event history, with etcd's bodies, status codes and
// X-Etcd-Index. Tests script races with on_next() (run something just before a request
// is handled), inject failures with fail_next(), and force a 401 with clear_history().
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

namespace corestack::flannel::testing {

class FakeEtcd {
 public:
  using Reply = etcd::client::testing::FakeReply;
  using Request = etcd::client::testing::SeenRequest;

  FakeEtcd() : server_([this](const Request& r) { return handle(r); }) {
    // A client that gives up on a long poll closes its socket; answering it later must
    // not kill the test with SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
  }
  ~FakeEtcd() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    changed_.notify_all();
  }

  std::string url() const { return server_.url(); }
  std::vector<Request> requests() { return server_.requests(); }

  // Writes as another client would ("/a/b" keys; ttl_s 0 = no TTL). Returns the index.
  uint64_t put(const std::string& key, const std::string& value, uint64_t ttl_s = 0) {
    std::lock_guard lock(mu_);
    return write(strip(key), value, ttl_s, "set");
  }
  void remove(const std::string& key, const std::string& action = "delete") {
    std::lock_guard lock(mu_);
    erase(strip(key), action);
  }
  // DELETE dir=true&recursive=true: one event on the directory, as etcd sends it.
  void remove_dir(const std::string& dir) {
    std::lock_guard lock(mu_);
    const std::string d = strip(dir);
    for (auto it = nodes_.lower_bound(d + "/");
         it != nodes_.end() && it->first.rfind(d + "/", 0) == 0;) {
      it = nodes_.erase(it);
    }
    ++index_;
    nlohmann::json node = {
        {"key", "/" + d}, {"dir", true}, {"modifiedIndex", index_}, {"createdIndex", 1}};
    record(d, {{"action", "delete"}, {"node", node}, {"prevNode", node}});
  }
  std::optional<std::string> value(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(strip(key));
    return it == nodes_.end() ? std::nullopt : std::optional(it->second.value);
  }
  bool has_ttl(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(strip(key));
    return it != nodes_.end() && it->second.ttl_s > 0;
  }
  uint64_t index() {
    std::lock_guard lock(mu_);
    return index_;
  }
  // Watches from before `index` now get 401 (etcd's history window moved on).
  void clear_history(uint64_t index) {
    std::lock_guard lock(mu_);
    cleared_before_ = index;
  }
  // Runs `action` just before the next request whose method is `method` and whose path
  // contains `path_part` is handled (once).
  void on_next(std::string method, std::string path_part, std::function<void()> action) {
    std::lock_guard lock(mu_);
    hooks_.push_back({std::move(method), std::move(path_part), std::move(action), {}});
  }
  // Answers the next such request with an etcd error instead.
  void fail_next(std::string method, std::string path_part, int status, int code,
                 std::string message) {
    Reply r = error_reply(status, code, message, "injected");
    std::lock_guard lock(mu_);
    hooks_.push_back({std::move(method), std::move(path_part), nullptr, r});
  }

 private:
  struct Node {
    std::string value;
    uint64_t created = 0;
    uint64_t modified = 0;
    uint64_t ttl_s = 0;
    std::string expiration;
  };
  struct Hook {
    std::string method;
    std::string path_part;
    std::function<void()> action;
    std::optional<Reply> reply;
  };
  struct Event {
    uint64_t index;
    std::string key;
    nlohmann::json body;
  };

  static std::string strip(const std::string& key);
  static std::string decode(std::string_view s);
  static std::map<std::string, std::string> params(std::string_view s);
  nlohmann::json node_json(const std::string& key, bool with_value = true) const;
  // A directory listing: children of `dir` ("" = root), nested when recursive.
  nlohmann::json dir_json(const std::string& dir, bool recursive) const;
  bool is_dir(const std::string& key) const;
  Reply answer(int status, const nlohmann::json& body) const;
  Reply error_reply(int status, int code, const std::string& message,
                    const std::string& cause) const;
  void record(const std::string& key, const nlohmann::json& body);
  uint64_t write(const std::string& key, const std::string& value, uint64_t ttl_s,
                 const std::string& action);
  nlohmann::json erase(const std::string& key, const std::string& action);
  std::optional<Reply> run_hook(const Request& r);
  Reply handle(const Request& r);
  Reply get(const std::string& key, bool recursive) const;
  std::optional<Reply> compare(const std::string& key, std::map<std::string, std::string>& query);
  Reply put_request(const std::string& key, std::map<std::string, std::string>& query,
                    std::map<std::string, std::string> form);
  Reply delete_request(const std::string& key, std::map<std::string, std::string>& query);
  std::optional<nlohmann::json> find_event(const std::string& key, uint64_t since,
                                           bool recursive) const;
  // A long-poll: from history, else block until a matching write; a quiet poll ends with
  // an empty 200 after a while (as a server closing the poll), which the client repeats.
  Reply wait(std::unique_lock<std::mutex>& lock, const std::string& key,
             std::map<std::string, std::string>& query);

  std::mutex mu_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::map<std::string, Node> nodes_;
  std::vector<Event> events_;
  std::vector<Hook> hooks_;
  uint64_t index_ = 1;
  uint64_t cleared_before_ = 0;
  etcd::client::testing::FakeHttpServer server_;  // last: stops before the state goes
};

}  // namespace corestack::flannel::testing
