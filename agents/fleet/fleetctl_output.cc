#include "agents/fleet/fleetctl_output.h"

#include <algorithm>

#include "agents/fleet/go_text.h"
#include "agents/fleet/requirements.h"

namespace corestack::fleet {
namespace {

// ---- text/tabwriter ----

using Line = std::vector<std::string_view>;

std::size_t rune_count(std::string_view s) {
  std::size_t n = 0;
  while (!s.empty()) {
    s.remove_prefix(std::max<std::size_t>(1, decode_rune(s).size));
    ++n;
  }
  return n;
}

std::vector<Line> split_cells(std::string_view text) {
  std::vector<Line> lines;
  for (;;) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    Line cells;
    for (std::size_t tab; (tab = line.find('\t')) != std::string_view::npos;) {
      cells.push_back(line.substr(0, tab));
      line.remove_prefix(tab + 1);
    }
    cells.push_back(line);
    lines.push_back(std::move(cells));
    if (nl == std::string_view::npos) return lines;
    text.remove_prefix(nl + 1);
  }
}

class TabWriter {
 public:
  TabWriter(std::vector<Line> lines, std::size_t minwidth, std::size_t tabwidth,
            std::size_t padding)
      : lines_(std::move(lines)), minwidth_(minwidth), tabwidth_(tabwidth), padding_(padding) {}

  std::string run() {
    format(0, lines_.size());
    return std::move(out_);
  }

 private:
  // Go's Writer.format: find each block of lines that have a cell in the next column, size
  // it, and recurse for the columns to its right.
  void format(std::size_t line0, std::size_t line1) {
    const std::size_t column = widths_.size();
    for (std::size_t row = line0; row < line1; ++row) {
      if (column + 1 >= lines_[row].size()) continue;
      write_lines(line0, row);
      line0 = row;
      std::size_t width = minwidth_;
      for (; row < line1 && column + 1 < lines_[row].size(); ++row) {
        width = std::max(width, rune_count(lines_[row][column]) + padding_);
      }
      widths_.push_back(width);
      format(line0, row);
      widths_.pop_back();
      line0 = row;
    }
    write_lines(line0, line1);
  }

  void write_lines(std::size_t line0, std::size_t line1) {
    for (std::size_t row = line0; row < line1; ++row) {
      const Line& cells = lines_[row];
      for (std::size_t j = 0; j < cells.size(); ++j) {
        out_ += cells[j];
        if (j < widths_.size()) write_padding(rune_count(cells[j]), widths_[j]);
      }
      if (row + 1 < lines_.size()) out_ += '\n';
    }
  }

  // With padchar '\t' a cell is padded with tabs to a multiple of tabwidth.
  void write_padding(std::size_t text_width, std::size_t cell_width) {
    if (tabwidth_ == 0) return;
    cell_width = (cell_width + tabwidth_ - 1) / tabwidth_ * tabwidth_;
    std::size_t n = cell_width - text_width;
    out_.append((n + tabwidth_ - 1) / tabwidth_, '\t');
  }

  std::vector<Line> lines_;
  std::size_t minwidth_, tabwidth_, padding_;
  std::vector<std::size_t> widths_;
  std::string out_;
};

// ---- tables ----

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Header (unless --no-legend) and rows, tab-separated, through the tabwriter.
template <typename T, typename F>
std::string render_table(const std::vector<T>& rows, const std::vector<std::string>& fields,
                         const TableOptions& options, F&& cell) {
  std::string text;
  if (!options.no_legend) text += upper(join(fields, "\t")) + "\n";
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const auto& field : fields)
      cells.push_back(cell(row, field));
    text += join(cells, "\t") + "\n";
  }
  return tabwriter_format(text);
}

std::string or_dash(std::string s) {
  return s.empty() ? "-" : s;
}

std::string machine_column(std::string_view id, const MachineIndex& machines, bool full) {
  if (id.empty()) return "-";
  auto it = machines.find(id);
  return machine_full_legend(id, it == machines.end() ? "" : it->second.primary_ip, full);
}

std::string unit_state_cell(const ApiUnitState& us, std::string_view field,
                            const MachineIndex& machines, bool full) {
  if (field == "unit") return us.name;
  if (field == "load") return us.systemd_load_state;
  if (field == "active") return us.systemd_active_state;
  if (field == "sub") return us.systemd_sub_state;
  if (field == "machine") return machine_column(us.machine_id, machines, full);
  if (us.hash.empty()) return "-";  // hash
  return full ? us.hash : us.hash.substr(0, 7);
}

