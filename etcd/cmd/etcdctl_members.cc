// member list|add|remove|update and cluster-health (etcd ctlv2/command/
// {member_commands,cluster_health}.go). Errors print the Go client's error text and
// exit 1; cluster-health exits 5 unless every member answers healthy.
#include <chrono>
#include <sstream>
#include <thread>

#include "agents/etcdclient/members_api.h"
#include "etcd/cmd/etcdctl_commands.h"
#include "etcd/cmd/etcdctl_output.h"

namespace etcd::cmd::ctl {
namespace {

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? sep : "") + items[i];
  return out;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');)
    out.push_back(item);
  return out;
}

// fmt.Fprintln(os.Stderr, err.Error()); os.Exit(1)
int fail(Session& s, const client::Error& e, const std::string& prefix = "") {
  s.err << prefix << go_error_text(e) << "\n";
  return kExitBadArgs;
}

void print_add_config(Session& s, const std::string& name, const std::string& id,
                      const std::vector<client::Member>& members) {
  std::vector<std::string> conf;
  for (const auto& m : members) {
    for (const auto& url : m.peer_urls)
      conf.push_back((m.id == id ? name : m.name) + "=" + url);
  }
  s.out << "\nETCD_NAME=" << go_quote(name) << "\n";
  s.out << "ETCD_INITIAL_CLUSTER=" << go_quote(join(conf, ",")) << "\n";
  s.out << "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n";
}

// One pass of cluster-health over every member; how many answered healthy.
size_t check_members(Session& s, client::Client& c, const std::vector<client::Member>& members) {
  size_t healthy = 0;
  for (const auto& m : members) {
    if (m.client_urls.empty()) {
      s.out << "member " << m.id << " is unreachable: no available published client urls\n";
      continue;
    }
    bool checked = false;
    for (const auto& url : m.client_urls) {
      auto health = c.member_health(url);
      if (!health) {
        const auto& e = health.error();
        const std::string why = e.kind == client::ErrorKind::transport && !e.endpoint_errors.empty()
                                    ? "Get \"" + url + "/health\": " + e.endpoint_errors[0].message
                                    : e.message;
        s.out << "failed to check the health of member " << m.id << " on " << url << ": " << why
              << "\n";
        continue;
      }
      checked = true;
      healthy += *health ? 1 : 0;
      s.out << "member " << m.id
            << (*health ? " is healthy: got healthy result from "
                        : " is unhealthy: got unhealthy result from ")
            << url << "\n";
      break;
    }
    if (!checked) {
      s.out << "member " << m.id << " is unreachable: [" << join(m.client_urls, " ")
            << "] are all unreachable\n";
    }
  }
  return healthy;
}

}  // namespace

int cmd_member_list(Session& s, const ParsedArgs& a) {
  if (!a.args.empty()) {
    s.err << "No arguments accepted\n";
    return kExitBadArgs;
  }
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  client::MembersApi api(*c);
  auto members = api.list();
  if (!members) return fail(s, members.error());
  auto leader = api.leader();
  if (!leader) return fail(s, leader.error(), "Failed to get leader:  ");
  for (const auto& m : *members) {
    if (m.name.empty()) {
      s.out << m.id << "[unstarted]: peerURLs=" << join(m.peer_urls, ",") << "\n";
    } else {
      s.out << m.id << ": name=" << m.name << " peerURLs=" << join(m.peer_urls, ",")
            << " clientURLs=" << join(m.client_urls, ",")
            << " isLeader=" << (m.id == leader->id ? "true" : "false") << "\n";
    }
  }
  return kExitSuccess;
}

int cmd_member_add(Session& s, const ParsedArgs& a) {
  if (a.args.size() != 2) {
    s.err << "Provide a name and a single member peerURL\n";
    return kExitBadArgs;
  }
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  client::MembersApi api(*c);
  auto added = api.add({a.args[1]});
  if (!added) return fail(s, added.error());
  s.out << "Added member named " << a.args[0] << " with ID " << added->id << " to cluster\n";
  auto members = api.list();
  if (!members) return fail(s, members.error());
  print_add_config(s, a.args[0], added->id, *members);
  return kExitSuccess;
}

int cmd_member_remove(Session& s, const ParsedArgs& a) {
  if (a.args.size() != 1) {
    s.err << "Provide a single member ID\n";
    return kExitBadArgs;
  }
  const std::string id = a.args[0];
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  client::MembersApi api(*c);
  auto members = api.list();
  if (!members) return fail(s, members.error(), "Error while verifying ID against known members: ");
  bool found = false;
  for (const auto& m : *members) {
    found = found || m.id == id;
    if (m.name == id) {
      s.err << "Found a member named " << m.name << "; if this is correct, please use its ID, "
            << "eg:\n\tetcdctl member remove " << m.id << "\n";
      s.err << "For more details, read the documentation at https://github.com/etcd-io/etcd/"
               "blob/master/Documentation/runtime-configuration.md#remove-a-member\n\n";
    }
  }
  if (!found) {
    s.err << "Couldn't find a member in the cluster with an ID of " << id << ".\n";
    return kExitBadArgs;
  }
  if (auto removed = api.remove(id); !removed) {
    s.err << "Received an error trying to remove member " << id << ": "
          << go_error_text(removed.error());
    return kExitBadArgs;
  }
  s.out << "Removed member " << id << " from cluster\n";
  return kExitSuccess;
}

int cmd_member_update(Session& s, const ParsedArgs& a) {
  if (a.args.size() != 2) {
    s.err << "Provide an ID and a list of comma separated peerURL (0xabcd "
             "http://example.com,http://example1.com)\n";
    return kExitBadArgs;
  }
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  if (auto updated = client::MembersApi(*c).update(a.args[0], split_commas(a.args[1])); !updated) {
    return fail(s, updated.error());
  }
  s.out << "Updated member with ID " << a.args[0] << " in cluster\n";
  return kExitSuccess;
}

int cmd_cluster_health(Session& s, const ParsedArgs& a) {
  client::Client* c = s.connect(false);
  if (c == nullptr) return s.exit_code;
  s.use_total_timeout(false);
  auto members = client::MembersApi(*c).list();
  if (!members) {
    s.out << "cluster may be unhealthy: failed to list members\n";
    return report_error(s.err, kExitServerError, members.error());
  }
  while (true) {
    const size_t healthy = check_members(s, *c, *members);
    const bool all = healthy == members->size();
    s.out << (all            ? "cluster is healthy\n"
              : healthy == 0 ? "cluster is unavailable\n"
                             : "cluster is degraded\n");
    if (!a.flag("forever")) return all ? kExitSuccess : kExitClusterNotHealthy;
    s.out << "\nnext check after 10 second...\n\n" << std::flush;
    std::this_thread::sleep_for(std::chrono::seconds(10));  // etcdctl's fixed period
  }
}

}  // namespace etcd::cmd::ctl
