// The JSON gateway (gateway.h). Its JSON mapping is gateway_json.cc (on go_json.h and
// jsonpb.h); here are
//   1. the answers: grpc-gateway v1's headers, redirects and stream framing;
//   2. the relays: one gRPC call per request over the in-process channel, and the routes.
#include "etcd/v3rpc/gateway.h"

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <unordered_map>
#include <utility>

#include "etcd/api/response.h"
#include "etcd/common/go_json.h"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "v3electionpb/v3election.grpc.pb.h"
#include "v3lockpb/v3lock.grpc.pb.h"

namespace etcd::v3rpc {

namespace {

namespace pbuf = google::protobuf;
namespace pb = etcdserverpb;
using go_json::is_digit;

// ---- 1. Answers ------------------------------------------------------------------------

constexpr std::string_view kJson = "application/json";
// grpc-go's text for a call past its deadline.
constexpr std::string_view kDeadlineExceeded = "context deadline exceeded";

// Go's htmlEscape (net/http's redirect body).
std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The client's own deadline in grpc-go's words, which etcd's gateway relays.
grpc::Status go_status(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
      status.error_message() == "Deadline Exceeded") {
    return grpc::Status(status.error_code(), std::string(kDeadlineExceeded));
  }
  return status;
}

// Every answer to one exchange: its request's CORS headers first (etcd's AccessController
// adds them before routing), then what grpc-gateway v1 writes.
class Answer {
 public:
  Answer(std::shared_ptr<http::Exchange> exchange, const api::Cors& cors)
      : exchange_(std::move(exchange)) {
    cors.apply(exchange_->request(), base_);
  }

  const http::Request& request() const { return exchange_->request(); }
  http::Exchange& exchange() { return *exchange_; }

  // Go's http.Error: routing failures (404, 405).
  void plain(int status, std::string_view text) {
    http::Response r = head(status);
    r.set("Content-Type", "text/plain; charset=utf-8");
    r.set("X-Content-Type-Options", "nosniff");
    r.body = std::string(text);
    exchange_->respond(std::move(r));
  }
  // OPTIONS: the CORS headers alone.
  void empty() { exchange_->respond(head(200)); }
  // Go's ServeMux sends a path that is not clean to its clean form.
  void redirect(const std::string& location) {
    http::Response r = head(301);
    r.set("Location", location);
    const std::string& method = request().method;
    if (method == "GET" || method == "HEAD") r.set("Content-Type", "text/html; charset=utf-8");
    if (method == "GET")
      r.body = "<a href=\"" + html_escape(location) + "\">Moved Permanently</a>.\n\n";
    exchange_->respond(std::move(r));
  }
  // A failure before any call (a bad body or Grpc-Timeout): a plain JSON response.
  void failure(grpc::StatusCode code, std::string_view message) {
    http::Response r = head(gateway::http_status(code));
    r.set("Content-Type", std::string(kJson));
    r.body = gateway::error_json(code, message);
    exchange_->respond(std::move(r));
  }
  // A unary call's outcome. A failed call's answer is chunked as etcd's is (Go declares a
  // trailer for the gRPC trailers, which the chunked framing then carries; ours has no
  // trailer fields).
  void unary(const grpc::Status& call_status, const pbuf::Message& response) {
    const grpc::Status status = go_status(call_status);
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return failure(status.error_code(), status.error_message());  // no server trailer
    }
    if (!status.ok()) {
      exchange_->begin_stream(json_head(gateway::http_status(status.error_code()), false));
      exchange_->end_stream_with(gateway::error_json(status.error_code(), status.error_message()));
      return;
    }
    http::Response r = json_head(200, true);
    r.body = gateway::to_json(response);
    exchange_->respond(std::move(r));
  }
  // Stream messages, one {"result":...}\n chunk each. The head goes with the first (as Go
  // writes it on the first Write), so a stream's status can still be its error's.
  // `grpc_metadata`: whether the call got the server's headers (Go waits for them once it
  // has sent a request).
  void stream_message(const pbuf::Message& message, bool grpc_metadata) {
    begin(200, grpc_metadata);
    exchange_->write_chunk("{\"result\":" + gateway::to_json(message) + "}\n");
  }
  void stream_end(const grpc::Status& call_status, bool grpc_metadata) {
    const grpc::Status status = go_status(call_status);
    if (status.ok()) {
      begin(200, grpc_metadata);
      return exchange_->end_stream();
    }
    begin(gateway::http_status(status.error_code()), grpc_metadata);
    exchange_->end_stream_with(
        gateway::stream_error_json(status.error_code(), status.error_message()));
  }

