#include "agents/fleet/fleetctl_output.h"

#include <gtest/gtest.h>

namespace corestack::fleet {
namespace {

constexpr std::string_view kM1 = "113f16a7ab9b4bf6a0a3e2d6b2a25f17";
constexpr std::string_view kM2 = "9e8bcd1142934ca7b02e1d2a5c6f0e11";

std::vector<std::string> fields_of(std::string_view flag, std::span<const std::string_view> valid) {
  auto selection = parse_fields(flag, valid);
  EXPECT_TRUE(selection.ok()) << selection.error();
  return selection.ok() ? selection->fields : std::vector<std::string>{};
}

MachineIndex two_machines() {
  return index_machines(
      {ApiMachine{std::string(kM1), "172.17.8.101", {}}, ApiMachine{std::string(kM2), "", {}}});
}

// Expected outputs below were worked out by hand with Go's tabwriter rules (minwidth 0,
// tabwidth 8, padding 1, padchar '\t'): column width = widest cell + 1, rounded up to 8;
// each cell gets ceil((width - len) / 8) tabs.
TEST(TabWriter, PadsColumnsWithTabs) {
  EXPECT_EQ(tabwriter_format("UNIT\tMACHINE\tACTIVE\tSUB\n"
                             "hello.service\t113f16a7.../172.17.8.101\tactive\trunning\n"),
            "UNIT\t\tMACHINE\t\t\t\tACTIVE\tSUB\n"
            "hello.service\t113f16a7.../172.17.8.101\tactive\trunning\n");
  // Exactly 7 and 8 characters: 8 -> one tab, 9 -> 16 wide.
  EXPECT_EQ(tabwriter_format("1234567\tx\n"), "1234567\tx\n");
  EXPECT_EQ(tabwriter_format("12345678\tx\nab\ty\n"), "12345678\tx\nab\t\ty\n");
  // Empty cells are padded too.
  EXPECT_EQ(tabwriter_format("abcdefghij\tx\n\ty\n"), "abcdefghij\tx\n\t\ty\n");
  // Widths count runes, not bytes.
  EXPECT_EQ(tabwriter_format(
                "\xC2\xB5\xC2\xB5\xC2\xB5\xC2\xB5\xC2\xB5\xC2\xB5\xC2\xB5\xC2\xB5\tx\nab\ty\n"),
            "\xC2\xB5\xC2\xB5\xC2\xB5\xC2\xB5\xC2\xB5\xC2\xB5\xC2\xB5\xC2\xB5\tx\nab\t\ty\n");
  // No trailing newline: the last line is written as is.
  EXPECT_EQ(tabwriter_format("a\tb"), "a\tb");
  EXPECT_EQ(tabwriter_format(""), "");
}

TEST(TabWriter, ColumnBlocksEndAtLinesWithoutThatCell) {
  // Both lines in one block: "d" is padded to the 16 columns of the first.
  EXPECT_EQ(tabwriter_format("aaaaaaaaaaaa\tb\nd\te\n"), "aaaaaaaaaaaa\tb\nd\t\te\n");
  // A line without tabs splits the block: "d" gets its own 8 columns.
  EXPECT_EQ(tabwriter_format("aaaaaaaaaaaa\tb\nc\nd\te\n"), "aaaaaaaaaaaa\tb\nc\nd\te\n");
  // A second column exists only on the first line.
  EXPECT_EQ(tabwriter_format("a\tbbbbbbbbbb\tc\nd\te\n"), "a\tbbbbbbbbbb\tc\nd\te\n");
}

TEST(FleetctlFields, ValidatesFieldLists) {
  EXPECT_EQ(fields_of(kListUnitsDefault, kListUnitsFields),
            (std::vector<std::string>{"unit", "machine", "active", "sub"}));
  EXPECT_EQ(parse_fields("", kListUnitsFields).error(), "Must define output format");
  EXPECT_EQ(parse_fields("unit,bogus", kListUnitsFields).error(),
            R"(Invalid key in output format: "bogus")");
  EXPECT_EQ(parse_fields("unit,", kListUnitsFields).error(), R"(Invalid key in output format: "")");
  EXPECT_EQ(parse_fields("dstate", kListUnitsFields).error(),
            R"(Invalid key in output format: "dstate")");
  auto tmachine = parse_fields("unit,tmachine", kListUnitFilesFields);
  ASSERT_TRUE(tmachine.ok());
  EXPECT_EQ(tmachine->warnings,
            std::vector<std::string>{
                R"(WARNING: The "tmachine" field is deprecated. Use "target" instead)"});
}

TEST(FleetctlOutput, Legends) {
  EXPECT_EQ(machine_id_legend(kM1, false), "113f16a7...");
  EXPECT_EQ(machine_id_legend(kM1, true), kM1);
  EXPECT_EQ(machine_id_legend("abc", false), "abc...");
  EXPECT_EQ(machine_full_legend(kM1, "172.17.8.101", false), "113f16a7.../172.17.8.101");
  EXPECT_EQ(machine_full_legend(kM1, "", false), "113f16a7...");
  EXPECT_EQ(machine_full_legend(kM1, "10.0.0.1", true), std::string(kM1) + "/10.0.0.1");
}

TEST(FleetctlOutput, ListUnits) {
  std::vector<ApiUnitState> states = {
      {"hello.service", "1c6fb6f3684bafb0c173d8b8b957ceff031180c1", std::string(kM1), "loaded",
       "active", "running"},
      {"world.service", "", std::string(kM2), "loaded", "failed", "failed"},
      {"zzz.service", "", "", "", "inactive", "dead"},
  };
  auto fields = fields_of(kListUnitsDefault, kListUnitsFields);
  EXPECT_EQ(format_list_units(states, two_machines(), fields, {}),
            "UNIT\t\tMACHINE\t\t\t\tACTIVE\t\tSUB\n"
            "hello.service\t113f16a7.../172.17.8.101\tactive\t\trunning\n"
            "world.service\t9e8bcd11...\t\t\tfailed\t\tfailed\n"
            "zzz.service\t-\t\t\t\tinactive\tdead\n");
  EXPECT_EQ(format_list_units(states, two_machines(), fields_of("unit,hash", kListUnitsFields),
                              {.full = true, .no_legend = true}),
            "hello.service\t1c6fb6f3684bafb0c173d8b8b957ceff031180c1\n"
            "world.service\t-\n"
            "zzz.service\t-\n");
  EXPECT_EQ(format_list_units(states, {}, fields_of("unit,load,hash", kListUnitsFields), {}),
            "UNIT\t\tLOAD\tHASH\n"
            "hello.service\tloaded\t1c6fb6f\n"
            "world.service\tloaded\t-\n"
            "zzz.service\t\t-\n");
  EXPECT_EQ(format_list_units({}, {}, fields, {}), "UNIT\tMACHINE\tACTIVE\tSUB\n");
}

TEST(FleetctlOutput, ListUnitFiles) {
  std::vector<ApiUnit> units = {
      {"hello.service",
       {{"Service", "ExecStart", "/bin/sleep 100"}},
       "launched",
       "launched",
       std::string(kM1)},
      {"global.service", {{"X-Fleet", "Global", "true"}}, "launched", "", ""},
      {"a.service",
       {{"Unit", "Description", "hello"}, {"Service", "ExecStart", "/bin/true"}},
       "inactive",
       "inactive",
       ""},
  };
  auto fields = fields_of(kListUnitFilesDefault, kListUnitFilesFields);
  EXPECT_EQ(format_list_unit_files(units, two_machines(), fields, {}),
            "UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET\n"
            "a.service\t54dac4f\tinactive\tinactive\t-\n"
            "global.service\te32a2bc\tlaunched\t-\t\tglobal\n"
            "hello.service\t1c6fb6f\tlaunched\tlaunched\t113f16a7.../172.17.8.101\n");
  EXPECT_EQ(format_list_unit_files(units, {},
                                   fields_of("unit,global,desc,tmachine", kListUnitFilesFields),
                                   {.full = true, .no_legend = true}),
            "a.service\tfalse\thello\t-\n"
            "global.service\ttrue\t-\tglobal\n"
            "hello.service\tfalse\t-\t113f16a7ab9b4bf6a0a3e2d6b2a25f17\n");
  EXPECT_EQ(format_list_unit_files({units[0]}, {}, fields_of("hash", kListUnitFilesFields),
                                   {.full = true}),
            "HASH\n1c6fb6f3684bafb0c173d8b8b957ceff031180c1\n");
}

TEST(FleetctlOutput, ListMachines) {
  std::vector<ApiMachine> machines = {
      {std::string(kM1), "172.17.8.101", {{"region", "us-west"}, {"disk", "ssd"}}},
      {std::string(kM2), "", {}},
  };
  auto fields = fields_of(kListMachinesDefault, kListMachinesFields);
  EXPECT_EQ(format_list_machines(machines, fields, {}),
            "MACHINE\t\tIP\t\tMETADATA\n"
            "113f16a7...\t172.17.8.101\tdisk=ssd,region=us-west\n"
            "9e8bcd11...\t-\t\t-\n");
  EXPECT_EQ(format_list_machines(machines, fields, {.full = true, .no_legend = false}),
            "MACHINE\t\t\t\t\tIP\t\tMETADATA\n"
            "113f16a7ab9b4bf6a0a3e2d6b2a25f17\t172.17.8.101\tdisk=ssd,region=us-west\n"
            "9e8bcd1142934ca7b02e1d2a5c6f0e11\t-\t\t-\n");
}

TEST(FleetctlOutput, Messages) {
  ApiMachine m1{std::string(kM1), "172.17.8.102", {}};
  EXPECT_EQ(unit_state_message("foo.service", "loaded", &m1),
            "Unit foo.service loaded on 113f16a7.../172.17.8.102");
  EXPECT_EQ(unit_state_message("foo.service", "inactive", nullptr), "Unit foo.service inactive");
  EXPECT_EQ(triggered_message("foo.service", "start"), "Triggered unit foo.service start");
  EXPECT_EQ(triggered_global_message("foo.service", "load"),
            "Triggered global unit foo.service load");
  EXPECT_EQ(unable_to_stop_message("foo.service", "inactive"),
            "Unable to stop unit foo.service in state inactive");
  EXPECT_EQ(stopped_units_message({"a.service", "b.service"}),
            "Successfully stopped units [a.service b.service].");
  EXPECT_EQ(unloaded_units_message({"a.service"}), "Successfully unloaded units [a.service].");
  EXPECT_EQ(destroyed_message("foo.service"), "Destroyed foo.service");
  EXPECT_EQ(differs_warning("foo.service", "units/foo.service", false),
            "WARNING: Unit foo.service in registry differs from local unit file "
            "units/foo.service. Add --replace to override.");
  EXPECT_EQ(differs_warning("foo@1.service", "foo@1.service", true),
            "WARNING: Unit foo@1.service in registry differs from local template unit file "
            "foo@1.service. Add --replace to override.");
  EXPECT_EQ(cannot_replace_warning("foo.service", "launched"),
            "Warning: can not replace Unit(foo.service) in state 'launched', use the appropriate "
            "command");
  EXPECT_EQ(timed_out_message("foo.service", "launched"),
            "timed out waiting for unit foo.service to report state launched");
  EXPECT_EQ(unit_not_found_message("foo.service"), "Unit foo.service not found");
}

TEST(FleetctlOutput, RemoteAndSchedulingMessages) {
  EXPECT_EQ(timed_out_message("x.service", "launched", ""),
            "timed out waiting for unit x.service to report state launched");
  EXPECT_EQ(timed_out_message("x.service", "launched", "no machine has role=db"),
            "timed out waiting for unit x.service to report state launched: not schedulable: "
            "no machine has role=db");
  EXPECT_EQ(unschedulable_message("x.service", "r"), "Unit x.service is not schedulable: r");
  EXPECT_EQ(unit_not_on_filesystem_message("x.service", false),
            "unable to find Unit(x.service) in Registry or on filesystem");
  EXPECT_EQ(unit_not_on_filesystem_message("x@.service", true),
            "unable to find template Unit(x@.service) in Registry or on filesystem");
  EXPECT_EQ(same_unit_message("x.service"),
            "Found same Unit(x.service) in Registry, nothing to do");
  EXPECT_EQ(unit_does_not_exist_message("x.service"), "Unit x.service does not exist.");
  EXPECT_EQ(unit_not_loaded_message("x.service"), "Unit x.service does not appear to be loaded.");
  EXPECT_EQ(unable_to_restart_message("x.service", "inactive"),
            "Unable to restart unit x.service in state inactive");
  EXPECT_EQ(global_unit_unsupported_message("journal", "g.service"),
            "Unable to run journal for global unit g.service: pick its machine with `fleetctl "
            "ssh MACHINE ...`");
  EXPECT_EQ(verify_deprecated_message("verify"),
            "WARNING: the \"verify\" command is deprecated: unit signing is not supported");
  const std::string mismatch = host_key_mismatch_message("127.0.0.2", "/k");
  EXPECT_EQ(mismatch.rfind("Error: host key mismatch for 127.0.0.2 (known hosts file /k)", 0), 0u);
  EXPECT_NE(mismatch.find("ssh-keygen -R 127.0.0.2 -f /k"), std::string::npos);
  EXPECT_EQ(ambiguous_machine_message("12", {"12ab", "12cd"}),
            "Error: machine prefix 12 matches more than one machine: 12ab, 12cd");
  EXPECT_EQ(no_machine_or_unit_message("zz"), "Error: no machine or unit named zz");
}

}  // namespace
}  // namespace corestack::fleet
