// FakeEtcd (tests only): enough of the etcd v2 keys API for the agents' tests (locksmith,
// flannel, fleet), on FakeHttpServer — GET of keys and directories (recursive, children
// in key order), PUT with prevExist / prevIndex / prevValue / ttl / refresh, DELETE with
// prevIndex / prevValue / dir / recursive, and long-poll watches (wait=true, waitIndex,
// recursive) answered from an event history, with etcd's bodies, status codes and
// X-Etcd-Index. Keys are stored by their path as sent (still URL-escaped, e.g.
// "coreos.com/.../groups/prod%252Fdb/semaphore"); directories are implicit (a directory
// exists while a key below it does).
//
// Tests script races with on_next() (run something just before a request is handled),
// inject failures with fail_next() and fail_next_cas(), and force a 401 with
// clear_history(). TTLs run on a manual clock: advance() expires keys (with "expire"
// events); a node's "expiration" is wall-clock time at the write plus its TTL.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/etcdclient/fake_http_server.h"

namespace etcd::client::testing {

class FakeEtcd {
 public:
  using Reply = FakeReply;
  using Request = SeenRequest;

  FakeEtcd();
  ~FakeEtcd();
  FakeEtcd(const FakeEtcd&) = delete;
  FakeEtcd& operator=(const FakeEtcd&) = delete;

  std::string url() const { return server_.url(); }
  std::vector<Request> requests() { return server_.requests(); }

  // Writes as another client would ("/a/b" or "a/b" keys; ttl_s 0 = no TTL). Returns the
  // new index.
  uint64_t put(const std::string& key, const std::string& value, uint64_t ttl_s = 0);
  // Deletes a key (one event with `action`, e.g. "expire"), or a directory with everything
  // below it (one "delete" event on the directory, as etcd sends it).
  void remove(const std::string& key, const std::string& action = "delete");
  // DELETE dir=true&recursive=true: one event on the directory, as etcd sends it.
  void remove_dir(const std::string& dir);
  std::optional<std::string> value(const std::string& key);
  bool has_ttl(const std::string& key);
  // Seconds left on the key's TTL (0: none or no key).
  uint64_t ttl(const std::string& key);
  // Every key (files only) in order, with values ("/a/b" keys).
  std::map<std::string, std::string> dump();
  uint64_t index();
  // Moves the TTL clock on; keys whose TTL ran out expire (one "expire" event each).
  void advance(std::chrono::seconds by);
  // Watches from before `index` now get 401 (etcd's history window moved on).
  void clear_history(uint64_t index);
  // Runs `action` just before the next request whose method is `method` and whose target
  // contains `path_part` is handled (once).
  void on_next(std::string method, std::string path_part, std::function<void()> action);
  // Answers the next such request with an etcd error instead.
  void fail_next(std::string method, std::string path_part, int status, int code,
                 std::string message);
  // The next compare-and-swap fails with 101, as if another client wrote first.
  void fail_next_cas();

 private:
  struct Node {
    std::string value;
    uint64_t created = 0;
    uint64_t modified = 0;
    int64_t expires_s = 0;   // on the manual clock; 0 = no TTL
    std::string expiration;  // wall clock, RFC 3339, set with the TTL
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
  using Query = std::map<std::string, std::string>;

  static std::string strip(const std::string& key);
  static std::string decode(std::string_view s);
  static Query params(std::string_view s);
  nlohmann::json node_json(const std::string& key, bool with_value = true) const;
  // A directory listing: children of `dir` ("" = root), nested when recursive.
  nlohmann::json dir_json(const std::string& dir, bool recursive) const;
  bool is_dir(const std::string& key) const;
  Reply answer(int status, const nlohmann::json& body) const;
  Reply error_reply(int status, int code, const std::string& message,
                    const std::string& cause) const;
  void record(const std::string& key, const nlohmann::json& body);
  void set_ttl(Node& n, uint64_t ttl_s) const;
  uint64_t write(const std::string& key, const std::string& value, uint64_t ttl_s,
                 const std::string& action);
  nlohmann::json erase(const std::string& key, const std::string& action);
  nlohmann::json erase_dir(const std::string& dir);
  std::optional<Reply> run_hook(const Request& r);
  Reply handle(const Request& r);
  Reply get(const std::string& key, bool recursive) const;
  std::optional<Reply> compare(const std::string& key, Query& query);
  Reply put_request(const std::string& key, Query& query, Query form);
  Reply delete_request(const std::string& key, Query& query);
  std::optional<nlohmann::json> find_event(const std::string& key, uint64_t since,
                                           bool recursive) const;
  // A long-poll: from history, else block until a matching write; a quiet poll ends with
  // an empty 200 after a while (as a server closing the poll), which the client repeats.
  Reply wait(std::unique_lock<std::mutex>& lock, const std::string& key, Query& query);

  std::mutex mu_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::map<std::string, Node> nodes_;
  std::vector<Event> events_;
  std::vector<Hook> hooks_;
  uint64_t index_ = 1;
  uint64_t cleared_before_ = 0;
  int64_t now_s_ = 0;
  bool fail_next_cas_ = false;
  FakeHttpServer server_;  // last: stops before the state goes
};

}  // namespace etcd::client::testing