 private:
  http::Response head(int status) const {
    http::Response r = base_;
    r.status = status;
    return r;
  }
  http::Response json_head(int status, bool grpc_metadata) const {
    http::Response r = head(status);
    r.set("Content-Type", std::string(kJson));
    // What grpc-go's client reports as the server's header metadata, which grpc-gateway
    // forwards with its Grpc-Metadata- prefix.
    if (grpc_metadata) r.set("Grpc-Metadata-Content-Type", "application/grpc");
    return r;
  }
  void begin(int status, bool grpc_metadata) {
    if (streaming_) return;
    streaming_ = true;
    exchange_->begin_stream(json_head(status, grpc_metadata));
  }

  std::shared_ptr<http::Exchange> exchange_;
  http::Response base_;
  bool streaming_ = false;
};

// ---- 2. Relays and routes ----------------------------------------------------------------

struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel)
      : kv(pb::KV::NewStub(channel)),
        watch(pb::Watch::NewStub(channel)),
        lease(pb::Lease::NewStub(channel)),
        cluster(pb::Cluster::NewStub(channel)),
        maintenance(pb::Maintenance::NewStub(channel)),
        auth(pb::Auth::NewStub(channel)),
        lock(v3lockpb::Lock::NewStub(channel)),
        election(v3electionpb::Election::NewStub(channel)) {}
  std::unique_ptr<pb::KV::Stub> kv;
  std::unique_ptr<pb::Watch::Stub> watch;
  std::unique_ptr<pb::Lease::Stub> lease;
  std::unique_ptr<pb::Cluster::Stub> cluster;
  std::unique_ptr<pb::Maintenance::Stub> maintenance;
  std::unique_ptr<pb::Auth::Stub> auth;
  std::unique_ptr<v3lockpb::Lock::Stub> lock;
  std::unique_ptr<v3electionpb::Election::Stub> election;
};

// grpc-gateway's Grpc-Timeout header: digits and a unit (H, M, S, m, u, n).
std::optional<std::chrono::nanoseconds> parse_grpc_timeout(std::string_view s) {
  using namespace std::chrono;
  if (s.size() < 2) return std::nullopt;
  static const std::unordered_map<char, nanoseconds> kUnits = {
      {'H', hours(1)},        {'M', minutes(1)},      {'S', seconds(1)},
      {'m', milliseconds(1)}, {'u', microseconds(1)}, {'n', nanoseconds(1)}};
  const auto unit = kUnits.find(s.back());
  if (unit == kUnits.end()) return std::nullopt;
  std::string_view digits = s.substr(0, s.size() - 1);
  if (digits.starts_with('+')) digits.remove_prefix(1);  // Go's ParseInt takes a sign
  int64_t n = 0;
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || p != digits.data() + digits.size()) return std::nullopt;
  // Kept within a century so that the deadline arithmetic cannot overflow.
  const int64_t limit = duration_cast<nanoseconds>(hours(24 * 365 * 100)).count();
  const int64_t per = unit->second.count();
  if (n > limit / per) n = limit / per;
  if (n < -limit / per) n = -limit / per;
  return nanoseconds(n * per);
}

