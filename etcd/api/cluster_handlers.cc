#include "etcd/api/cluster_handlers.h"

#include <nlohmann/json.hpp>

#include "etcd/api/v2_json.h"
#include "etcd/common/url.h"
#include "etcd/store/stats.h"

namespace etcd::api {
namespace {

using nlohmann::ordered_json;

void answer(const ExchangePtr& ex, const Cors& cors, http::Response r) {
  cors.apply(ex->request(), r);
  ex->respond(std::move(r));
}

ordered_json member_json(const server::Member& m) {
  return ordered_json{{"id", hex_id(m.id.value)},
                      {"name", m.name},
                      {"peerURLs", m.peer_urls},
                      {"clientURLs", m.client_urls}};
}

// Body of POST /v2/members and PUT /v2/members/<id>: {"peerURLs": [...]}.
Result<std::vector<std::string>> peer_urls_from(const http::Request& r) {
  const std::string* ct = r.header("Content-Type");
  const std::string media = ct ? ct->substr(0, ct->find(';')) : std::string();
  if (media != "application/json") {
    return Error{"Bad Content-Type " + (ct ? *ct : std::string()) + ", accept application/json",
                 415};
  }
  std::vector<std::string> urls;
  try {
    urls = nlohmann::json::parse(r.body).at("peerURLs").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    // e.what() quotes the input, which may be invalid UTF-8: message_response copes.
    return Error{e.what(), 400};
  }
  if (urls.empty()) return Error{"peerURLs must not be empty", 400};
  for (const auto& url : urls) {
    if (auto parsed = parse_url(url); !parsed) return Error{parsed.error().message, 400};
  }
  return urls;
}

// Membership errors as etcd's members handler maps them.
http::Response member_error(const Error& e, std::string_view id_text) {
  const std::string& m = e.message;
  if (m == "membership: peerURL exists" || m == "membership: ID exists") {
    return message_response(409, m);
  }
  if (m == "membership: member not found") {
    return message_response(404, "No such member: " + std::string(id_text));
  }
  if (m == "membership: ID removed") {
    return message_response(410, "Member permanently removed: " + std::string(id_text));
  }
  return message_response(500, m);
}

void members_get(Backend& backend, const Cors& cors, bool leader_only, ExchangePtr ex) {
  const uint64_t cluster_id = backend.cluster_id();
  backend.members([ex, cors, leader_only, cluster_id](MemberList list) {
    auto answer = [&](http::Response r) {
      r.set("X-Etcd-Cluster-Id", hex_id(cluster_id));
      cors.apply(ex->request(), r);
      ex->respond(std::move(r));
    };
    if (!leader_only) {
      ordered_json members = ordered_json::array();
      for (const auto& m : list.members)
        members.push_back(member_json(m));
      return answer(json_response(200, ordered_json{{"members", members}}.dump() + "\n"));
    }
    for (const auto& m : list.members) {
      if (list.leader && m.id == *list.leader) {
        return answer(json_response(200, member_json(m).dump() + "\n"));
      }
    }
    answer(message_response(503, "During election"));
  });
}

void members_add(Backend& backend, const Cors& cors, ExchangePtr ex) {
  auto urls = peer_urls_from(ex->request());
  if (!urls) return answer(ex, cors, message_response(urls.error().code, urls.error().message));
  backend.add_member(std::move(urls).value(), [ex, cors](Result<server::Member> m) {
    if (!m) return answer(ex, cors, member_error(m.error(), ""));
    answer(ex, cors, json_response(201, member_json(*m).dump() + "\n"));
  });
}

void members_change(Backend& backend, const Cors& cors, std::string id_text, ExchangePtr ex) {
  auto id = server::id_from_hex(id_text);
  if (!id) return answer(ex, cors, message_response(404, "No such member: " + id_text));
  auto done = [ex, cors, id_text](Result<server::Member> m) {
    if (!m) return answer(ex, cors, member_error(m.error(), id_text));
    answer(ex, cors, http::Response{.status = 204});
  };
  if (ex->request().method == "DELETE") return backend.remove_member(*id, std::move(done));
  auto urls = peer_urls_from(ex->request());
  if (!urls) return answer(ex, cors, message_response(urls.error().code, urls.error().message));
  backend.update_member(*id, std::move(urls).value(), std::move(done));
}

}  // namespace

std::string go_time(int64_t unix_ns) {
  std::string out;
  append_rfc3339_nano(out, unix_ns);
  return out;
}

std::string go_duration(int64_t ns) {
  // Go's Duration.String for durations of a second or more: "1h2m3.5s".
  std::string out;
  const int64_t hours = ns / 3'600'000'000'000;
  ns %= 3'600'000'000'000;
  const int64_t minutes = ns / 60'000'000'000;
  ns %= 60'000'000'000;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.9f", static_cast<double>(ns) / 1e9);
  std::string s(secs);
  while (s.back() == '0')
    s.pop_back();
  if (s.back() == '.') s.pop_back();
  return out + s + "s";
}

void handle_members(Backend& backend, const Cors& cors, std::string_view rest, ExchangePtr ex) {
  const std::string& method = ex->request().method;
  if (rest.empty() || rest == "/") {
    if (method == "GET") return members_get(backend, cors, false, ex);
    if (method == "POST") return members_add(backend, cors, ex);
  } else if (rest == "/leader") {
    if (method == "GET") return members_get(backend, cors, true, ex);
  } else if (method == "DELETE" || method == "PUT") {
    return members_change(backend, cors, std::string(rest.substr(1)), ex);
  }
  http::Response r = text_response(405, "Method Not Allowed\n");
  r.set("Allow", "GET,POST,DELETE,PUT");
  answer(ex, cors, std::move(r));
}

void handle_machines(Backend& backend, const Cors& cors, ExchangePtr ex) {
  backend.members([ex, cors](MemberList list) {
    std::string body;
    for (const auto& m : list.members) {
      for (const auto& url : m.client_urls)
        body += (body.empty() ? "" : ", ") + url;
    }
    answer(ex, cors, text_response(200, std::move(body)));
  });
}

void handle_stats(Backend& backend, const Cors& cors, const Clock& clock, std::string_view which,
                  ExchangePtr ex) {
  if (which == "store") {
    return backend.store_stats([ex, cors](store::Stats stats) {
      answer(ex, cors, json_response(200, render_stats(stats)));
    });
  }
  if (which == "self") {
    const int64_t now = clock.now_unix_ns();
    return backend.self_stats([ex, cors, now](SelfStats s) {
      ordered_json j{{"name", s.name},
                     {"id", hex_id(s.id)},
                     {"state", s.is_leader ? "StateLeader" : "StateFollower"},
                     {"startTime", go_time(s.start_time_ns)},
                     {"leaderInfo",
                      {{"leader", s.leader_id ? hex_id(s.leader_id) : ""},
                       {"uptime", go_duration(s.leader_since_ns ? now - s.leader_since_ns : 0)},
                       {"startTime", go_time(s.leader_since_ns)}}},
                     {"recvAppendRequestCnt", s.recv_append_requests},
                     {"sendAppendRequestCnt", s.send_append_requests}};
      answer(ex, cors, json_response(200, j.dump()));
    });
  }
  backend.leader_stats([ex, cors](std::optional<std::string> json) {
    if (!json) return answer(ex, cors, message_response(403, "not current leader"));
    answer(ex, cors, json_response(200, std::move(*json)));
  });
}

void handle_version(const Cors& cors, ExchangePtr ex) {
  // The v2 API generation this member speaks (etcd 2.3 flags and semantics).
  answer(ex, cors, json_response(200, R"({"etcdserver":"2.3.8","etcdcluster":"2.3.0"})"));
}

void handle_health(Backend& backend, const Cors& cors, ExchangePtr ex) {
  backend.health([ex, cors](bool healthy) {
    http::Response r = text_response(healthy ? 200 : 503,
                                     healthy ? R"({"health":"true"})" : R"({"health":"false"})");
    answer(ex, cors, std::move(r));
  });
}

void handle_metrics(Backend& backend, const Cors& cors, ExchangePtr ex) {
  backend.metrics([ex, cors](std::string text) {
    http::Response r{.status = 200};
    r.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    r.body = std::move(text);
    answer(ex, cors, std::move(r));
  });
}

}  // namespace etcd::api
