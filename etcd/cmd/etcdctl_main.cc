// etcdctl2: the suite's etcd v2 command-line client, a drop-in for etcdctl 2.3 /
// ETCDCTL_API=2 (docs/etcdctl.md). Named etcdctl2 so it never shadows the distribution's
// etcdctl. main() parses the global options, finds the command in the table below,
// parses its flags the etcdctl way (etcdctl_flags.h) and runs it.
#include <cstdlib>
#include <iostream>
#include <vector>

#include "etcd/cmd/etcdctl_commands.h"
#include "etcd/cmd/etcdctl_global.h"

namespace etcd::cmd::ctl {
namespace {

constexpr FlagSpec kNoFlags[] = {{"help,h", FlagKind::boolean, "show help"}};
constexpr FlagSpec kGetFlags[] = {
    {"sort", FlagKind::boolean, "returns result in sorted order"},
    {"quorum,q", FlagKind::boolean, "require quorum for get request"}};
constexpr FlagSpec kSetFlags[] = {
    {"ttl", FlagKind::integer, "key time-to-live in seconds (default: 0)"},
    {"swap-with-value", FlagKind::text, "previous value"},
    {"swap-with-index", FlagKind::integer, "previous index (default: 0)"}};
constexpr FlagSpec kMkFlags[] = {
    {"in-order", FlagKind::boolean, "create in-order key under directory <key>"},
    {"ttl", FlagKind::integer, "key time-to-live in seconds (default: 0)"}};
constexpr FlagSpec kTtlFlags[] = {
    {"ttl", FlagKind::integer, "key time-to-live in seconds (default: 0)"}};
constexpr FlagSpec kRmFlags[] = {
    {"dir", FlagKind::boolean, "removes the key if it is an empty directory or a key-value pair"},
    {"recursive,r", FlagKind::boolean, "removes the key and all child keys(if it is a directory)"},
    {"with-value", FlagKind::text, "previous value"},
    {"with-index", FlagKind::integer, "previous index (default: 0)"}};
constexpr FlagSpec kLsFlags[] = {
    {"sort", FlagKind::boolean, "returns result in sorted order"},
    {"recursive,r", FlagKind::boolean, "returns all key names recursively for the given path"},
    {"p", FlagKind::boolean, "append slash (/) to directories"},
    {"quorum,q", FlagKind::boolean, "require quorum for get request"}};
constexpr FlagSpec kWatchFlags[] = {
    {"forever,f", FlagKind::boolean, "forever watch a key until CTRL+C"},
    {"after-index", FlagKind::integer, "watch after the given index (default: 0)"},
    {"recursive,r", FlagKind::boolean, "returns all values for key and child keys"}};
constexpr FlagSpec kExecWatchFlags[] = {
    {"after-index", FlagKind::integer, "watch after the given index (default: 0)"},
    {"recursive,r", FlagKind::boolean, "watch all values for key and child keys"}};
constexpr FlagSpec kHealthFlags[] = {
    {"forever,f", FlagKind::boolean, "forever check the health every 10 second until CTRL+C"}};
constexpr FlagSpec kRolesFlags[] = {
    {"roles", FlagKind::text_list, "List of roles to grant or revoke"}};
constexpr FlagSpec kPathFlags[] = {
    {"path", FlagKind::text, "Path granted for the role to access"},
    {"read", FlagKind::boolean, "Grant read-only access"},
    {"write", FlagKind::boolean, "Grant write-only access"},
    {"readwrite,rw", FlagKind::boolean, "Grant read-write access"}};
constexpr FlagSpec kBackupFlags[] = {
    {"data-dir", FlagKind::text, "Path to the etcd2 data dir"},
    {"wal-dir", FlagKind::text, "Path to the etcd2 wal dir"},
    {"backup-dir", FlagKind::text, "Path to the backup dir"},
    {"backup-wal-dir", FlagKind::text, "Path to the backup wal dir"},
    {"with-v3", FlagKind::boolean, "accepted for compatibility (there is no v3 store)"}};

constexpr Command kMemberCommands[] = {
    {"list", "enumerate existing cluster members", "", kNoFlags, cmd_member_list, {}},
    {"add", "add a new member to the etcd cluster", "<name> <peerURL>", kNoFlags, cmd_member_add,
     {}},
    {"remove", "remove an existing member from the etcd cluster", "<memberID>", kNoFlags,
     cmd_member_remove, {}},
    {"update", "update an existing member in the etcd cluster", "<memberID> <peerURLs>",
     kNoFlags, cmd_member_update, {}}};
constexpr Command kUserCommands[] = {
    {"add", "add a new user for the etcd cluster", "<user>", kNoFlags, cmd_user_add, {}},
    {"get", "get details for a user", "<user>", kNoFlags, cmd_user_get, {}},
    {"list", "list all current users", "<user>", kNoFlags, cmd_user_list, {}},
    {"remove", "remove a user for the etcd cluster", "<user>", kNoFlags, cmd_user_remove, {}},
    {"grant", "grant roles to an etcd user", "<user>", kRolesFlags, cmd_user_grant, {}},
    {"revoke", "revoke roles for an etcd user", "<user>", kRolesFlags, cmd_user_revoke, {}},
    {"passwd", "change password for a user", "<user>", kNoFlags, cmd_user_passwd, {}}};
constexpr Command kRoleCommands[] = {
    {"add", "add a new role for the etcd cluster", "<role> ", kNoFlags, cmd_role_add, {}},
    {"get", "get details for a role", "<role>", kNoFlags, cmd_role_get, {}},
    {"list", "list all roles", "", kNoFlags, cmd_role_list, {}},
    {"remove", "remove a role from the etcd cluster", "<role>", kNoFlags, cmd_role_remove, {}},
    {"grant", "grant path matches to an etcd role", "<role>", kPathFlags, cmd_role_grant, {}},
    {"revoke", "revoke path matches for an etcd role", "<role>", kPathFlags, cmd_role_revoke, {}}};
constexpr Command kAuthCommands[] = {
    {"enable", "enable auth access controls", "", kNoFlags, cmd_auth_enable, {}},
    {"disable", "disable auth access controls", "", kNoFlags, cmd_auth_disable, {}}};

constexpr Command kCommands[] = {
    {"backup", "backup an etcd directory", "", kBackupFlags, cmd_backup, {}},
    {"cluster-health", "check the health of the etcd cluster", "", kHealthFlags,
     cmd_cluster_health, {}},
    {"mk", "make a new key with a given value", "<key> <value>", kMkFlags, cmd_mk, {}},
    {"mkdir", "make a new directory", "<key>", kTtlFlags, cmd_mkdir, {}},
    {"rm", "remove a key or a directory", "<key>", kRmFlags, cmd_rm, {}},
    {"rmdir", "removes the key if it is an empty directory or a key-value pair", "<key>",
     kNoFlags, cmd_rmdir, {}},
    {"get", "retrieve the value of a key", "<key>", kGetFlags, cmd_get, {}},
    {"ls", "retrieve a directory", "[key]", kLsFlags, cmd_ls, {}},
    {"set", "set the value of a key", "<key> <value>", kSetFlags, cmd_set, {}},
    {"setdir", "create a new directory or update an existing directory TTL", "<key>", kTtlFlags,
     cmd_setdir, {}},
    {"update", "update an existing key with a given value", "<key> <value>", kTtlFlags,
     cmd_update, {}},
    {"updatedir", "update an existing directory", "<key> <value>", kTtlFlags, cmd_updatedir, {}},
    {"watch", "watch a key for changes", "<key>", kWatchFlags, cmd_watch, {}},
    {"exec-watch", "watch a key for changes and exec an executable",
     "<key> <command> [args...]", kExecWatchFlags, cmd_exec_watch, {}},
    {"member", "member add, remove and list subcommands", "", {}, nullptr, kMemberCommands},
    {"user", "user add, grant and revoke subcommands", "", {}, nullptr, kUserCommands},
    {"role", "role add, grant and revoke subcommands", "", {}, nullptr, kRoleCommands},
    {"auth", "overall auth controls", "", {}, nullptr, kAuthCommands}};

const Command* find(std::span<const Command> table, const std::string& name) {
  for (const auto& c : table) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::string command_help(const std::string& path, const Command& c) {
  std::string out = "NAME:\n   etcdctl2 " + path + " - " + c.usage + "\n\nUSAGE:\n   etcdctl2 " +
                    path + (c.subcommands.empty() ? " [command options] " + std::string(c.args_usage)
                                                  : " command [command options] [arguments...]");
  if (!c.subcommands.empty()) {
    out += "\n\nCOMMANDS:\n";
    for (const auto& sub : c.subcommands) out += "     " + std::string(sub.name) + "\t" + sub.usage + "\n";
    return out;
  }
  out += "\n\nOPTIONS:\n";
  for (const auto& f : c.flags) {
    if (std::string(f.names) == "help,h") continue;
    const std::string name = std::string(f.names).substr(0, std::string(f.names).find(','));
    out += "   --" + name + (f.kind == FlagKind::boolean ? "" : " value") + "\t" + f.help + "\n";
  }
  return out;
}

int run(const Command& c, const std::string& path, const std::vector<std::string>& args,
        Session& session) {
  std::vector<FlagSpec> specs(c.flags.begin(), c.flags.end());
  specs.push_back({"help,h", FlagKind::boolean, "show help"});
  auto parsed = parse_command_args(specs, args);
  if (!parsed) {
    std::cout << "Incorrect Usage: " << parsed.error().message << "\n\n" << command_help(path, c);
    std::cerr << parsed.error().message << "\n";
    return 1;
  }
  if (parsed->flag("help")) {
    std::cout << command_help(path, c);
    return 0;
  }
  return c.run(session, *parsed);
}

int dispatch(const CommandLine& line, Session& session) {
  const Command* c = find(kCommands, line.command);
  if (c == nullptr) {
    std::cerr << "No help topic for '" << line.command << "'";
    return 3;
  }
  if (c->subcommands.empty()) return run(*c, c->name, line.args, session);
  if (line.args.empty() || line.args[0] == "help" || line.args[0] == "-h" ||
      line.args[0] == "--help") {
    std::cout << command_help(c->name, *c);
    return 0;
  }
  const Command* sub = find(c->subcommands, line.args[0]);
  if (sub == nullptr) {
    std::cerr << "No help topic for '" << line.args[0] << "'";
    return 3;
  }
  return run(*sub, std::string(c->name) + " " + sub->name,
             std::vector<std::string>(line.args.begin() + 1, line.args.end()), session);
}

}  // namespace
}  // namespace etcd::cmd::ctl

int main(int argc, char** argv) {
  using namespace etcd::cmd::ctl;
  const EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
  auto line = parse_global(std::vector<std::string>(argv + 1, argv + argc), env);
  if (!line) {
    std::cout << "Incorrect Usage.\n\n" << global_help();
    std::cerr << line.error().message << "\n";
    return 1;
  }
  if (line->options.version) {
    std::cout << version_text();
    return 0;
  }
  if (line->options.help || line->command.empty() || line->command == "help" ||
      line->command == "h") {
    std::cout << global_help();
    return 0;
  }
  Session session{line->options, std::cout, std::cerr, std::cin, env, nullptr};
  const int code = dispatch(*line, session);
  std::cout.flush();
  return code;
}