bool valid_metadata(std::string_view key, std::string_view value) {
  if (key.empty() || key.starts_with("grpc-") || key.ends_with("-bin")) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_' || c == '.')) return false;
  }
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// grpc-gateway's AnnotateContext: Grpc-Timeout becomes the deadline; Authorization and
// Grpc-Metadata-* headers become metadata (etcd reads its auth token from "authorization").
Result<std::shared_ptr<grpc::ClientContext>> client_context(const http::Request& request) {
  auto context = std::make_shared<grpc::ClientContext>();
  if (const std::string* timeout = request.header("Grpc-Timeout")) {
    const auto d = parse_grpc_timeout(*timeout);
    if (!d) return Error{"invalid grpc-timeout: " + *timeout};
    context->set_deadline(std::chrono::system_clock::now() + *d);
  }
  static constexpr std::string_view kPrefix = "grpc-metadata-";
  for (const auto& h : request.headers) {
    std::string key = h.name;
    for (char& c : key)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key.starts_with(kPrefix))
      key.erase(0, kPrefix.size());
    else if (key != "authorization")
      continue;
    if (valid_metadata(key, h.value)) context->AddMetadata(key, h.value);
  }
  return context;
}

// grpc-go fails a call whose deadline has already passed without sending it (a tiny
// Grpc-Timeout); the in-process transport could still complete it in time.
bool expired(const grpc::ClientContext& context) {
  return context.deadline() <= std::chrono::system_clock::now();
}
// A client that goes away cancels its call (grpc-gateway cancels the call's context when
// the connection closes): a watch it held is freed at once.
void cancel_on_abort(http::Exchange& exchange, const std::shared_ptr<grpc::ClientContext>& c) {
  exchange.on_abort([weak = std::weak_ptr<grpc::ClientContext>(c)] {
    if (auto context = weak.lock()) context->TryCancel();
  });
}

using Route = std::function<void(const Stubs&, Answer)>;

template <typename Request, typename Response>
struct UnaryState {
  std::shared_ptr<grpc::ClientContext> context;
  Request request;
  Response response;
};

// A unary call: the body's first value is the request (nothing: an empty request).
// `invoke(stubs, context, request, response, done)` starts the generated async call.
template <typename Request, typename Response, typename Invoke>
Route unary(Invoke invoke) {
  return [invoke](const Stubs& stubs, Answer answer) {
    auto state = std::make_shared<UnaryState<Request, Response>>();
    auto context = client_context(answer.request());
    if (!context)
      return answer.failure(grpc::StatusCode::INVALID_ARGUMENT, context.error().message);
    state->context = std::move(context).value();
    if (auto r = gateway::BodyDecoder(answer.request().body).next(state->request); !r) {
      return answer.failure(grpc::StatusCode::INVALID_ARGUMENT, r.error().message);
    }
    if (expired(*state->context)) {
      return answer.failure(grpc::StatusCode::DEADLINE_EXCEEDED, kDeadlineExceeded);
    }
    cancel_on_abort(answer.exchange(), state->context);
    auto* s = state.get();
    invoke(stubs, s->context.get(), &s->request, &s->response,
           [state, answer = std::move(answer)](grpc::Status status) mutable {
             answer.unary(status, state->response);
           });
  };
}

// The part of a stream relay both stream shapes share: responses in, HTTP chunks out.
template <typename Response>
class StreamOut {
 public:
  StreamOut(Answer answer, std::shared_ptr<grpc::ClientContext> context, bool grpc_metadata)
      : answer_(std::move(answer)), context_(std::move(context)), grpc_metadata_(grpc_metadata) {
    cancel_on_abort(answer_.exchange(), context_);
  }
  grpc::ClientContext* context() { return context_.get(); }
  Response* response() { return &response_; }
  // One response arrived. Memory stays bounded for a slow HTTP client because the next
  // read starts only after this one is handed over, and the HTTP layer cuts a stream off
  // (aborting the exchange, so cancelling the call) once too much is left unwritten.
  void relay() {
    answer_.stream_message(response_, grpc_metadata_);
    response_.Clear();
  }
  void end(const grpc::Status& status) { answer_.stream_end(status, grpc_metadata_); }

 private:
  Answer answer_;
  std::shared_ptr<grpc::ClientContext> context_;  // shared with the abort callback
  bool grpc_metadata_;
  Response response_;
};

