// The key commands: get, set, mk, mkdir, setdir, update, updatedir, rm, rmdir, ls
// (etcd ctlv2/command/{get,set,mk,mkdir,set_dir,update,update_dir,rm,rmdir,ls}_command.go).
#include "agents/etcdclient/keys_api.h"
#include "etcd/cmd/etcdctl_commands.h"
#include "etcd/cmd/etcdctl_output.h"

namespace etcd::cmd::ctl {
namespace {

using client::KeysApi;
using client::PrevExist;

// etcdctl flags are Go ints; a negative TTL means "none", as time.Duration(ttl) <= 0.
uint64_t ttl_of(const ParsedArgs& a) {
  const int64_t ttl = a.integer("ttl");
  return ttl > 0 ? static_cast<uint64_t>(ttl) : 0;
}

// Prints a successful response or reports the error (exit 4).
int finish(Session& s, const client::Result<client::Response>& r, bool print) {
  if (!r) return report_error(s.err, kExitServerError, r.error());
  if (print) print_response(s.out, s.err, *r, s.options.output);
  return kExitSuccess;
}

int key_and_value(Session& s, const ParsedArgs& a, std::string& value) {
  if (a.args.empty()) return report_error(s.err, kExitBadArgs, "key required");
  auto v = arg_or_stdin(a.args, 1, s.in);
  if (!v) return report_error(s.err, kExitBadArgs, "value required");
  value = *v;
  return kExitSuccess;
}

int make_dir(Session& s, const ParsedArgs& a, PrevExist prev_exist) {
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  if (a.args.empty()) return report_error(s.err, kExitBadArgs, "key required");
  return finish(s, KeysApi(*c).set_dir(a.args[0], ttl_of(a), prev_exist), false);
}

void print_tree(Session& s, const client::Node& node, bool slash_dirs) {
  s.out << node.key << (node.dir && slash_dirs ? "/" : "") << "\n";
  for (const auto& child : node.nodes) print_tree(s, child, slash_dirs);
}

}  // namespace

int cmd_get(Session& s, const ParsedArgs& a) {
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  if (a.args.empty()) return report_error(s.err, kExitBadArgs, "key required");
  auto r = KeysApi(*c).get(a.args[0], {.sorted = a.flag("sort"), .quorum = a.flag("quorum")});
  if (!r) return report_error(s.err, kExitServerError, r.error());
  if (r->node.dir) {
    s.err << r->node.key << ": is a directory\n";
    return kExitBadArgs;
  }
  print_response(s.out, s.err, *r, s.options.output);
  return kExitSuccess;
}

int cmd_set(Session& s, const ParsedArgs& a) {
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  std::string value;
  if (int bad = key_and_value(s, a, value)) return bad;
  client::SetOptions options{.prev_value = a.text("swap-with-value"),
                             .prev_index = static_cast<uint64_t>(a.integer("swap-with-index")),
                             .ttl_s = ttl_of(a)};
  return finish(s, KeysApi(*c).set(a.args[0], value, options), true);
}

int cmd_mk(Session& s, const ParsedArgs& a) {
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  std::string value;
  if (int bad = key_and_value(s, a, value)) return bad;
  KeysApi keys(*c);
  if (a.flag("in-order")) return finish(s, keys.create_in_order(a.args[0], value, ttl_of(a)), true);
  return finish(s, keys.create(a.args[0], value, ttl_of(a)), true);
}

int cmd_mkdir(Session& s, const ParsedArgs& a) {
  return make_dir(s, a, PrevExist::must_not_exist);
}

int cmd_setdir(Session& s, const ParsedArgs& a) { return make_dir(s, a, PrevExist::ignore); }

int cmd_updatedir(Session& s, const ParsedArgs& a) {
  return make_dir(s, a, PrevExist::must_exist);
}

int cmd_update(Session& s, const ParsedArgs& a) {
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  std::string value;
  if (int bad = key_and_value(s, a, value)) return bad;
  return finish(s, KeysApi(*c).update(a.args[0], value, ttl_of(a)), true);
}

int cmd_rm(Session& s, const ParsedArgs& a) {
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  if (a.args.empty()) return report_error(s.err, kExitBadArgs, "key required");
  client::DeleteOptions options{.prev_value = a.text("with-value"),
                                .prev_index = static_cast<uint64_t>(a.integer("with-index")),
                                .dir = a.flag("dir"),
                                .recursive = a.flag("recursive")};
  auto r = KeysApi(*c).remove(a.args[0], options);
  return finish(s, r, r.ok() && !r->node.dir);
}

int cmd_rmdir(Session& s, const ParsedArgs& a) {
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  if (a.args.empty()) return report_error(s.err, kExitBadArgs, "key required");
  auto r = KeysApi(*c).remove(a.args[0], {.dir = true});
  return finish(s, r, r.ok() && !r->node.dir);
}

int cmd_ls(Session& s, const ParsedArgs& a) {
  client::Client* c = s.connect();
  if (c == nullptr) return s.exit_code;
  const std::string key = a.args.empty() ? "/" : a.args[0];
  auto r = KeysApi(*c).get(key, {.recursive = a.flag("recursive"),
                                 .sorted = a.flag("sort"),
                                 .quorum = a.flag("quorum")});
  if (!r) return report_error(s.err, kExitServerError, r.error());
  if (!r->node.dir) s.out << r->node.key << "\n";
  for (const auto& child : r->node.nodes) print_tree(s, child, a.flag("p"));
  return kExitSuccess;
}

}  // namespace etcd::cmd::ctl