std::string unit_file_cell(const ApiUnit& u, std::string_view field, const MachineIndex& machines,
                           bool full) {
  UnitFile file = unit_file_of(u);
  bool global = parse_requirements(file, u.name).global;
  if (field == "unit") return u.name;
  if (field == "global") return global ? "true" : "false";
  if (field == "dstate") return or_dash(u.desired_state);
  if (field == "state") return global ? "-" : or_dash(u.current_state);
  if (field == "hash") return full ? file.hash().hex() : file.hash().short_hex();
  if (field == "desc") return or_dash(file.description());
  if (field == "reason") return or_dash(u.unschedulable_reason);
  if (global) return "global";  // target, tmachine
  return machine_column(u.machine_id, machines, full);
}

std::string metadata_text(const std::map<std::string, std::string>& metadata) {
  std::vector<std::string> pairs;
  for (const auto& [k, v] : metadata)
    pairs.push_back(k + "=" + v);
  return or_dash(join(pairs, ","));
}

std::string go_string_slice(const std::vector<std::string>& items) {
  return "[" + join(items, " ") + "]";
}

}  // namespace

std::string tabwriter_format(std::string_view text, std::size_t minwidth, std::size_t tabwidth,
                             std::size_t padding) {
  return TabWriter(split_cells(text), minwidth, tabwidth, padding).run();
}

Expected<FieldSelection, std::string> parse_fields(std::string_view flag,
                                                   std::span<const std::string_view> valid) {
  if (flag.empty()) return unexpected(std::string("Must define output format"));
  FieldSelection out;
  for (;;) {
    std::size_t comma = flag.find(',');
    std::string_view field = flag.substr(0, comma);
    if (std::find(valid.begin(), valid.end(), field) == valid.end()) {
      return unexpected("Invalid key in output format: " + go_quote(field));
    }
    if (field == "tmachine") {
      out.warnings.emplace_back(
          R"(WARNING: The "tmachine" field is deprecated. Use "target" instead)");
    }
    out.fields.emplace_back(field);
    if (comma == std::string_view::npos) return out;
    flag.remove_prefix(comma + 1);
  }
}

std::string machine_id_legend(std::string_view id, bool full) {
  if (full) return std::string(id);
  return std::string(id.substr(0, 8)) + "...";
}

std::string machine_full_legend(std::string_view id, std::string_view ip, bool full) {
  std::string legend = machine_id_legend(id, full);
  if (!ip.empty()) legend += "/" + std::string(ip);
  return legend;
}

MachineIndex index_machines(const std::vector<ApiMachine>& machines) {
  MachineIndex index;
  for (const auto& m : machines)
    index.emplace(m.id, m);
  return index;
}

std::string format_list_units(const std::vector<ApiUnitState>& states, const MachineIndex& machines,
                              const std::vector<std::string>& fields, const TableOptions& options) {
  return render_table(states, fields, options, [&](const ApiUnitState& us, const std::string& f) {
    return unit_state_cell(us, f, machines, options.full);
  });
}

std::string format_list_unit_files(std::vector<ApiUnit> units, const MachineIndex& machines,
                                   const std::vector<std::string>& fields,
                                   const TableOptions& options) {
  std::stable_sort(units.begin(), units.end(),
                   [](const ApiUnit& a, const ApiUnit& b) { return a.name < b.name; });
  return render_table(units, fields, options, [&](const ApiUnit& u, const std::string& f) {
    return unit_file_cell(u, f, machines, options.full);
  });
}

std::string format_list_machines(const std::vector<ApiMachine>& machines,
                                 const std::vector<std::string>& fields,
                                 const TableOptions& options) {
  return render_table(machines, fields, options, [&](const ApiMachine& m, const std::string& f) {
    if (f == "machine") return machine_id_legend(m.id, options.full);
    if (f == "ip") return or_dash(m.primary_ip);
    return metadata_text(m.metadata);
  });
}

std::string unit_state_message(std::string_view unit, std::string_view current_state,
                               const ApiMachine* machine) {
  std::string msg = "Unit " + std::string(unit) + " " + std::string(current_state);
  if (machine) msg += " on " + machine_full_legend(machine->id, machine->primary_ip, false);
  return msg;
}