// A bidirectional stream (watch, lease keep-alive): the body's requests are sent in order,
// then the sending side is closed, as grpc-gateway does; the server decides whether the
// stream then ends (keep-alive) or stays open until the client goes away (watch).
template <typename Request, typename Response>
class BidiRelay final : public grpc::ClientBidiReactor<Request, Response> {
 public:
  BidiRelay(Answer answer, std::shared_ptr<grpc::ClientContext> context,
            std::vector<Request> requests)
      : out_(std::move(answer), std::move(context), !requests.empty()),
        requests_(std::move(requests)) {}

  template <typename Invoke>
  void start(Invoke invoke) {
    invoke(out_.context(), this);
    this->StartRead(out_.response());
    write_next();
    this->StartCall();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return;  // the call is over: OnDone follows
    ++written_;
    write_next();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    out_.relay();
    this->StartRead(out_.response());
  }
  void OnDone(const grpc::Status& status) override {
    out_.end(status);
    delete this;
  }

 private:
  void write_next() {
    if (written_ < requests_.size()) return this->StartWrite(&requests_[written_]);
    this->StartWritesDone();
  }

  StreamOut<Response> out_;
  std::vector<Request> requests_;
  size_t written_ = 0;
};

// A server stream (snapshot): one request, then every response.
template <typename Request, typename Response>
class ReadRelay final : public grpc::ClientReadReactor<Response> {
 public:
  ReadRelay(Answer answer, std::shared_ptr<grpc::ClientContext> context, Request request)
      : out_(std::move(answer), std::move(context), true), request_(std::move(request)) {}

  template <typename Invoke>
  void start(Invoke invoke) {
    invoke(out_.context(), &request_, this);
    this->StartRead(out_.response());
    this->StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    out_.relay();
    this->StartRead(out_.response());
  }
  void OnDone(const grpc::Status& status) override {
    out_.end(status);
    delete this;
  }

 private:
  StreamOut<Response> out_;
  Request request_;
};

// grpc-gateway reads a stream's requests from the body as it sends them: a bad first one
// fails the call — with Go's plain error, which has no gRPC code: Unknown, 500 — and a
// bad later one just ends the sending.
template <typename Request>
Result<std::vector<Request>> stream_requests(std::string_view body) {
  std::vector<Request> requests;
  gateway::BodyDecoder decoder(body);
  while (true) {
    Request request;
    auto more = decoder.next(request);
    if (!more && requests.empty()) return more.error();
    if (!more || !*more) return requests;
    requests.push_back(std::move(request));
  }
}

template <typename Request, typename Response, typename Invoke>
Route bidi(Invoke invoke) {
  return [invoke](const Stubs& stubs, Answer answer) {
    auto context = client_context(answer.request());
    if (!context)
      return answer.failure(grpc::StatusCode::INVALID_ARGUMENT, context.error().message);
    if (expired(**context)) {
      return answer.failure(grpc::StatusCode::DEADLINE_EXCEEDED, kDeadlineExceeded);
    }
    auto requests = stream_requests<Request>(answer.request().body);
    if (!requests) return answer.failure(grpc::StatusCode::UNKNOWN, requests.error().message);
    auto* relay = new BidiRelay<Request, Response>(std::move(answer), std::move(context).value(),
                                                   std::move(requests).value());
    relay->start([&](auto... args) { invoke(stubs, args...); });
  };
}

template <typename Request, typename Response, typename Invoke>
Route server_stream(Invoke invoke) {
  return [invoke](const Stubs& stubs, Answer answer) {
    auto context = client_context(answer.request());
    if (!context)
      return answer.failure(grpc::StatusCode::INVALID_ARGUMENT, context.error().message);
    Request request;
    if (auto r = gateway::BodyDecoder(answer.request().body).next(request); !r) {
      return answer.failure(grpc::StatusCode::INVALID_ARGUMENT, r.error().message);
    }
    if (expired(**context)) {
      return answer.failure(grpc::StatusCode::DEADLINE_EXCEEDED, kDeadlineExceeded);
    }
    auto* relay = new ReadRelay<Request, Response>(std::move(answer), std::move(context).value(),
                                                   std::move(request));
    relay->start([&](auto... args) { invoke(stubs, args...); });
  };
}

