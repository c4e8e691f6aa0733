#include "etcd/server/discovery.h"

#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "etcd/server/http_client.h"
#include "etcd/server/member.h"

namespace etcd::server {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Registration {
  std::string key;
  std::string value;
  uint64_t created_index = 0;
};

struct Listing {
  std::vector<Registration> members;  // by creation order, _config left out
  uint64_t etcd_index = 0;
};

class Discovery {
 public:
  explicit Discovery(const DiscoveryOptions& o)
      : o_(o), deadline_(Clock::now() + o.total_timeout), self_key_(id_to_hex(o.self.value)) {}

  Result<std::string> run() {
    auto size = fetch_size();
    if (!size) return size.error();
    spdlog::info("discovery: cluster size is {}", *size);
    auto listing = fetch_members();
    if (!listing) return listing.error();
    if (!registered(*listing)) {
      if (listing->members.size() >= *size) return full(*size);
      if (auto ok = register_self(); !ok) return ok.error();
    }
    while (true) {
      listing = fetch_members();
      if (!listing) return listing.error();
      if (listing->members.size() >= *size) break;
      spdlog::info("discovery: {} of {} members registered; waiting", listing->members.size(), *size);
      (void)http_call("GET", o_.url + "?wait=true&recursive=true&waitIndex=" +
                                 std::to_string(listing->etcd_index + 1),
                      "", std::chrono::seconds(30));
      if (Clock::now() > deadline_) return Error{"discovery: timed out waiting for members"};
    }
    listing->members.resize(*size);
    if (!registered(*listing)) return full(*size);
    std::string cluster;
    for (const auto& r : listing->members) cluster += (cluster.empty() ? "" : ",") + r.value;
    return cluster;
  }

 private:
  // GET with retries on connection errors (not on HTTP answers).
  Result<HttpReply> call(const std::string& method, const std::string& url,
                         const std::string& body = "") {
    auto backoff = std::chrono::milliseconds(200);
    while (true) {
      auto reply = http_call(method, url, body, o_.request_timeout);
      if (reply) return reply;
      if (Clock::now() + backoff > deadline_) return Error{"discovery: " + reply.error().message};
      spdlog::warn("discovery: {} (retrying in {} ms)", reply.error().message, backoff.count());
      std::this_thread::sleep_for(backoff);  // nothing else runs yet: the member is not up
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }

  Result<size_t> fetch_size() {
    auto reply = call("GET", o_.url + "/_config/size");
    if (!reply) return reply.error();
    if (reply->status == 404) return Error{"discovery: size key not found (" + o_.url + "/_config/size)"};
    try {
      const auto value = json::parse(reply->body).at("node").at("value").get<std::string>();
      const long size = std::stol(value);
      if (size < 1) throw std::invalid_argument("size");
      return static_cast<size_t>(size);
    } catch (const std::exception&) {
      return Error{"discovery: bad size in " + o_.url + "/_config/size: " + reply->body};
    }
  }

  Result<Listing> fetch_members() {
    auto reply = call("GET", o_.url + "?sorted=true");
    if (!reply) return reply.error();
    Listing listing;
    if (const std::string* h = reply->header("X-Etcd-Index")) listing.etcd_index = std::stoull(*h);
    if (reply->status == 404) return listing;
    try {
      for (const auto& n : json::parse(reply->body).at("node").value("nodes", json::array())) {
        const std::string key = n.at("key").get<std::string>();
        if (key.ends_with("/_config") || n.value("dir", false)) continue;
        listing.members.push_back({key, n.value("value", ""), n.at("createdIndex").get<uint64_t>()});
      }
    } catch (const json::exception& e) {
      return Error{std::string("discovery: malformed listing: ") + e.what()};
    }
    std::sort(listing.members.begin(), listing.members.end(),
              [](const auto& a, const auto& b) { return a.created_index < b.created_index; });
    return listing;
  }

  bool registered(const Listing& listing) const {
    return std::any_of(listing.members.begin(), listing.members.end(),
                       [&](const auto& r) { return r.key.ends_with("/" + self_key_); });
  }

  Result<void> register_self() {
    auto reply = call("PUT", o_.url + "/" + self_key_ + "?prevExist=false",
                      "value=" + url_escape(o_.self_entry));
    if (!reply) return reply.error();
    if (reply->status != 201 && reply->status != 412) {
      return Error{"discovery: registering failed: HTTP " + std::to_string(reply->status) + " " +
                   reply->body};
    }
    spdlog::info("discovery: registered as {}", o_.self_entry);
    return Ok{};
  }

  Error full(size_t size) const {
    return Error{"discovery: cluster is full (" + std::to_string(size) + " members registered)",
                 kErrDiscoveryFull};
  }

  const DiscoveryOptions& o_;
  Clock::time_point deadline_;
  std::string self_key_;
};

}  // namespace

Result<std::string> join_by_discovery(const DiscoveryOptions& options) {
  return Discovery(options).run();
}

}  // namespace etcd::server
