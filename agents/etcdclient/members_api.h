// MembersApi: cluster membership through /v2/members — list, leader, add, remove and
// update peer URLs — with the status handling of etcd's Go client (client/members.go):
// an unexpected status is kind http "unexpected status code N"; a 409 on add/update or a
// 404 on update carries the server's {"message"} as the error message; a remove of an
// already removed member (410) counts as done. Borrows a Client; same threading rules.
#pragma once

#include <string>
#include <vector>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/result.h"
#include "agents/etcdclient/types.h"

namespace etcd::client {

class MembersApi {
 public:
  explicit MembersApi(Client& client) : client_(client) {}

  Result<std::vector<Member>> list();
  // GET /v2/members/leader.
  Result<Member> leader();
  // POST; the new member (id set, name and client URLs empty until it starts). The URLs
  // are validated and sorted first (kind invalid: see validate_peer_urls).
  Result<Member> add(const std::vector<std::string>& peer_urls);
  // DELETE /v2/members/<id> (hex).
  Result<void> remove(const std::string& id);
  // PUT /v2/members/<id> with new peer URLs.
  Result<void> update(const std::string& id, const std::vector<std::string>& peer_urls);

 private:
  Client& client_;
};

// etcd types.NewURLs: each URL must be http, https, unix or unixs with "host:port" and no
// path; returns them sorted. Errors (kind invalid) carry etcd's messages, e.g. `URL
// scheme must be http, https, unix, or unixs: <url>`.
Result<std::vector<std::string>> validate_peer_urls(const std::vector<std::string>& urls);

}  // namespace etcd::client