// The Auth service's routes. etcd 3.4 serves them; until our gRPC server has an Auth
// service, its answer (Unimplemented: 501) is what the gateway relays.
void add_auth_routes(std::unordered_map<std::string_view, Route>& r) {
  r["auth/enable"] = unary<pb::AuthEnableRequest, pb::AuthEnableResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->AuthEnable(a...); });
  r["auth/disable"] = unary<pb::AuthDisableRequest, pb::AuthDisableResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->AuthDisable(a...); });
  r["auth/authenticate"] = unary<pb::AuthenticateRequest, pb::AuthenticateResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->Authenticate(a...); });
  r["auth/user/add"] = unary<pb::AuthUserAddRequest, pb::AuthUserAddResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserAdd(a...); });
  r["auth/user/get"] = unary<pb::AuthUserGetRequest, pb::AuthUserGetResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserGet(a...); });
  r["auth/user/list"] = unary<pb::AuthUserListRequest, pb::AuthUserListResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserList(a...); });
  r["auth/user/delete"] = unary<pb::AuthUserDeleteRequest, pb::AuthUserDeleteResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserDelete(a...); });
  r["auth/user/changepw"] =
      unary<pb::AuthUserChangePasswordRequest, pb::AuthUserChangePasswordResponse>(
          [](const Stubs& s, auto... a) { s.auth->async()->UserChangePassword(a...); });
  r["auth/user/grant"] = unary<pb::AuthUserGrantRoleRequest, pb::AuthUserGrantRoleResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserGrantRole(a...); });
  r["auth/user/revoke"] = unary<pb::AuthUserRevokeRoleRequest, pb::AuthUserRevokeRoleResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->UserRevokeRole(a...); });
  r["auth/role/add"] = unary<pb::AuthRoleAddRequest, pb::AuthRoleAddResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->RoleAdd(a...); });
  r["auth/role/get"] = unary<pb::AuthRoleGetRequest, pb::AuthRoleGetResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->RoleGet(a...); });
  r["auth/role/list"] = unary<pb::AuthRoleListRequest, pb::AuthRoleListResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->RoleList(a...); });
  r["auth/role/delete"] = unary<pb::AuthRoleDeleteRequest, pb::AuthRoleDeleteResponse>(
      [](const Stubs& s, auto... a) { s.auth->async()->RoleDelete(a...); });
  r["auth/role/grant"] =
      unary<pb::AuthRoleGrantPermissionRequest, pb::AuthRoleGrantPermissionResponse>(
          [](const Stubs& s, auto... a) { s.auth->async()->RoleGrantPermission(a...); });
  r["auth/role/revoke"] =
      unary<pb::AuthRoleRevokePermissionRequest, pb::AuthRoleRevokePermissionResponse>(
          [](const Stubs& s, auto... a) { s.auth->async()->RoleRevokePermission(a...); });
}

// The Lock and Election services' routes (the google.api.http options of v3lock.proto and
// v3election.proto). A waiting lock/lock or election/campaign whose client goes away is
// canceled, which deletes its key.
void add_recipe_routes(std::unordered_map<std::string_view, Route>& r) {
  namespace lpb = v3lockpb;
  namespace epb = v3electionpb;
  r["lock/lock"] = unary<lpb::LockRequest, lpb::LockResponse>(
      [](const Stubs& s, auto... a) { s.lock->async()->Lock(a...); });
  r["lock/unlock"] = unary<lpb::UnlockRequest, lpb::UnlockResponse>(
      [](const Stubs& s, auto... a) { s.lock->async()->Unlock(a...); });
  r["election/campaign"] = unary<epb::CampaignRequest, epb::CampaignResponse>(
      [](const Stubs& s, auto... a) { s.election->async()->Campaign(a...); });
  r["election/proclaim"] = unary<epb::ProclaimRequest, epb::ProclaimResponse>(
      [](const Stubs& s, auto... a) { s.election->async()->Proclaim(a...); });
  r["election/leader"] = unary<epb::LeaderRequest, epb::LeaderResponse>(
      [](const Stubs& s, auto... a) { s.election->async()->Leader(a...); });
  r["election/observe"] = server_stream<epb::LeaderRequest, epb::LeaderResponse>(
      [](const Stubs& s, auto... a) { s.election->async()->Observe(a...); });
  r["election/resign"] = unary<epb::ResignRequest, epb::ResignResponse>(
      [](const Stubs& s, auto... a) { s.election->async()->Resign(a...); });
}

