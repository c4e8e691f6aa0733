#include "agents/etcdclient/http.h"

namespace etcd::client {

std::string HttpRequest::url_for(const Endpoint& endpoint) const {
  const std::string full = join == PathJoin::canonical
                               ? canonical_url_path(endpoint.path + path)
                               : join_path({endpoint.path, path});
  std::string url = endpoint.scheme + "://" + endpoint.host + escape_path(full);
  if (!query.empty()) url += "?" + query;
  return url;
}

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

}  // namespace etcd::client
