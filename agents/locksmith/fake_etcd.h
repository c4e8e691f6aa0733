// FakeEtcd (tests only): just enough of the etcd v2 keys API for locksmith — GET, PUT
// with prevExist=false and with prevIndex — on FakeHttpServer, answering with etcd's
// bodies, status codes and X-Etcd-Index. Keys are stored by their path as sent (still
// URL-escaped, e.g. "coreos.com/.../groups/prod%252Fdb/semaphore").
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agents/etcdclient/fake_http_server.h"

namespace corestack::locksmith::testing {

class FakeEtcd {
 public:
  FakeEtcd() : server_([this](const etcd::client::testing::SeenRequest& r) { return handle(r); }) {}

  std::string url() const { return server_.url(); }
  std::vector<etcd::client::testing::SeenRequest> requests() { return server_.requests(); }

  // Sets a key's value directly (as another writer would).
  void put(const std::string& key, const std::string& value) {
    std::lock_guard lock(mu_);
    write(key, value);
  }
  std::optional<std::string> value(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(key);
    if (it == nodes_.end()) return std::nullopt;
    return it->second.value;
  }
  // The next compare-and-swap fails with 101, as if another client wrote first.
  void fail_next_cas() {
    std::lock_guard lock(mu_);
    fail_next_cas_ = true;
  }

 private:
  using Reply = etcd::client::testing::FakeReply;
  struct Node {
    std::string value;
    uint64_t created = 0;
    uint64_t modified = 0;
  };

  static std::string decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        out += ' ';
      } else if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  }

  static std::map<std::string, std::string> params(std::string_view s) {
    std::map<std::string, std::string> out;
    while (!s.empty()) {
      size_t amp = s.find('&');
      std::string_view pair = s.substr(0, amp);
      size_t eq = pair.find('=');
      out[decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1));
      s = amp == std::string_view::npos ? "" : s.substr(amp + 1);
    }
    return out;
  }

  nlohmann::json node_json(const std::string& key) const {
    const Node& n = nodes_.at(key);
    return {{"key", "/" + key},
            {"value", n.value},
            {"modifiedIndex", n.modified},
            {"createdIndex", n.created}};
  }

  Reply answer(int status, const nlohmann::json& body) const {
    Reply r;
    r.status = status;
    r.body = body.dump();
    r.headers = {{"Content-Type", "application/json"}, {"X-Etcd-Index", std::to_string(index_)}};
    return r;
  }

  Reply error(int status, int code, const std::string& message, const std::string& cause) const {
    return answer(status,
                  {{"errorCode", code}, {"message", message}, {"cause", cause}, {"index", index_}});
  }

  void write(const std::string& key, const std::string& value) {
    ++index_;
    Node& n = nodes_[key];
    if (n.created == 0) n.created = index_;
    n.value = value;
    n.modified = index_;
  }

  Reply handle(const etcd::client::testing::SeenRequest& r) {
    std::lock_guard lock(mu_);
    std::string_view target = r.target;
    size_t q = target.find('?');
    std::string path(target.substr(0, q));
    auto query = params(q == std::string_view::npos ? "" : target.substr(q + 1));
    const std::string prefix = "/v2/keys/";
    if (path.rfind(prefix, 0) != 0) return error(404, 100, "Key not found", path);
    std::string key = path.substr(prefix.size());
    bool exists = nodes_.count(key) != 0;
    if (r.method == "GET") {
      if (!exists) return error(404, 100, "Key not found", "/" + key);
      return answer(200, {{"action", "get"}, {"node", node_json(key)}});
    }
    std::string value = params(r.body)["value"];
    if (query["prevExist"] == "false") {
      if (exists) return error(412, 105, "Key already exists", "/" + key);
      write(key, value);
      return answer(201, {{"action", "create"}, {"node", node_json(key)}});
    }
    if (!exists) return error(404, 100, "Key not found", "/" + key);
    uint64_t prev = std::stoull(query.count("prevIndex") ? query["prevIndex"] : "0");
    uint64_t current = nodes_[key].modified;
    if (fail_next_cas_ || prev != current) {
      fail_next_cas_ = false;
      return error(412, 101, "Compare failed",
                   "[" + std::to_string(prev) + " != " + std::to_string(current) + "]");
    }
    nlohmann::json before = node_json(key);
    write(key, value);
    return answer(200,
                  {{"action", "compareAndSwap"}, {"node", node_json(key)}, {"prevNode", before}});
  }

  std::mutex mu_;
  std::map<std::string, Node> nodes_;
  uint64_t index_ = 1;
  bool fail_next_cas_ = false;
  etcd::client::testing::FakeHttpServer server_;  // last: stops before the state goes
};

}  // namespace corestack::locksmith::testing
