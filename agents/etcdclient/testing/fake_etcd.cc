#include "agents/etcdclient/testing/fake_etcd.h"

#include <csignal>
#include <ctime>

namespace etcd::client::testing {

using Reply = FakeReply;

namespace {

// RFC 3339 in UTC, as etcd writes "expiration" (Go's RFC3339Nano: zeros trimmed).
std::string format_rfc3339(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto whole = floor<seconds>(time);
  const std::time_t t = system_clock::to_time_t(whole);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = text;
  if (const auto ns = duration_cast<nanoseconds>(time - whole).count(); ns > 0) {
    std::string digits = std::to_string(ns);
    digits.insert(0, 9 - digits.size(), '0');
    out += "." + digits.substr(0, digits.find_last_not_of('0') + 1);
  }
  return out + "Z";
}

}  // namespace

FakeEtcd::FakeEtcd() : server_([this](const Request& r) { return handle(r); }) {
  // A client that gives up on a long poll closes its socket; answering it later must
  // not kill the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
}

FakeEtcd::~FakeEtcd() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
}

uint64_t FakeEtcd::put(const std::string& key, const std::string& value, uint64_t ttl_s) {
  std::lock_guard lock(mu_);
  return write(strip(key), value, ttl_s, "set");
}

void FakeEtcd::remove(const std::string& key, const std::string& action) {
  std::lock_guard lock(mu_);
  const std::string k = strip(key);
  if (nodes_.count(k) != 0) {
    erase(k, action);
  } else if (is_dir(k)) {
    erase_dir(k);
  }
}

void FakeEtcd::remove_dir(const std::string& dir) {
  std::lock_guard lock(mu_);
  erase_dir(strip(dir));
}

std::optional<std::string> FakeEtcd::value(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(strip(key));
  return it == nodes_.end() ? std::nullopt : std::optional(it->second.value);
}

bool FakeEtcd::has_ttl(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(strip(key));
  return it != nodes_.end() && it->second.expires_s != 0;
}

uint64_t FakeEtcd::ttl(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(strip(key));
  if (it == nodes_.end() || it->second.expires_s == 0) return 0;
  return static_cast<uint64_t>(it->second.expires_s - now_s_);
}

std::map<std::string, std::string> FakeEtcd::dump() {
  std::lock_guard lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& [key, node] : nodes_)
    out["/" + key] = node.value;
  return out;
}

uint64_t FakeEtcd::index() {
  std::lock_guard lock(mu_);
  return index_;
}

void FakeEtcd::advance(std::chrono::seconds by) {
  std::lock_guard lock(mu_);
  now_s_ += by.count();
  std::vector<std::string> expired;
  for (const auto& [key, node] : nodes_) {
    if (node.expires_s != 0 && node.expires_s <= now_s_) expired.push_back(key);
  }
  for (const std::string& key : expired)
    erase(key, "expire");
}

void FakeEtcd::clear_history(uint64_t index) {
  std::lock_guard lock(mu_);
  cleared_before_ = index;
}

void FakeEtcd::on_next(std::string method, std::string path_part, std::function<void()> action) {
  std::lock_guard lock(mu_);
  hooks_.push_back({std::move(method), std::move(path_part), std::move(action), {}});
}

void FakeEtcd::fail_next(std::string method, std::string path_part, int status, int code,
                         std::string message) {
  std::lock_guard lock(mu_);
  Reply r = error_reply(status, code, message, "injected");
  hooks_.push_back({std::move(method), std::move(path_part), nullptr, std::move(r)});
}

void FakeEtcd::fail_next_cas() {
  std::lock_guard lock(mu_);
  fail_next_cas_ = true;
}

std::string FakeEtcd::strip(const std::string& key) {
  std::string k = key.empty() || key[0] != '/' ? key : key.substr(1);
  while (!k.empty() && k.back() == '/')
    k.pop_back();
  return k;
}

