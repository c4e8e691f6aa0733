#include "etcd/api/keys_handler.h"

#include "etcd/api/v2_json.h"

namespace etcd::api {
namespace {

using ExchangePtr = std::shared_ptr<http::Exchange>;

// etcd's IsCreated: a create, or a set that made a new node.
bool is_created(const store::Event& e) {
  return e.action == store::Action::create ||
         (e.action == store::Action::set && !e.prev_node.has_value());
}

void answer_error(const ExchangePtr& ex, const Cors& cors, const store::StoreError& error,
                  uint64_t cluster_id) {
  http::Response r = error_response(error, cluster_id);
  cors.apply(ex->request(), r);
  ex->respond(std::move(r));
}

void answer_event(const ExchangePtr& ex, const Cors& cors, const KeysRequest& req,
                  store::Event event, const IndexHeaders& headers) {
  const bool write = !req.is_read();
  const int status = write && is_created(event) ? 201 : 200;
  std::string body;
  if (write && req.no_value_on_success &&
      (event.action == store::Action::set || event.action == store::Action::compare_and_swap ||
       event.action == store::Action::create || event.action == store::Action::update)) {
    // etcd drops node and prevNode entirely (nil pointers, omitted by encoding/json).
    body = "{\"action\":";
    append_json_string(body, store::action_name(event.action));
    body += "}\n";
  } else {
    body = render_event(event);
  }
  http::Response r = json_response(status, std::move(body));
  IndexHeaders h = headers;
  h.etcd_index = event.etcd_index.value;
  set_index_headers(r, h, true);
  cors.apply(ex->request(), r);
  ex->respond(std::move(r));
}

void start_watch(Backend& backend, const Cors& cors, const ExchangePtr& ex,
                 const KeysRequest& req) {
  WatchCallbacks callbacks;
  const uint64_t cluster_id = backend.cluster_id();
  callbacks.on_start = [ex, cors, cluster_id](store::StoreResult<IndexHeaders> started) {
    if (!started) return answer_error(ex, cors, started.error(), cluster_id);
    http::Response head = json_response(200, "");
    set_index_headers(head, *started, true);
    cors.apply(ex->request(), head);
    ex->begin_stream(std::move(head));  // flushed now: long-poll clients see the headers
  };
  const bool stream = req.stream;
  callbacks.on_event = [ex, stream](std::shared_ptr<const store::Event> event) {
    if (stream) return ex->write_chunk(render_event(*event));
    ex->end_stream_with(render_event(*event));
  };
  callbacks.on_end = [ex] { ex->end_stream(); };
  CancelWatch cancel = backend.watch(req, std::move(callbacks));
  ex->on_abort(cancel);
}

}  // namespace

namespace {

void serve_keys(Backend& backend, const Cors& cors, const ExchangePtr& ex, KeysRequest req) {
  const uint64_t cluster_id = backend.cluster_id();
  if (req.wait) return start_watch(backend, cors, ex, req);
  auto done = [ex, cors, req, cluster_id](EventResult result, IndexHeaders headers) {
    if (!result) return answer_error(ex, cors, result.error(), cluster_id);
    answer_event(ex, cors, req, std::move(result).value(), headers);
  };
  if (req.is_read()) {
    backend.read(req, std::move(done));
  } else {
    backend.write(req.request, std::move(done));
  }
}

}  // namespace

void handle_keys(Backend& backend, const Cors& cors, const Clock& clock, ExchangePtr ex) {
  auto parsed = parse_keys_request(ex->request(), clock.now_unix_ns());
  if (!parsed) return answer_error(ex, cors, parsed.error(), backend.cluster_id());
  const store::StoreError denied{store::ErrorCode::unauthorized, "Insufficient credentials",
                                 store::EtcdIndex{0}};
  if (auth::in_auth_tree(parsed->request.path)) {
    return answer_error(ex, cors, denied, backend.cluster_id());
  }
  // etcd checks every keys request against the member's applied auth state (guest role
  // without credentials), before anything reaches raft or the store.
  backend.auth_state(
      [&backend, cors, ex, denied, req = std::move(parsed).value()](auth::State state) mutable {
        const std::string* authz = ex->request().header("Authorization");
        const auto header = authz ? std::optional<std::string>(*authz) : std::nullopt;
        const bool recursive = req.request.recursive;
        if (!auth::has_key_access(state, header, req.request.path, !req.is_read(), recursive)) {
          return answer_error(ex, cors, denied, backend.cluster_id());
        }
        serve_keys(backend, cors, ex, std::move(req));
      });
}

}  // namespace etcd::api
