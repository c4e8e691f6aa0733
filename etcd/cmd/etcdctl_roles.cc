// role add|get|list|remove|grant|revoke (etcd ctlv2/command/role_commands.go) on the v2
// auth API. Errors print the Go client's error text and exit 1.
#include "agents/etcdclient/roles_api.h"
#include "agents/etcdclient/url.h"
#include "etcd/cmd/etcdctl_commands.h"
#include "etcd/cmd/etcdctl_output.h"

namespace etcd::cmd::ctl {
namespace {

int fail(Session& s, const client::Error& e) {
  s.err << go_error_text(e) << "\n";
  return kExitBadArgs;
}

// mustRoleAPIAndName (and the second Cluster-Endpoints line of mustNewAuthRoleAPI).
client::Client* role_client(Session& s, const ParsedArgs& a) {
  if (a.args.size() != 1) {
    s.err << "Please provide a role name\n";
    s.exit_code = kExitBadArgs;
    return nullptr;
  }
  client::Client* c = s.connect();
  if (c != nullptr && s.options.debug) {
    std::string eps;
    for (const auto& e : c->endpoint_urls()) eps += (eps.empty() ? "" : ", ") + e;
    s.err << "Cluster-Endpoints: " << eps << "\n";
  }
  return c;
}

// The checks before any request: a canonical --path and exactly one permission.
std::optional<client::Permission> permission_of(Session& s, const ParsedArgs& a) {
  const std::string path = a.text("path");
  if (path.empty()) {
    s.err << "No path specified; please use `--path`\n";
    return std::nullopt;
  }
  if (client::canonical_url_path(path) != path) {
    s.err << "Not canonical path; please use `--path=" << client::canonical_url_path(path) << "`\n";
    return std::nullopt;
  }
  const int count = a.flag("read") + a.flag("write") + a.flag("readwrite");
  if (count != 1) {
    s.err << "Please specify exactly one of --read, --write or --readwrite\n";
    return std::nullopt;
  }
  if (a.flag("read")) return client::Permission::read;
  if (a.flag("write")) return client::Permission::write;
  return client::Permission::read_write;
}

bool same_role(const client::Role& a, const client::Role& b) {
  return a.name == b.name && a.read == b.read && a.write == b.write;
}

int grant_or_revoke(Session& s, const ParsedArgs& a, bool grant) {
  auto permission = permission_of(s, a);
  if (!permission) return kExitBadArgs;
  client::Client* c = role_client(s, a);
  if (c == nullptr) return s.exit_code;
  client::RolesApi api(*c);
  auto current = api.get(a.args[0]);
  if (!current) return fail(s, current.error());
  const std::vector<std::string> prefixes{a.text("path")};
  auto changed = grant ? api.grant(a.args[0], prefixes, *permission)
                       : api.revoke(a.args[0], prefixes, *permission);
  if (!changed) return fail(s, changed.error());
  if (same_role(*changed, *current)) {
    s.out << (grant ? "Role unchanged; already granted" : "Role unchanged; already revoked");
  }
  s.out << "Role " << a.args[0] << " updated\n";
  return kExitSuccess;
}

}  // namespace

int cmd_role_add(Session& s, const ParsedArgs& a) {
  client::Client* c = role_client(s, a);
  if (c == nullptr) return s.exit_code;
  client::RolesApi api(*c);
  if (api.get(a.args[0]).ok()) {
    s.err << "Role " << a.args[0] << " already exists\n";
    return kExitBadArgs;
  }
  if (auto added = api.add(a.args[0]); !added) return fail(s, added.error());
  s.out << "Role " << a.args[0] << " created\n";
  return kExitSuccess;
}

int cmd_role_get(Session& s, const ParsedArgs& a) {
  client::Client* c = role_client(s, a);
  if (c == nullptr) return s.exit_code;
  auto role = client::RolesApi(*c).get(a.args[0]);
  if (!role) return fail(s, role.error());
  s.out << "Role: " << role->name << "\nKV Read:\n";
  for (const auto& p : role->read) s.out << "\t" << p << "\n";
  s.out << "KV Write:\n";
  for (const auto& p : role->write) s.out << "\t" << p << "\n";
  return kExitSuccess;
}

int cmd_role_list(Session& s, const ParsedArgs& a) {
  if (!a.args.empty()) {
    s.err << "No arguments accepted\n";
    return kExitBadArgs;
  }
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  if (s.options.debug) {
    std::string eps;
    for (const auto& e : c->endpoint_urls()) eps += (eps.empty() ? "" : ", ") + e;
    s.err << "Cluster-Endpoints: " << eps << "\n";
  }
  auto roles = client::RolesApi(*c).list();
  if (!roles) return fail(s, roles.error());
  for (const auto& r : *roles) s.out << r << "\n";
  return kExitSuccess;
}

int cmd_role_remove(Session& s, const ParsedArgs& a) {
  client::Client* c = role_client(s, a);
  if (c == nullptr) return s.exit_code;
  if (auto removed = client::RolesApi(*c).remove(a.args[0]); !removed) {
    return fail(s, removed.error());
  }
  s.out << "Role " << a.args[0] << " removed\n";
  return kExitSuccess;
}

int cmd_role_grant(Session& s, const ParsedArgs& a) { return grant_or_revoke(s, a, true); }

int cmd_role_revoke(Session& s, const ParsedArgs& a) { return grant_or_revoke(s, a, false); }

}  // namespace etcd::cmd::ctl
