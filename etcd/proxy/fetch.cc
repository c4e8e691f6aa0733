// fetch()/fetch_sync() (declared in upstream_call.h): a whole small response.
#include <boost/asio/io_context.hpp>

#include "etcd/proxy/origin.h"
#include "etcd/proxy/upstream_call.h"

namespace etcd::proxy {

void fetch(boost::asio::io_context& io, const std::string& url, Timeouts timeouts,
           std::function<void(Result<FetchReply>)> done) {
  const auto split = split_url(url);
  auto reply = std::make_shared<FetchReply>();
  auto shared_done = std::make_shared<std::function<void(Result<FetchReply>)>>(std::move(done));
  UpstreamCallbacks cb;
  cb.on_fail = [shared_done, url](const Error& e) {
    (*shared_done)(Error{"GET " + url + ": " + e.message});
  };
  cb.on_head = [reply](UpstreamHead head) { reply->status = head.status; };
  cb.on_data = [reply](std::string data) { reply->body += data; };
  cb.on_end = [shared_done, reply, url](std::optional<Error> e) {
    if (e) return (*shared_done)(Error{"GET " + url + ": " + e->message});
    (*shared_done)(std::move(*reply));
  };
  UpstreamCall::start(io, split.origin, {"GET", split.target, {}, ""}, timeouts, std::move(cb));
}

Result<FetchReply> fetch_sync(const std::string& url, Timeouts timeouts) {
  boost::asio::io_context io;
  Result<FetchReply> out = Error{"GET " + url + ": no answer"};
  fetch(io, url, timeouts, [&out](Result<FetchReply> r) { out = std::move(r); });
  io.run();
  return out;
}

}  // namespace etcd::proxy