// etcd 3.4's routes (the google.api.http options of rpc.proto), under /v3/. Not here:
// HashKV, whose /v3/maintenance/hash is Hash's (etcd 3.4 registers both on that path and
// Hash's answers).
std::unordered_map<std::string_view, Route> make_routes() {
  std::unordered_map<std::string_view, Route> r;
  r["kv/range"] = unary<pb::RangeRequest, pb::RangeResponse>(
      [](const Stubs& s, auto... a) { s.kv->async()->Range(a...); });
  r["kv/put"] = unary<pb::PutRequest, pb::PutResponse>(
      [](const Stubs& s, auto... a) { s.kv->async()->Put(a...); });
  r["kv/deleterange"] = unary<pb::DeleteRangeRequest, pb::DeleteRangeResponse>(
      [](const Stubs& s, auto... a) { s.kv->async()->DeleteRange(a...); });
  r["kv/txn"] = unary<pb::TxnRequest, pb::TxnResponse>(
      [](const Stubs& s, auto... a) { s.kv->async()->Txn(a...); });
  r["kv/compaction"] = unary<pb::CompactionRequest, pb::CompactionResponse>(
      [](const Stubs& s, auto... a) { s.kv->async()->Compact(a...); });

  r["watch"] = bidi<pb::WatchRequest, pb::WatchResponse>(
      [](const Stubs& s, auto... a) { s.watch->async()->Watch(a...); });

  r["lease/grant"] = unary<pb::LeaseGrantRequest, pb::LeaseGrantResponse>(
      [](const Stubs& s, auto... a) { s.lease->async()->LeaseGrant(a...); });
  r["lease/revoke"] = r["kv/lease/revoke"] = unary<pb::LeaseRevokeRequest, pb::LeaseRevokeResponse>(
      [](const Stubs& s, auto... a) { s.lease->async()->LeaseRevoke(a...); });
  r["lease/keepalive"] = bidi<pb::LeaseKeepAliveRequest, pb::LeaseKeepAliveResponse>(
      [](const Stubs& s, auto... a) { s.lease->async()->LeaseKeepAlive(a...); });
  r["lease/timetolive"] = r["kv/lease/timetolive"] =
      unary<pb::LeaseTimeToLiveRequest, pb::LeaseTimeToLiveResponse>(
          [](const Stubs& s, auto... a) { s.lease->async()->LeaseTimeToLive(a...); });
  r["lease/leases"] = r["kv/lease/leases"] = unary<pb::LeaseLeasesRequest, pb::LeaseLeasesResponse>(
      [](const Stubs& s, auto... a) { s.lease->async()->LeaseLeases(a...); });

  r["cluster/member/add"] = unary<pb::MemberAddRequest, pb::MemberAddResponse>(
      [](const Stubs& s, auto... a) { s.cluster->async()->MemberAdd(a...); });
  r["cluster/member/remove"] = unary<pb::MemberRemoveRequest, pb::MemberRemoveResponse>(
      [](const Stubs& s, auto... a) { s.cluster->async()->MemberRemove(a...); });
  r["cluster/member/update"] = unary<pb::MemberUpdateRequest, pb::MemberUpdateResponse>(
      [](const Stubs& s, auto... a) { s.cluster->async()->MemberUpdate(a...); });
  r["cluster/member/list"] = unary<pb::MemberListRequest, pb::MemberListResponse>(
      [](const Stubs& s, auto... a) { s.cluster->async()->MemberList(a...); });
  r["cluster/member/promote"] = unary<pb::MemberPromoteRequest, pb::MemberPromoteResponse>(
      [](const Stubs& s, auto... a) { s.cluster->async()->MemberPromote(a...); });

  r["maintenance/alarm"] = unary<pb::AlarmRequest, pb::AlarmResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->Alarm(a...); });
  r["maintenance/status"] = unary<pb::StatusRequest, pb::StatusResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->Status(a...); });
  r["maintenance/defragment"] = unary<pb::DefragmentRequest, pb::DefragmentResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->Defragment(a...); });
  r["maintenance/hash"] = unary<pb::HashRequest, pb::HashResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->Hash(a...); });
  r["maintenance/snapshot"] = server_stream<pb::SnapshotRequest, pb::SnapshotResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->Snapshot(a...); });
  r["maintenance/transfer-leadership"] = unary<pb::MoveLeaderRequest, pb::MoveLeaderResponse>(
      [](const Stubs& s, auto... a) { s.maintenance->async()->MoveLeader(a...); });

  add_auth_routes(r);
  add_recipe_routes(r);
  return r;
}