std::string triggered_message(std::string_view unit, std::string_view verb) {
  return "Triggered unit " + std::string(unit) + " " + std::string(verb);
}

std::string triggered_global_message(std::string_view unit, std::string_view verb) {
  return "Triggered global unit " + std::string(unit) + " " + std::string(verb);
}

std::string unable_to_stop_message(std::string_view unit, std::string_view state) {
  return "Unable to stop unit " + std::string(unit) + " in state " + std::string(state);
}

std::string stopped_units_message(const std::vector<std::string>& units) {
  return "Successfully stopped units " + go_string_slice(units) + ".";
}

std::string unloaded_units_message(const std::vector<std::string>& units) {
  return "Successfully unloaded units " + go_string_slice(units) + ".";
}

std::string destroyed_message(std::string_view unit) {
  return "Destroyed " + std::string(unit);
}

std::string differs_warning(std::string_view unit, std::string_view file, bool template_file) {
  return "WARNING: Unit " + std::string(unit) + " in registry differs from local " +
         (template_file ? "template unit file " : "unit file ") + std::string(file) +
         ". Add --replace to override.";
}

std::string cannot_replace_warning(std::string_view unit, std::string_view desired_state) {
  return "Warning: can not replace Unit(" + std::string(unit) + ") in state '" +
         std::string(desired_state) + "', use the appropriate command";
}

std::string timed_out_message(std::string_view unit, std::string_view state) {
  return "timed out waiting for unit " + std::string(unit) + " to report state " +
         std::string(state);
}

std::string unit_not_found_message(std::string_view unit) {
  return "Unit " + std::string(unit) + " not found";
}

std::string timed_out_message(std::string_view unit, std::string_view state,
                              std::string_view unschedulable_reason) {
  std::string out = timed_out_message(unit, state);
  if (!unschedulable_reason.empty())
    out += ": not schedulable: " + std::string(unschedulable_reason);
  return out;
}

std::string unschedulable_message(std::string_view unit, std::string_view reason) {
  return "Unit " + std::string(unit) + " is not schedulable: " + std::string(reason);
}

std::string unit_not_on_filesystem_message(std::string_view unit, bool template_unit) {
  return std::string("unable to find ") + (template_unit ? "template " : "") + "Unit(" +
         std::string(unit) + ") in Registry or on filesystem";
}

std::string same_unit_message(std::string_view unit) {
  return "Found same Unit(" + std::string(unit) + ") in Registry, nothing to do";
}

std::string unit_does_not_exist_message(std::string_view unit) {
  return "Unit " + std::string(unit) + " does not exist.";
}

std::string unit_not_loaded_message(std::string_view unit) {
  return "Unit " + std::string(unit) + " does not appear to be loaded.";
}

std::string unable_to_restart_message(std::string_view unit, std::string_view state) {
  return "Unable to restart unit " + std::string(unit) + " in state " + std::string(state);
}

std::string global_unit_unsupported_message(std::string_view command, std::string_view unit) {
  return "Unable to run " + std::string(command) + " for global unit " + std::string(unit) +
         ": pick its machine with `fleetctl ssh MACHINE ...`";
}

std::string verify_deprecated_message(std::string_view what) {
  return "WARNING: the \"" + std::string(what) +
         "\" command is deprecated: unit signing is not supported";
}

std::string host_key_mismatch_message(std::string_view host, std::string_view known_hosts_file) {
  const std::string h(host), f(known_hosts_file);
  return "Error: host key mismatch for " + h + " (known hosts file " + f +
         "): the host's key changed or the connection is intercepted. If the change is "
         "expected, remove the old key with `ssh-keygen -R " +
         h + " -f " + f + "` or use --strict-host-key-checking=false";
}

std::string ambiguous_machine_message(std::string_view prefix,
                                      const std::vector<std::string>& ids) {
  std::string out =
      "Error: machine prefix " + std::string(prefix) + " matches more than one machine:";
  for (size_t i = 0; i < ids.size(); ++i)
    out += (i == 0 ? " " : ", ") + ids[i];
  return out;
}

std::string no_machine_or_unit_message(std::string_view what) {
  return "Error: no machine or unit named " + std::string(what);
}

}  // namespace corestack::fleet
