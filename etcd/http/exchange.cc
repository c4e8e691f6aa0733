#include "etcd/http/exchange.h"

#include "etcd/http/session.h"

namespace etcd::http {

Exchange::Exchange(Request request, std::weak_ptr<Session> session,
                   const ResponseObserver* observer)
    : request_(std::move(request)), session_(std::move(session)), observer_(observer) {}

void Exchange::respond(Response response) {
  if (completed_.exchange(true)) return;
  if (observer_ && *observer_) (*observer_)(request_, response.status);
  if (auto s = session_.lock()) {
    s->post_complete(this, serialize(response, request_.keep_alive, request_.method == "HEAD"),
                     true);
  }
}

void Exchange::begin_stream(Response head) {
  if (completed_.load()) return;
  if (observer_ && *observer_) (*observer_)(request_, head.status);
  if (auto s = session_.lock()) {
    s->post_complete(this, serialize_stream_head(head, request_.keep_alive), false);
  }
}

void Exchange::write_chunk(std::string data) {
  if (completed_.load() || data.empty()) return;  // an empty chunk would end the body
  if (auto s = session_.lock()) s->post_complete(this, serialize_chunk(data), false);
}

void Exchange::end_stream() {
  if (completed_.exchange(true)) return;
  if (auto s = session_.lock()) s->post_complete(this, std::string(kLastChunk), true);
}

void Exchange::end_stream_with(std::string data) {
  if (data.empty()) return end_stream();
  if (completed_.exchange(true)) return;
  if (auto s = session_.lock()) {
    s->post_complete(this, serialize_chunk(data) + std::string(kLastChunk), true);
  }
}

void Exchange::on_abort(std::function<void()> callback) {
  {
    std::lock_guard lock(mutex_);
    if (!aborted_.load()) {
      on_abort_ = std::move(callback);
      return;
    }
  }
  callback();  // already aborted: tell the caller right away
}

void Exchange::abort() {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    if (aborted_.exchange(true) || completed_.load()) return;
    callback = std::move(on_abort_);
  }
  if (callback) callback();
}

}  // namespace etcd::http
