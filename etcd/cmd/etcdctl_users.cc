// user add|get|list|remove|grant|revoke|passwd and auth enable|disable (etcd ctlv2/
// command/{user,auth}_commands.go) on the v2 auth API. Errors print the Go client's
// error text and exit 1.
#include "agents/etcdclient/auth_api.h"
#include "etcd/cmd/etcdctl_commands.h"
#include "etcd/cmd/etcdctl_output.h"

namespace etcd::cmd::ctl {
namespace {

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

int fail(Session& s, const client::Error& e) {
  s.err << go_error_text(e) << "\n";
  return kExitBadArgs;
}

// mustNewAuth*API: the client (synced), and etcdctl prints the endpoints once more.
client::Client* auth_client(Session& s) {
  client::Client* c = s.connect();
  if (c != nullptr && s.options.debug) {
    s.err << "Cluster-Endpoints: " << join(c->endpoint_urls(), ", ") << "\n";
  }
  return c;
}

// mustUserAPIAndName.
client::Client* user_client(Session& s, const ParsedArgs& a) {
  if (a.args.size() != 1) {
    s.err << "Please provide a username\n";
    s.exit_code = kExitBadArgs;
    return nullptr;
  }
  return auth_client(s);
}

int grant_or_revoke(Session& s, const ParsedArgs& a, bool grant) {
  const auto roles = a.list("roles");
  if (roles.empty()) {
    s.err << "No roles specified; please use `--roles`\n";
    return kExitBadArgs;
  }
  client::Client* c = user_client(s, a);
  if (c == nullptr) return s.exit_code;
  client::AuthApi api(*c);
  if (auto current = api.get_user(a.args[0]); !current) return fail(s, current.error());
  auto changed = grant ? api.grant_user(a.args[0], roles) : api.revoke_user(a.args[0], roles);
  if (!changed) return fail(s, changed.error());
  s.out << "User " << a.args[0] << " updated\n";
  return kExitSuccess;
}

int enable_or_disable(Session& s, const ParsedArgs& a, bool enable) {
  if (!a.args.empty()) {
    s.err << "No arguments accepted\n";
    return kExitBadArgs;
  }
  client::Client* c = auth_client(s);
  if (c == nullptr) return s.exit_code;
  client::AuthApi api(*c);
  if (auto done = enable ? api.enable() : api.disable(); !done) return fail(s, done.error());
  s.out << (enable ? "Authentication Enabled\n" : "Authentication Disabled\n");
  return kExitSuccess;
}

}  // namespace

int cmd_user_add(Session& s, const ParsedArgs& a) {
  client::Client* c = user_client(s, a);
  if (c == nullptr) return s.exit_code;
  const std::string arg = a.args[0];
  const auto colon = arg.find(':');
  const std::string name = arg.substr(0, colon);
  client::AuthApi api(*c);
  if (api.get_user(name).ok()) {
    s.err << "User " << name << " already exists\n";
    return kExitBadArgs;
  }
  std::optional<std::string> password;
  if (colon != std::string::npos) {
    password = arg.substr(colon + 1);
  } else {
    password = s.ask_password("New password: ");
  }
  if (!password) {
    s.err << "Error reading password: EOF\n";
    return kExitBadArgs;
  }
  if (auto added = api.add_user(name, *password); !added) return fail(s, added.error());
  s.out << "User " << name << " created\n";
  return kExitSuccess;
}

int cmd_user_get(Session& s, const ParsedArgs& a) {
  client::Client* c = user_client(s, a);
  if (c == nullptr) return s.exit_code;
  auto user = client::AuthApi(*c).get_user(a.args[0]);
  if (!user) return fail(s, user.error());
  // etcdctl builds its list with make(n) then append: n empty names precede the roles,
  // so one role prints as "Roles:  r1" and two as "Roles:   r1 r2".
  std::vector<std::string> printed(user->roles.size());
  printed.insert(printed.end(), user->roles.begin(), user->roles.end());
  s.out << "User: " << user->name << "\nRoles: " << join(printed, " ") << "\n";
  return kExitSuccess;
}

int cmd_user_list(Session& s, const ParsedArgs& a) {
  if (!a.args.empty()) {
    s.err << "No arguments accepted\n";
    return kExitBadArgs;
  }
  client::Client* c = auth_client(s);
  if (c == nullptr) return s.exit_code;
  auto users = client::AuthApi(*c).list_users();
  if (!users) return fail(s, users.error());
  for (const auto& u : *users) s.out << u << "\n";
  return kExitSuccess;
}

int cmd_user_remove(Session& s, const ParsedArgs& a) {
  client::Client* c = user_client(s, a);
  if (c == nullptr) return s.exit_code;
  if (auto removed = client::AuthApi(*c).remove_user(a.args[0]); !removed) {
    return fail(s, removed.error());
  }
  s.out << "User " << a.args[0] << " removed\n";
  return kExitSuccess;
}

int cmd_user_grant(Session& s, const ParsedArgs& a) { return grant_or_revoke(s, a, true); }

int cmd_user_revoke(Session& s, const ParsedArgs& a) { return grant_or_revoke(s, a, false); }

int cmd_user_passwd(Session& s, const ParsedArgs& a) {
  client::Client* c = user_client(s, a);
  if (c == nullptr) return s.exit_code;
  client::AuthApi api(*c);
  if (auto current = api.get_user(a.args[0]); !current) return fail(s, current.error());
  auto password = s.ask_password("New password: ");
  if (!password) {
    s.err << "Error reading password: EOF\n";
    return kExitBadArgs;
  }
  if (auto changed = api.change_password(a.args[0], *password); !changed) {
    return fail(s, changed.error());
  }
  s.out << "Password updated\n";
  return kExitSuccess;
}

int cmd_auth_enable(Session& s, const ParsedArgs& a) { return enable_or_disable(s, a, true); }

int cmd_auth_disable(Session& s, const ParsedArgs& a) { return enable_or_disable(s, a, false); }

}  // namespace etcd::cmd::ctl
