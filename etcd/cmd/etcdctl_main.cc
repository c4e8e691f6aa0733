// etcdctl2: the suite's etcd v2 command-line client, a drop-in for etcdctl 2.3 /
// ETCDCTL_API=2 (docs/etcdctl.md). Named etcdctl2 so it never shadows the distribution's
// etcdctl. main() parses the global options, finds the command in the table below,
// parses its flags the etcdctl way (etcdctl_flags.h) and runs it.
#include <cstdlib>
#include <iostream>
#include <vector>

#include "etcd/cmd/etcdctl_commands.h"
#include "etcd/cmd/etcdctl_global.h"
#include "etcd/cmd/etcdctl_output.h"

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
constexpr FlagSpec kPathFlags[] = {{"path", FlagKind::text, "Path granted for the role to access"},
                                   {"read", FlagKind::boolean, "Grant read-only access"},
                                   {"write", FlagKind::boolean, "Grant write-only access"},
                                   {"readwrite,rw", FlagKind::boolean, "Grant read-write access"}};
constexpr FlagSpec kRevokePathFlags[] = {
    {"path", FlagKind::text, "Path revoked for the role to access"},
    {"read", FlagKind::boolean, "Revoke read access"},
    {"write", FlagKind::boolean, "Revoke write access"},
    {"readwrite,rw", FlagKind::boolean, "Revoke read-write access"}};
constexpr FlagSpec kBackupFlags[] = {
    {"data-dir", FlagKind::text, "Path to the etcd data dir"},
    {"wal-dir", FlagKind::text, "Path to the etcd wal dir"},
    {"backup-dir", FlagKind::text, "Path to the backup dir"},
    {"backup-wal-dir", FlagKind::text, "Path to the backup wal dir"},
    {"with-v3", FlagKind::boolean, "accepted for compatibility (there is no v3 store)"}};

constexpr const char* kSetDescription =
    "Set sets the value of a key.\n\n"
    "   When <value> begins with '-', <value> is interpreted as a flag.\n"
    "   Insert '--' for workaround:\n\n"
    "   $ set -- <key> <value>";

constexpr Command kMemberCommands[] = {
    {"list", "enumerate existing cluster members", " ", kNoFlags, cmd_member_list, {}},
    {"add",
     "add a new member to the etcd cluster",
     "<name> <peerURL>",
     kNoFlags,
     cmd_member_add,
     {}},
    {"remove",
     "remove an existing member from the etcd cluster",
     "<memberID>",
     kNoFlags,
     cmd_member_remove,
     {}},
    {"update",
     "update an existing member in the etcd cluster",
     "<memberID> <peerURLs>",
     kNoFlags,
     cmd_member_update,
     {}}};
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
    {"list", "list all roles", " ", kNoFlags, cmd_role_list, {}},
    {"remove", "remove a role from the etcd cluster", "<role>", kNoFlags, cmd_role_remove, {}},
    {"grant", "grant path matches to an etcd role", "<role>", kPathFlags, cmd_role_grant, {}},
    {"revoke",
     "revoke path matches for an etcd role",
     "<role>",
     kRevokePathFlags,
     cmd_role_revoke,
     {}}};
constexpr Command kAuthCommands[] = {
    {"enable", "enable auth access controls", " ", kNoFlags, cmd_auth_enable, {}},
    {"disable", "disable auth access controls", " ", kNoFlags, cmd_auth_disable, {}}};

