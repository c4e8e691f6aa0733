// The etcdctl2 commands, one function each, behaving as etcdctl 2.3 / ETCDCTL_API=2
// (etcd's ctlv2/command/*.go): the same argument checks in the same order (the client
// is created — and the cluster synced — before a missing key is reported, as etcdctl
// does), the same output and the same exit codes (etcdctl_output.h). Each returns the
// process exit status. The table in etcdctl_main.cc maps names and flags to them.
#pragma once

#include <span>

#include "etcd/cmd/etcdctl_flags.h"
#include "etcd/cmd/etcdctl_session.h"

namespace etcd::cmd::ctl {

using CommandFn = int (*)(Session&, const ParsedArgs&);

struct Command {
  const char* name;
  const char* usage;
  const char* args_usage;
  std::span<const FlagSpec> flags;
  CommandFn run;
  std::span<const Command> subcommands;  // member, user, role, auth
  const char* description = nullptr;     // the help's DESCRIPTION section, when it has one
};

// etcdctl_keys.cc
int cmd_get(Session& s, const ParsedArgs& a);
int cmd_set(Session& s, const ParsedArgs& a);
int cmd_mk(Session& s, const ParsedArgs& a);
int cmd_mkdir(Session& s, const ParsedArgs& a);
int cmd_setdir(Session& s, const ParsedArgs& a);
int cmd_update(Session& s, const ParsedArgs& a);
int cmd_updatedir(Session& s, const ParsedArgs& a);
int cmd_rm(Session& s, const ParsedArgs& a);
int cmd_rmdir(Session& s, const ParsedArgs& a);
int cmd_ls(Session& s, const ParsedArgs& a);

// etcdctl_watch.cc
int cmd_watch(Session& s, const ParsedArgs& a);
int cmd_exec_watch(Session& s, const ParsedArgs& a);

// etcdctl_members.cc
int cmd_member_list(Session& s, const ParsedArgs& a);
int cmd_member_add(Session& s, const ParsedArgs& a);
int cmd_member_remove(Session& s, const ParsedArgs& a);
int cmd_member_update(Session& s, const ParsedArgs& a);
int cmd_cluster_health(Session& s, const ParsedArgs& a);

// etcdctl_users.cc
int cmd_user_add(Session& s, const ParsedArgs& a);
int cmd_user_get(Session& s, const ParsedArgs& a);
int cmd_user_list(Session& s, const ParsedArgs& a);
int cmd_user_remove(Session& s, const ParsedArgs& a);
int cmd_user_grant(Session& s, const ParsedArgs& a);
int cmd_user_revoke(Session& s, const ParsedArgs& a);
int cmd_user_passwd(Session& s, const ParsedArgs& a);
int cmd_auth_enable(Session& s, const ParsedArgs& a);
int cmd_auth_disable(Session& s, const ParsedArgs& a);

// etcdctl_roles.cc
int cmd_role_add(Session& s, const ParsedArgs& a);
int cmd_role_get(Session& s, const ParsedArgs& a);
int cmd_role_list(Session& s, const ParsedArgs& a);
int cmd_role_remove(Session& s, const ParsedArgs& a);
int cmd_role_grant(Session& s, const ParsedArgs& a);
int cmd_role_revoke(Session& s, const ParsedArgs& a);

// etcdctl_backup.cc
int cmd_backup(Session& s, const ParsedArgs& a);

}  // namespace etcd::cmd::ctl