std::string FakeEtcd::decode(std::string_view s) {
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

FakeEtcd::Query FakeEtcd::params(std::string_view s) {
  Query out;
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

nlohmann::json FakeEtcd::node_json(const std::string& key, bool with_value) const {
  const Node& n = nodes_.at(key);
  nlohmann::json j = {
      {"key", "/" + key}, {"modifiedIndex", n.modified}, {"createdIndex", n.created}};
  if (with_value) j["value"] = n.value;
  if (n.expires_s != 0) {
    j["expiration"] = n.expiration;
    j["ttl"] = n.expires_s - now_s_;
  }
  return j;
}

nlohmann::json FakeEtcd::dir_json(const std::string& dir, bool recursive) const {
  nlohmann::json j = {{"key", "/" + dir}, {"dir", true}, {"nodes", nlohmann::json::array()}};
  const std::string prefix = dir.empty() ? "" : dir + "/";
  std::map<std::string, bool> children;  // name -> is a directory
  for (const auto& [key, node] : nodes_) {
    if (key.rfind(prefix, 0) != 0) continue;
    const std::string rest = key.substr(prefix.size());
    const auto slash = rest.find('/');
    children[rest.substr(0, slash)] |= slash != std::string::npos;
  }
  for (const auto& [name, dir_child] : children) {
    if (!dir_child) {
      j["nodes"].push_back(node_json(prefix + name));
    } else if (recursive) {
      j["nodes"].push_back(dir_json(prefix + name, true));
    } else {
      j["nodes"].push_back({{"key", "/" + prefix + name}, {"dir", true}});
    }
  }
  return j;
}

bool FakeEtcd::is_dir(const std::string& key) const {
  auto it = nodes_.lower_bound(key + "/");
  return it != nodes_.end() && it->first.rfind(key + "/", 0) == 0;
}

Reply FakeEtcd::answer(int status, const nlohmann::json& body) const {
  Reply r;
  r.status = status;
  r.body = body.dump();
  r.headers = {{"Content-Type", "application/json"}, {"X-Etcd-Index", std::to_string(index_)}};
  return r;
}

Reply FakeEtcd::error_reply(int status, int code, const std::string& message,
                            const std::string& cause) const {
  return answer(status,
                {{"errorCode", code}, {"message", message}, {"cause", cause}, {"index", index_}});
}

void FakeEtcd::record(const std::string& key, const nlohmann::json& body) {
  events_.push_back({index_, key, body});
  changed_.notify_all();
}

void FakeEtcd::set_ttl(Node& n, uint64_t ttl_s) const {
  n.expires_s = ttl_s > 0 ? now_s_ + static_cast<int64_t>(ttl_s) : 0;
  n.expiration =
      ttl_s > 0 ? format_rfc3339(std::chrono::system_clock::now() + std::chrono::seconds(ttl_s))
                : "";
}

uint64_t FakeEtcd::write(const std::string& key, const std::string& value, uint64_t ttl_s,
                         const std::string& action) {
  ++index_;
  std::optional<nlohmann::json> before;
  if (nodes_.count(key) != 0) before = node_json(key);
  Node& n = nodes_[key];
  if (n.created == 0) n.created = index_;
  n.value = value;
  n.modified = index_;
  set_ttl(n, ttl_s);
  nlohmann::json body = {{"action", action}, {"node", node_json(key)}};
  if (before) body["prevNode"] = *before;
  record(key, body);
  return index_;
}

nlohmann::json FakeEtcd::erase(const std::string& key, const std::string& action) {
  ++index_;
  nlohmann::json before = node_json(key);
  nlohmann::json node = node_json(key, false);
  nodes_.erase(key);
  node["modifiedIndex"] = index_;
  node.erase("ttl");
  node.erase("expiration");
  nlohmann::json body = {{"action", action}, {"node", node}, {"prevNode", before}};
  record(key, body);
  return body;
}

// DELETE dir=true&recursive=true: one event on the directory, as etcd sends it.
nlohmann::json FakeEtcd::erase_dir(const std::string& dir) {
  for (auto it = nodes_.lower_bound(dir + "/");
       it != nodes_.end() && it->first.rfind(dir + "/", 0) == 0;) {
    it = nodes_.erase(it);
  }
  ++index_;
  nlohmann::json node = {
      {"key", "/" + dir}, {"dir", true}, {"modifiedIndex", index_}, {"createdIndex", 1}};
  nlohmann::json body = {{"action", "delete"}, {"node", node}, {"prevNode", node}};
  record(dir, body);
  return body;
}

std::optional<Reply> FakeEtcd::run_hook(const Request& r) {
  std::function<void()> action;
  std::optional<Reply> reply;
  {
    std::lock_guard lock(mu_);
    for (auto it = hooks_.begin(); it != hooks_.end(); ++it) {
      if (it->method != r.method || r.target.find(it->path_part) == std::string::npos) continue;
      action = std::move(it->action);
      reply = std::move(it->reply);
      hooks_.erase(it);
      break;
    }
  }
  if (action) action();
  return reply;
}

Reply FakeEtcd::handle(const Request& r) {
  if (auto reply = run_hook(r)) return *reply;
  std::unique_lock lock(mu_);
  std::string_view target = r.target;
  const size_t q = target.find('?');
  const std::string path(target.substr(0, q));
  auto query = params(q == std::string_view::npos ? "" : target.substr(q + 1));
  const std::string prefix = "/v2/keys/";
  if (path.rfind(prefix, 0) != 0 && path + "/" != prefix) {
    return error_reply(404, 100, "Key not found", path);
  }
  const std::string key = strip(path.size() > prefix.size() ? path.substr(prefix.size()) : "");
  if (r.method == "GET" && query["wait"] == "true") return wait(lock, key, query);
  if (r.method == "GET") return get(key, query["recursive"] == "true");
  if (r.method == "PUT") return put_request(key, query, params(r.body));
  if (r.method == "DELETE") return delete_request(key, query);
  return error_reply(405, 0, "method not allowed", r.method);
}

Reply FakeEtcd::get(const std::string& key, bool recursive) const {
  if (nodes_.count(key) != 0) return answer(200, {{"action", "get"}, {"node", node_json(key)}});
  if (key.empty() || is_dir(key)) {
    return answer(200, {{"action", "get"}, {"node", dir_json(key, recursive)}});
  }
  return error_reply(404, 100, "Key not found", "/" + key);
}

std::optional<Reply> FakeEtcd::compare(const std::string& key, Query& query) {
  const Node& n = nodes_.at(key);
  const std::string prev_value = query["prevValue"];
  const uint64_t prev_index = query.count("prevIndex") ? std::stoull(query["prevIndex"]) : 0;
  if (!prev_value.empty() && prev_value != n.value) {
    return error_reply(412, 101, "Compare failed", "[" + prev_value + " != " + n.value + "]");
  }
  if (prev_index != 0 && prev_index != n.modified) {
    return error_reply(
        412, 101, "Compare failed",
        "[" + std::to_string(prev_index) + " != " + std::to_string(n.modified) + "]");
  }
  return std::nullopt;
}

Reply FakeEtcd::put_request(const std::string& key, Query& query, Query form) {
  const bool exists = nodes_.count(key) != 0;
  const uint64_t ttl = form.count("ttl") ? std::stoull(form["ttl"]) : 0;
  const bool conditional = query.count("prevValue") || query.count("prevIndex");
  if (is_dir(key)) return error_reply(403, 102, "Not a file", "/" + key);
  if (query["prevExist"] == "false") {
    if (exists) return error_reply(412, 105, "Key already exists", "/" + key);
    write(key, form["value"], ttl, "create");
    return answer(201, events_.back().body);
  }
  if (!exists && (conditional || query["prevExist"] == "true")) {
    return error_reply(404, 100, "Key not found", "/" + key);
  }
  if (exists && conditional) {
    if (fail_next_cas_) {
      fail_next_cas_ = false;
      return error_reply(412, 101, "Compare failed",
                         "[" +
                             (query.count("prevIndex") ? query["prevIndex"] : query["prevValue"]) +
                             " != " + std::to_string(nodes_.at(key).modified) + "]");
    }
    if (auto failed = compare(key, query)) return *failed;
  }
  if (form["refresh"] == "true") {
    // A refresh resets the TTL, keeps the value and wakes no watcher.
    if (!exists) return error_reply(404, 100, "Key not found", "/" + key);
    Node& n = nodes_[key];
    set_ttl(n, ttl);
    n.modified = ++index_;
    return answer(200, {{"action", "update"}, {"node", node_json(key)}});
  }
  const std::string action = conditional                    ? "compareAndSwap"
                             : query["prevExist"] == "true" ? "update"
                                                            : "set";
  write(key, form["value"], ttl, action);
  return answer(exists ? 200 : 201, events_.back().body);
}

Reply FakeEtcd::delete_request(const std::string& key, Query& query) {
  if (nodes_.count(key) == 0) {
    if (!is_dir(key)) return error_reply(404, 100, "Key not found", "/" + key);
    if (query["dir"] != "true") return error_reply(403, 102, "Not a file", "/" + key);
    if (query["recursive"] != "true") {
      return error_reply(403, 108, "Directory not empty", "/" + key);
    }
    return answer(200, erase_dir(key));
  }
  const bool conditional = query.count("prevValue") || query.count("prevIndex");
  if (conditional) {
    if (auto failed = compare(key, query)) return *failed;
  }
  return answer(200, erase(key, conditional ? "compareAndDelete" : "delete"));
}

std::optional<nlohmann::json> FakeEtcd::find_event(const std::string& key, uint64_t since,
                                                   bool recursive) const {
  for (const Event& e : events_) {
    if (e.index < since) continue;
    const bool below = key.empty() || e.key.rfind(key + "/", 0) == 0;
    const bool above = key.rfind(e.key + "/", 0) == 0 && e.body["node"].value("dir", false);
    if (e.key == key || (recursive && below) || above) return e.body;
  }
  return std::nullopt;
}

// A long-poll: from history, else block until a matching write; a quiet poll ends with
// an empty 200 after a while (as a server closing the poll), which the client repeats.
Reply FakeEtcd::wait(std::unique_lock<std::mutex>& lock, const std::string& key, Query& query) {
  uint64_t since = query.count("waitIndex") ? std::stoull(query["waitIndex"]) : 0;
  if (since == 0) since = index_ + 1;
  if (since < cleared_before_) {
    return error_reply(400, 401, "The event in requested index is outdated and cleared",
                       "the requested history has been cleared [" +
                           std::to_string(cleared_before_) + "/" + std::to_string(since) + "]");
  }
  const bool recursive = query["recursive"] == "true";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (!stopping_) {
    if (auto event = find_event(key, since, recursive)) return answer(200, *event);
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) break;
  }
  Reply empty = answer(200, nullptr);
  empty.body.clear();
  return empty;
}

}  // namespace etcd::client::testing