constexpr Command kCommands[] = {
    {"backup", "backup an etcd directory", " ", kBackupFlags, cmd_backup, {}},
    {"cluster-health",
     "check the health of the etcd cluster",
     " ",
     kHealthFlags,
     cmd_cluster_health,
     {}},
    {"mk", "make a new key with a given value", "<key> <value>", kMkFlags, cmd_mk, {}},
    {"mkdir", "make a new directory", "<key>", kTtlFlags, cmd_mkdir, {}},
    {"rm", "remove a key or a directory", "<key>", kRmFlags, cmd_rm, {}},
    {"rmdir",
     "removes the key if it is an empty directory or a key-value pair",
     "<key>",
     kNoFlags,
     cmd_rmdir,
     {}},
    {"get", "retrieve the value of a key", "<key>", kGetFlags, cmd_get, {}},
    {"ls", "retrieve a directory", "[key]", kLsFlags, cmd_ls, {}},
    {"set", "set the value of a key", "<key> <value>", kSetFlags, cmd_set, {}, kSetDescription},
    {"setdir",
     "create a new directory or update an existing directory TTL",
     "<key>",
     kTtlFlags,
     cmd_setdir,
     {}},
    {"update",
     "update an existing key with a given value",
     "<key> <value>",
     kTtlFlags,
     cmd_update,
     {}},
    {"updatedir", "update an existing directory", "<key> <value>", kTtlFlags, cmd_updatedir, {}},
    {"watch", "watch a key for changes", "<key>", kWatchFlags, cmd_watch, {}},
    {"exec-watch",
     "watch a key for changes and exec an executable",
     "<key> <command> [args...]",
     kExecWatchFlags,
     cmd_exec_watch,
     {}},
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

bool is_help_flag(const FlagSpec& f) {
  return std::string(f.names) == "help,h";
}

// urfave/cli's CommandHelpTemplate; `path` is "etcdctl member add" (the program name
// first). A command without visible flags prints no OPTIONS and no "[command options]";
// one without ArgsUsage prints "[arguments...]".
std::string command_help(const std::string& path, const Command& c) {
  std::vector<FlagSpec> flags;
  for (const auto& f : c.flags) {
    if (!is_help_flag(f)) flags.push_back(f);
  }
  const std::string args = *c.args_usage ? c.args_usage : "[arguments...]";
  std::string out = "NAME:\n   " + path + " - " + c.usage + "\n\nUSAGE:\n   " + path +
                    (flags.empty() ? "" : " [command options]") + " " + args;
  if (c.description != nullptr) out += "\n\nDESCRIPTION:\n   " + std::string(c.description);
  if (!flags.empty()) {
    out += "\n\nOPTIONS:\n";
    for (const auto& f : flags)
      out += "   " + flag_usage(f) + "\n";
    out += "   ";
  }
  return go_tabwriter(out + "\n");
}

// urfave/cli's SubcommandHelpTemplate: `member`, `member -h`, `member help`.
std::string group_help(const std::string& path, const Command& c) {
  std::string out = "NAME:\n   " + path + " - " + c.usage + "\n\nUSAGE:\n   " + path +
                    " command [command options] [arguments...]\n\nCOMMANDS:\n";
  for (const auto& sub : c.subcommands)
    out += "   " + std::string(sub.name) + "\t" + sub.usage + "\n";
  return go_tabwriter(out + "\nOPTIONS:\n   --help, -h\tshow help\n   \n");
}

// urfave/cli's AppHelpTemplate for the sub-application: `member help`.
std::string group_app_help(const std::string& path, const Command& c) {
  std::string out = "NAME:\n   " + path + " - " + c.usage + "\n\nUSAGE:\n   " + path +
                    " [global options] command [command options] [arguments...]\n\nVERSION:\n   " +
                    version_number() + "\n\nCOMMANDS:\n";
  for (const auto& sub : c.subcommands)
    out += "   " + std::string(sub.name) + "\t" + sub.usage + "\n";
  return go_tabwriter(out + "\nGLOBAL OPTIONS:\n   --help, -h\tshow help\n");
}

std::string command_list(std::span<const Command> table) {
  std::string out;
  for (const auto& c : table)
    out += "   " + std::string(c.name) + "\t" + c.usage + "\n";
  return out + "   help, h\tShows a list of commands or help for one command\n";
}

// urfave/cli's help command: "help" alone shows `general`, "help <name>" that command's
// help, an unknown name exits 3.
int help_topic(const std::string& prefix, std::span<const Command> table,
               const std::vector<std::string>& args, const std::string& general) {
  if (args.empty()) {
    std::cout << general;
    return 0;
  }
  const Command* c = find(table, args[0]);
  if (c == nullptr) {
    std::cerr << "No help topic for '" << args[0] << "'\n";
    return 3;
  }
  std::cout << command_help(prefix + " " + c->name, *c);
  return 0;
}

bool is_help_command(const std::string& name) {
  return name == "help" || name == "h";
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

// A command with subcommands runs as a urfave/cli sub-application: its own -h flag
// (Go flag rules, no reordering), then the subcommand or its help command.
int run_group(const Command& c, const std::string& path, const std::vector<std::string>& args,
              Session& session) {
  constexpr FlagSpec kHelp[] = {{"help,h", FlagKind::boolean, "show help"}};
  auto parsed = parse_command_args(kHelp, args, false);
  if (!parsed) {
    std::cout << "Incorrect Usage. " << parsed.error().message << "\n\n" << group_help(path, c);
    std::cerr << parsed.error().message << "\n";
    return 1;
  }
  const std::vector<std::string>& rest = parsed->args;
  if (parsed->flag("help") || rest.empty()) {
    std::cout << group_help(path, c);
    return 0;
  }
  const std::vector<std::string> tail(rest.begin() + 1, rest.end());
  if (is_help_command(rest[0])) {
    return help_topic(path, c.subcommands, tail, group_app_help(path, c));
  }
  const Command* sub = find(c.subcommands, rest[0]);
  if (sub == nullptr) {
    std::cerr << "No help topic for '" << rest[0] << "'\n";
    return 3;
  }
  return run(*sub, path + " " + sub->name, tail, session);
}

int dispatch(const std::string& prog, const CommandLine& line, Session& session) {
  const Command* c = find(kCommands, line.command);
  if (c == nullptr) {
    std::cerr << "No help topic for '" << line.command << "'\n";
    return 3;
  }
  const std::string path = prog + " " + c->name;
  if (c->subcommands.empty()) return run(*c, path, line.args, session);
  return run_group(*c, path, line.args, session);
}

// Go's filepath.Base(os.Args[0]): urfave/cli names the program by it in every help text.
std::string program_name(const char* argv0) {
  std::string name = argv0 != nullptr ? argv0 : "";
  while (name.size() > 1 && name.back() == '/')
    name.pop_back();
  if (auto slash = name.rfind('/'); slash != std::string::npos && name.size() > 1) {
    name = name.substr(slash + 1);
  }
  return name.empty() ? "." : name;
}

}  // namespace
}  // namespace etcd::cmd::ctl

int main(int argc, char** argv) {
  using namespace etcd::cmd::ctl;
  const EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
  const std::string prog = program_name(argc > 0 ? argv[0] : nullptr);
  const std::string help = global_help(prog, command_list(kCommands));
  auto line = parse_global(std::vector<std::string>(argv + 1, argv + argc), env);
  if (!line) {
    std::cout << "Incorrect Usage. " << line.error().message << "\n\n" << help;
    std::cerr << line.error().message << "\n";
    return 1;
  }
  if (line->options.version) {
    std::cout << version_text();
    return 0;
  }
  if (line->options.help || line->command.empty()) {
    std::cout << help;
    return 0;
  }
  if (is_help_command(line->command)) return help_topic(prog, kCommands, line->args, help);
  Session session{line->options, std::cout, std::cerr, std::cin, env, nullptr};
  const int code = dispatch(prog, *line, session);
  std::cout.flush();
  return code;
}
