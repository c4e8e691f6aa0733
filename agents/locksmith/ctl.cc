#include "agents/locksmith/ctl.h"

#include <algorithm>
#include <charconv>
#include <memory>

#include "agents/etcdclient/client.h"
#include "agents/etcdclient/keys_api.h"
#include "agents/locksmith/lock_client.h"

namespace corestack::locksmith {
namespace {

constexpr std::string_view kCliName = "locksmithctl";

using Args = std::vector<std::string>;

struct Session {
  const GlobalFlags& flags;
  const EnvLookup& env;
  std::ostream& out;
  std::ostream& err;
  CtlHost& host;
};

struct Command {
  std::string_view name;
  std::string_view summary;
  std::string_view usage;
  std::string_view description;  // lines separated by '\n'
  int (*run)(Session&, const Args&);
};

const std::vector<Command>& commands();

// The etcd connection of one command; KeysApi and LockClient borrow the Client.
struct Connection {
  Connection(std::unique_ptr<etcd::client::Client> c, std::string_view group)
      : client(std::move(c)), keys(*client), lock(keys, group) {}

  std::unique_ptr<etcd::client::Client> client;
  etcd::client::KeysApi keys;
  LockClient lock;
};

// Builds the client and creates the semaphore if missing, as every reference command does.
std::unique_ptr<Connection> connect(Session& s) {
  auto client = etcd::client::Client::create(etcd_config(s.flags));
  if (!client) {
    s.err << "Error initializing etcd client: " << client.error().to_string() << "\n";
    return nullptr;
  }
  auto conn = std::make_unique<Connection>(std::move(*client), s.flags.group);
  if (auto init = conn->lock.init(); !init) {
    s.err << "Error initializing etcd client: " << init.error().message << "\n";
    return nullptr;
  }
  return conn;
}

std::optional<std::string> own_machine_id(Session& s) {
  auto id = read_machine_id(machine_id_path(s.env));
  if (!id) s.err << "Cannot read machine-id\n";
  return id;
}

// Go strconv.Atoi: optional sign, decimal digits, int64 range.
std::optional<int64_t> parse_int(std::string_view text) {
  bool plus = !text.empty() && text[0] == '+';
  std::string_view digits = plus ? text.substr(1) : text;
  if (plus && !digits.empty() && digits[0] == '-') return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

// Go strconv.Quote for the "unknown subcommand" line (bytes >= 0x80 kept as they are).
std::string go_quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c >= 0x20 && c != 0x7f) {
      out += ch;
    } else if (auto at = std::string_view("\a\b\f\n\r\t\v").find(ch);
               at != std::string_view::npos) {
      out += '\\';
      out += "abfnrtv"[at];
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out + "\"";
}

std::string global_usage() {
  std::string t = "NAME:\n\t" + std::string(kCliName) +
                  " - Manage the cluster wide reboot lock.\n\nUSAGE:\n\t" + std::string(kCliName) +
                  " [global options] <command> [command options] [arguments...]\n\nVERSION:\n\t" +
                  std::string(locksmith_version()) + "\n\nCOMMANDS:";
  for (const Command& c : commands()) {
    t += "\n\t" + std::string(c.name) + "\t" + std::string(c.summary);
  }
  t += "\n\nGLOBAL OPTIONS:";
  for (const FlagInfo& f : global_flag_infos()) {
    t += "\n\t--" + std::string(f.name) + "=" + std::string(f.default_text) + "\t" +
         std::string(f.usage);
  }
  t += "\n\nGlobal options not given on the command line are read from $LOCKSMITHCTL_<OPTION>\n"
       "(upper case, '-' as '_'), e.g. $LOCKSMITHCTL_ENDPOINT.\n\n"
       "Run \"locksmithctl help <command>\" for more details on a specific command.\n";
  return tab_align(t);
}

std::string command_usage(const Command& c) {
  std::string t = "NAME:\n\t" + std::string(c.name) + " - " + std::string(c.summary) +
                  "\n\nUSAGE:\n\t" + std::string(kCliName) + " " + std::string(c.name);
  if (!c.usage.empty()) t += " " + std::string(c.usage);
  t += "\n\nDESCRIPTION:\n";
  std::string_view d = c.description;
  for (size_t begin = 0; begin <= d.size();) {
    size_t end = std::min(d.find('\n', begin), d.size());
    t += "\t" + std::string(d.substr(begin, end - begin)) + "\n";
    begin = end + 1;
  }
  return t + "\nFor help on global options run \"" + std::string(kCliName) + " help\"\n";
}

const Command* find_command(std::string_view name) {
  for (const Command& c : commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

int run_help(Session& s, const Args& args) {
  if (args.empty()) {
    s.out << global_usage();
    return 0;
  }
  const Command* c = find_command(args[0]);
  if (c == nullptr) {
    s.out << "Unrecognized command: " << args[0] << "\n";
    return 1;
  }
  s.out << command_usage(*c);
  return 0;
}

int run_status(Session& s, const Args&) {
  auto conn = connect(s);
  if (!conn) return 1;
  auto got = conn->lock.get();
  if (!got) {
    // The reference printed this (sic) and then crashed on the missing value.
    s.err << "Error setting value: " << got.error().message << "\n";
    return 1;
  }
  const Semaphore& sem = got->semaphore;
  s.out << "Available: " << sem.semaphore << "\nMax: " << sem.max << "\n";
  if (!sem.holders.empty()) {
    s.out << "\nMACHINE ID\n";
    for (const std::string& id : sem.holders)
      s.out << id << "\n";
  }
  return 0;
}

int run_lock_or_unlock(Session& s, const Args& args, bool lock) {
  auto conn = connect(s);
  if (!conn) return 1;
  auto id = args.empty() ? own_machine_id(s) : std::optional<std::string>(args[0]);
  if (!id) return 1;
  auto done = lock ? conn->lock.lock(*id) : conn->lock.unlock(*id);
  if (!done) {
    s.err << (lock ? "Error locking: " : "Error unlocking: ") << done.error().message << "\n";
    return 1;
  }
  return 0;
}

int run_lock(Session& s, const Args& args) {
  return run_lock_or_unlock(s, args, true);
}
int run_unlock(Session& s, const Args& args) {
  return run_lock_or_unlock(s, args, false);
}

int run_set_max(Session& s, const Args& args) {
  if (args.size() != 1) {
    s.err << "New maximum value must be set.\n";
    return 1;
  }
  auto max = parse_int(args[0]);
  if (!max) {
    s.err << "Invalid maximum value: " << args[0] << "\n";
    return 1;
  }
  auto conn = connect(s);
  if (!conn) return 1;
  auto old = conn->lock.set_max(*max);
  if (!old) {
    // The reference printed the lines anyway and exited 0 (or crashed on a failed GET).
    s.err << "Error setting value: " << old.error().message << "\n";
    return 1;
  }
  s.out << "Old-Max: " << *old << "\nMax: " << *max << "\n";
  return 0;
}

int run_reboot(Session& s, const Args&) {
  if (!s.host.is_root()) {
    s.err << "Must be root to initiate reboot.\n";
    return 1;
  }
  auto conn = connect(s);
  if (!conn) return 1;
  auto id = own_machine_id(s);
  if (!id) return 1;
  auto acquired = conn->lock.acquire(*id);
  if (!acquired) {
    s.err << "Error locking: " << acquired.error().message << "\n";
    return 1;
  }
  if (auto rebooted = s.host.reboot(); !rebooted) {
    s.err << rebooted.error() << "\n";
    if (acquired->already_held) return 1;
    // Give back the slot taken just now: no reboot follows, so no daemon would free it.
    if (auto released = conn->lock.unlock(*id); !released) {
      s.err << "Error unlocking: " << released.error().message << "\n";
    }
    return 1;
  }
  return 0;
}

int run_send_need_reboot(Session& s, const Args&) {
  if (auto sent = s.host.send_need_reboot(); !sent) {
    s.err << sent.error() << "\n";
    return 1;
  }
  return 0;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"help", "Show a list of commands or help for one command", "[COMMAND]",
       "Show a list of commands or detailed help for one command", run_help},
      {"lock", "Lock this machine or a given machine-id for reboot.", "[machine-id]",
       "Take a slot of the reboot semaphore for this machine (/etc/machine-id) or for the\n"
       "given machine-id. locksmithd does this itself before it reboots; use it by hand\n"
       "only to keep machines from rebooting.",
       run_lock},
      {"reboot", "Reboot honoring reboot locks.", "",
       "Take a slot of the reboot semaphore for this machine and reboot at once. A slot\n"
       "this machine already holds is used as it is. Requires root. The slot stays taken\n"
       "until locksmithd (strategy etcd-lock) or 'locksmithctl unlock' frees it.",
       run_reboot},
      {"send-need-reboot", "send a 'need reboot' signal over dbus.", "",
       "Send update_engine's 'reboot needed' status signal on the system bus, so that\n"
       "locksmithd can be tested without a full update cycle.",
       run_send_need_reboot},
      {"set-max", "Set the maximum number of lock holders", "N",
       "Set how many machines may hold a reboot slot at the same time. Current holders\n"
       "keep their slots; with fewer slots than holders, no lock succeeds until enough\n"
       "of them unlock.",
       run_set_max},
      {"status", "Get the status of the cluster wide reboot lock.", "",
       "Print the number of free slots, the maximum and the machine IDs holding a slot.",
       run_status},
      {"unlock", "Unlock this machine or a given machine-id for reboot.", "[machine-id]",
       "Free the slot of this machine (/etc/machine-id) or of the given machine-id, e.g.\n"
       "one held by a machine that died while rebooting.",
       run_unlock},
  };
  return table;
}

// Each command's flag set is empty (as the reference's): "--" is dropped, -h/-help asks
// for the command's help, any other "-x" before the first argument is undefined.
struct CommandArgs {
  Args args;
  bool help = false;
};

Expected<CommandArgs, std::string> command_args(const Args& args) {
  CommandArgs out;
  size_t i = 1;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;
    std::string name = a.substr(a[1] == '-' ? 2 : 1);
    name = name.substr(0, name.find('='));
    if (name == "h" || name == "help") {
      out.help = true;
      return out;
    }
    if (name.empty() || name[0] == '-') return unexpected("bad flag syntax: " + a);
    return unexpected("flag provided but not defined: -" + name);
  }
  out.args.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return out;
}

int dispatch(Session& s, Args args) {
  if (args.empty()) args.emplace_back("help");  // no command: the global help
  const Command* c = find_command(args[0]);
  if (c == nullptr) {
    s.out << kCliName << ": unknown subcommand: " << go_quote(args[0]) << "\n"
          << "Run '" << kCliName << " help' for usage.\n";
    return 2;
  }
  auto parsed = command_args(args);
  if (!parsed) {
    s.err << parsed.error() << "\nRun '" << kCliName << " help " << c->name << "' for usage.\n";
    return 2;
  }
  if (parsed->help) {
    s.out << command_usage(*c);
    return 0;
  }
  return c->run(s, parsed->args);
}

std::string basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

int run_ctl(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
            std::ostream& err, CtlHost& host) {
  Args rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  auto flags = parse_global_flags(rest, Program::locksmithctl, env);
  if (!flags) {
    err << flags.error() << "\nRun '" << kCliName << " help' for usage.\n";
    return 2;
  }
  Session s{*flags, env, out, err, host};
  if (flags->version) {
    out << basename(args.empty() ? kCliName : args[0]) << " version " << locksmith_version()
        << "\n";
    return 0;
  }
  if (flags->help) {
    out << global_usage();
    return 0;
  }
  return dispatch(s, flags->args);
}

namespace {

// One line's cells; the last one is the text after the last tab (never padded).
using Cells = std::vector<std::string_view>;

constexpr size_t kTabWidth = 8;
constexpr size_t kPadding = 1;

void write_lines(const std::vector<Cells>& lines, size_t from, size_t to,
                 const std::vector<size_t>& widths, std::string& out) {
  for (size_t i = from; i < to; ++i) {
    const Cells& line = lines[i];
    for (size_t j = 0; j < line.size(); ++j) {
      out += line[j];
      if (j >= widths.size() || j + 1 == line.size()) continue;
      // padchar '\t': the column is a whole number of tab stops.
      size_t cell = (widths[j] + kTabWidth - 1) / kTabWidth * kTabWidth;
      out.append((cell - line[j].size() + kTabWidth - 1) / kTabWidth, '\t');
    }
    if (i + 1 < lines.size()) out += '\n';
  }
}

// Go tabwriter.Writer.format: a column block is a run of consecutive lines that all have
// a cell in this column; its width is the widest cell plus padding.
void format_block(const std::vector<Cells>& lines, size_t line0, size_t line1,
                  std::vector<size_t>& widths, std::string& out) {
  size_t column = widths.size();
  for (size_t i = line0; i < line1; ++i) {
    if (column + 1 >= lines[i].size()) continue;
    write_lines(lines, line0, i, widths, out);
    line0 = i;
    size_t width = 0;
    for (; i < line1 && column + 1 < lines[i].size(); ++i) {
      width = std::max(width, lines[i][column].size() + kPadding);
    }
    widths.push_back(width);
    format_block(lines, line0, i, widths, out);
    widths.pop_back();
    line0 = i;
  }
  write_lines(lines, line0, line1, widths, out);
}

Cells split_cells(std::string_view line) {
  Cells cells;
  for (size_t begin = 0;;) {
    size_t tab = line.find('\t', begin);
    cells.push_back(line.substr(begin, tab == std::string_view::npos ? tab : tab - begin));
    if (tab == std::string_view::npos) return cells;
    begin = tab + 1;
  }
}

}  // namespace

std::string tab_align(std::string_view text) {
  std::vector<Cells> lines;
  for (size_t begin = 0;;) {
    size_t end = text.find('\n', begin);
    lines.push_back(
        split_cells(text.substr(begin, end == std::string_view::npos ? end : end - begin)));
    if (end == std::string_view::npos) break;
    begin = end + 1;
  }
  std::string out;
  std::vector<size_t> widths;
  format_block(lines, 0, lines.size(), widths, out);
  return out;
}

}  // namespace corestack::locksmith
