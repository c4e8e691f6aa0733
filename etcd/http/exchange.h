// Exchange: one request and the means to answer it, handed to a handler. The handler may
// answer at once or later, from any thread (e.g. after a raft round trip): every method
// posts to the connection's strand. Answer exactly once: respond(), or begin_stream() +
// write_chunk()* + end_stream() for a chunked response (watches).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

#include "etcd/http/message.h"

namespace etcd::http {

class Session;

// Told about every answer (status of a response, or of a stream's head), e.g. for metrics.
using ResponseObserver = std::function<void(const Request& request, int status)>;

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(Request request, std::weak_ptr<Session> session, const ResponseObserver* observer);

  const Request& request() const { return request_; }

  void respond(Response response);
  void begin_stream(Response head);
  void write_chunk(std::string data);
  void end_stream();
  // A last chunk and the end of the stream in one write (a long-poll watch's one event).
  void end_stream_with(std::string data);

  // Called at most once, on an arbitrary thread, if the client goes away (or the server
  // stops) before the exchange completed. Set it before waiting on anything.
  void on_abort(std::function<void()> callback);
  bool aborted() const { return aborted_.load(); }

  // Session side.
  void abort();

 private:
  Request request_;
  std::weak_ptr<Session> session_;
  const ResponseObserver* observer_;  // owned by the Server, which outlives its exchanges
  std::mutex mutex_;  // guards on_abort_ against abort() racing with on_abort()
  std::function<void()> on_abort_;
  std::atomic<bool> aborted_{false};
  std::atomic<bool> completed_{false};
};

using Handler = std::function<void(std::shared_ptr<Exchange>)>;

}  // namespace etcd::http
