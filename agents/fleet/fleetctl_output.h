// fleetctl's output (docs/fleet.md "fleetctl"; fleet fleetctl/*.go): the list-units,
// list-unit-files and list-machines tables, their --fields validation, and the one-line
// messages the commands print. Tables go through Go's text/tabwriter exactly as fleetctl
// sets it up (tabwriter.NewWriter(out, 0, 8, 1, '\t', 0)): cells padded with tabs to a
// column width rounded up to a multiple of 8.
//
// Pure string functions; the caller prints (stdout or stderr, as each comment says).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agents/fleet/api_model.h"
#include "agents/fleet/expected.h"

namespace corestack::fleet {

// Go's text/tabwriter on `text` with padchar '\t' and no flags: lines end in '\n', cells end
// in '\t' (the text after a line's last tab is not a column); each column block (consecutive
// lines having that cell) is as wide as its widest cell (in runes) + padding, at least
// minwidth, rounded up to a multiple of tabwidth, and filled with tabs. '\v', '\f' and the
// escape character are not special here (fleetctl never prints them).
std::string tabwriter_format(std::string_view text, std::size_t minwidth = 0,
                             std::size_t tabwidth = 8, std::size_t padding = 1);

struct TableOptions {
  bool full = false;       // --full / -l: full machine IDs and hashes
  bool no_legend = false;  // --no-legend: no header line
};

// A --fields value split on ','. Errors (stderr, exit 1): "Must define output format" for an
// empty flag, `Invalid key in output format: "x"` for an unknown field. `warnings` gets
// list-unit-files' `WARNING: The "tmachine" field is deprecated. Use "target" instead`.
struct FieldSelection {
  std::vector<std::string> fields;
  std::vector<std::string> warnings;
};
Expected<FieldSelection, std::string> parse_fields(std::string_view flag,
                                                   std::span<const std::string_view> valid);

constexpr std::string_view kListUnitsFields[] = {"unit", "load",    "active",
                                                 "sub",  "machine", "hash"};
constexpr std::string_view kListUnitsDefault = "unit,machine,active,sub";
constexpr std::string_view kListUnitFilesFields[] = {
    "unit", "hash", "dstate", "state", "target", "global", "desc", "tmachine", "reason"};
constexpr std::string_view kListUnitFilesDefault = "unit,hash,dstate,state,target";
constexpr std::string_view kListMachinesFields[] = {"machine", "ip", "metadata"};
constexpr std::string_view kListMachinesDefault = "machine,ip,metadata";

// Machine IDs as fleetctl shows them: "<first 8>..." unless full; then "/<ip>" when the IP is
// known (machineIDLegend / machineFullLegend).
std::string machine_id_legend(std::string_view id, bool full);
std::string machine_full_legend(std::string_view id, std::string_view ip, bool full);

// Known machines by ID (for the IP in machine columns); an unknown ID shows without IP.
using MachineIndex = std::map<std::string, ApiMachine, std::less<>>;
MachineIndex index_machines(const std::vector<ApiMachine>& machines);

// `list-units`: one row per unit state, in the given order (GET /state's: name, then machine).
// Fields: unit, load, active, sub (as published), machine (legend, `-` without ID), hash (7
// characters unless full, `-` when empty). `fields` must have passed parse_fields.
std::string format_list_units(const std::vector<ApiUnitState>& states, const MachineIndex& machines,
                              const std::vector<std::string>& fields, const TableOptions& options);

// `list-unit-files`: one row per unit, sorted by name. Fields: unit, hash (of the options; 7
// characters unless full), dstate, state (`-` for global units or when unknown), target and
// tmachine (`global` for global units, `-` when unscheduled, else the machine legend), global
// (true/false), desc ([Unit] Description or `-`), reason (corestack: why the engine cannot
// place the unit, `-` when it can or was not asked to; never in the default fields).
std::string format_list_unit_files(std::vector<ApiUnit> units, const MachineIndex& machines,
                                   const std::vector<std::string>& fields,
                                   const TableOptions& options);

// `list-machines`: machine (ID legend, no IP), ip (`-` if none), metadata (`k=v,k2=v2` sorted by
// key, `-` if none).
std::string format_list_machines(const std::vector<ApiMachine>& machines,
                                 const std::vector<std::string>& fields,
                                 const TableOptions& options);

// ---- messages (without the trailing newline) ----

// stdout, when a unit reached the awaited state: "Unit foo.service launched" + " on
// <legend>" when its machine is known (short legend).
std::string unit_state_message(std::string_view unit, std::string_view current_state,
                               const ApiMachine* machine);
// stdout, --no-block: "Triggered unit foo.service start" (verb: start, load, unload, stop...).
std::string triggered_message(std::string_view unit, std::string_view verb);
// stdout: "Triggered global unit foo.service start".
std::string triggered_global_message(std::string_view unit, std::string_view verb);
// stderr: "Unable to stop unit foo.service in state inactive".
std::string unable_to_stop_message(std::string_view unit, std::string_view state);
// stderr: "Successfully stopped units [a.service b.service]." (Go's %v of a []string).
std::string stopped_units_message(const std::vector<std::string>& units);
// stderr: "Successfully unloaded units [a.service b.service].".
std::string unloaded_units_message(const std::vector<std::string>& units);
// stdout: "Destroyed foo.service".
std::string destroyed_message(std::string_view unit);
// stderr: "WARNING: Unit foo.service in registry differs from local unit file foo.service. Add
// --replace to override." (template: "... differs from local template unit file ...").
std::string differs_warning(std::string_view unit, std::string_view file, bool template_file);
// stderr: "Warning: can not replace Unit(foo.service) in state 'launched', use the appropriate
// command".
std::string cannot_replace_warning(std::string_view unit, std::string_view desired_state);
// The wait error: "timed out waiting for unit foo.service to report state launched".
std::string timed_out_message(std::string_view unit, std::string_view state);
// stderr, exit 1: "Unit foo.service not found".
std::string unit_not_found_message(std::string_view unit);

// The wait error when the engine said why it cannot place the unit: "timed out waiting for
// unit foo.service to report state launched: not schedulable: <reason>".
std::string timed_out_message(std::string_view unit, std::string_view state,
                              std::string_view unschedulable_reason);
// stderr while waiting (once, and again when the reason changes): "Unit foo.service is not
// schedulable: <reason>".
std::string unschedulable_message(std::string_view unit, std::string_view reason);
// stderr, submit/load/start of a name with no unit in the registry and no local file:
// "unable to find Unit(foo.service) in Registry or on filesystem"; for an instance without a
// template anywhere: "unable to find template Unit(foo@.service) in Registry or on filesystem".
std::string unit_not_on_filesystem_message(std::string_view unit, bool template_unit);
// stdout, start/load/submit --replace when the registry already has the same contents:
// "Found same Unit(foo.service) in Registry, nothing to do".
std::string same_unit_message(std::string_view unit);
// stderr, exit 1 (status, journal, ssh --unit): "Unit foo.service does not exist." and
// "Unit foo.service does not appear to be loaded." (no machine yet).
std::string unit_does_not_exist_message(std::string_view unit);
std::string unit_not_loaded_message(std::string_view unit);
// stderr, exit 1: "Unable to restart unit foo.service in state inactive".
std::string unable_to_restart_message(std::string_view unit, std::string_view state);
// stderr, exit 1: "Unable to run journal for global unit g.service: pick its machine with
// `fleetctl ssh MACHINE journalctl -u g.service`" (journal and ssh refuse global units).
std::string global_unit_unsupported_message(std::string_view command, std::string_view unit);
// stderr, exit 2: `WARNING: the "verify" command is deprecated: unit signing is not
// supported` (also for --sign).
std::string verify_deprecated_message(std::string_view what);
// stderr, exit 1, when ssh refused a changed host key: "Error: host key mismatch for
// 127.0.0.2 (known hosts file /root/.fleetctl/known_hosts): the host's key changed or the
// connection is intercepted. If the change is expected, remove the old key with `ssh-keygen
// -R 127.0.0.2 -f /root/.fleetctl/known_hosts` or use --strict-host-key-checking=false".
std::string host_key_mismatch_message(std::string_view host, std::string_view known_hosts_file);
// stderr, exit 1 (ssh MACHINE): "Error: machine prefix 12 matches more than one machine:
// 12ab..., 12cd..." / "Error: no machine or unit named x".
std::string ambiguous_machine_message(std::string_view prefix, const std::vector<std::string>& ids);
std::string no_machine_or_unit_message(std::string_view what);

}  // namespace corestack::fleet