// ---- Paths ---------------------------------------------------------------------------

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  const char l = static_cast<char>(c | 0x20);
  return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

// The decoded path (Go's r.URL.Path, which the routes match). An invalid escape is kept
// as sent (Go refuses such a request outright; here it matches no route).
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Go's ServeMux cleanPath: path.Clean, keeping a trailing slash.
std::string clean_path(std::string_view p) {
  std::vector<std::string_view> parts;
  for (size_t i = 0; i <= p.size();) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    const std::string_view part = p.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (std::string_view part : parts) {
    out += '/';
    out += part;
  }
  if (out.empty()) return "/";
  if (p.ends_with('/')) out += '/';
  return out;
}

// Go's url.URL.EscapedPath, for a redirect's Location.
std::string escape_path(std::string_view p) {
  static constexpr std::string_view kKept = "-_.~$&+,/:;=@";
  std::string out;
  for (char c : p) {
    if (std::isalnum(static_cast<unsigned char>(c)) || kKept.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += go_json::hex_escape("%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

class Gateway {
 public:
  Gateway(const std::shared_ptr<grpc::Channel>& channel, std::vector<std::string> cors)
      : stubs_(channel), cors_{std::move(cors)}, routes_(make_routes()) {}

  // etcd's order: /v3beta/ becomes /v3/, OPTIONS is answered, an unclean path is
  // redirected (Go's ServeMux), then grpc-gateway routes: unknown 404, not POST 405.
  void serve(std::shared_ptr<http::Exchange> exchange) const {
    Answer answer(std::move(exchange), cors_);
    const http::Request& request = answer.request();
    if (request.method == "OPTIONS") return answer.empty();
    std::string path = percent_decode(request.path());
    if (path.starts_with("/v3beta/")) path.replace(0, 8, "/v3/");
    if (const std::string clean = clean_path(path); clean != path) {
      std::string location = escape_path(clean);
      if (!request.query().empty()) location += "?" + std::string(request.query());
      return answer.redirect(location);
    }
    const auto route =
        path.starts_with("/v3/") ? routes_.find(std::string_view(path).substr(4)) : routes_.end();
    if (route == routes_.end()) return answer.plain(404, "Not Found\n");
    if (request.method != "POST") return answer.plain(405, "Method Not Allowed\n");
    route->second(stubs_, std::move(answer));
  }

 private:
  Stubs stubs_;
  api::Cors cors_;
  std::unordered_map<std::string_view, Route> routes_;
};

}  // namespace

bool is_gateway_path(std::string_view path) {
  return path.starts_with("/v3/") || path.starts_with("/v3beta/");
}

http::Handler make_gateway(std::shared_ptr<grpc::Channel> channel, std::vector<std::string> cors) {
  auto gateway = std::make_shared<const Gateway>(channel, std::move(cors));
  return
      [gateway](std::shared_ptr<http::Exchange> exchange) { gateway->serve(std::move(exchange)); };
}
}  // namespace etcd::v3rpc
