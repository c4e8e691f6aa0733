#include "cloud-config/decode.h"

#include <gtest/gtest.h>

#include "cloud-config/yaml_doc.h"

namespace corestack::cloudinit {
namespace {

CloudConfig decode(const std::string& text) {
  return decode_config(std::get<YAML::Node>(parse_yaml(text)));
}

std::vector<std::string> lines(const std::vector<EnvVar>& env) {
  std::vector<std::string> out;
  for (const auto& v : env)
    out.push_back(v.name + "=" + v.value);
  return out;
}

TEST(Decode, EnvFollowsFieldOrderNotDocumentOrder) {
  auto c = decode(
      "coreos:\n  etcd2:\n    name: n1\n    proxy: off\n    advertise-client-urls: http://a:2379\n"
      "    debug: false\n    snapshot_count: 0\n    heartbeat-interval: 0x10\n");
  EXPECT_EQ(
      lines(c.coreos.etcd2),
      (std::vector<std::string>{"ETCD_ADVERTISE_CLIENT_URLS=http://a:2379",
                                "ETCD_HEARTBEAT_INTERVAL=16", "ETCD_NAME=n1", "ETCD_PROXY=off"}));
}

TEST(Decode, WrongTypesAreZeroValues) {
  auto c = decode(
      "coreos:\n  fleet:\n    verbosity: loud\n    verify_units: maybe\n"
      "    engine_reconcile_interval: 3\n    disable-engine: on\n");
  EXPECT_EQ(lines(c.coreos.fleet), (std::vector<std::string>{"FLEET_DISABLE_ENGINE=true",
                                                             "FLEET_ENGINE_RECONCILE_INTERVAL=3"}));
}

TEST(Decode, SpecialEnvNames) {
  auto c = decode(
      "coreos:\n  flannel:\n    interface: eth1\n  locksmith:\n    window_start: Sun 4:00\n"
      "    window-length: 1h\n");
  EXPECT_EQ(lines(c.coreos.flannel), std::vector<std::string>{"FLANNELD_IFACE=eth1"});
  EXPECT_EQ(lines(c.coreos.locksmith),
            (std::vector<std::string>{"REBOOT_WINDOW_START=Sun 4:00", "REBOOT_WINDOW_LENGTH=1h"}));
}

TEST(Decode, UnitsFilesUsers) {
  auto c = decode(
      "hostname: h\nssh_authorized_keys: [k1, k2]\nmanage_etc_hosts: localhost\n"
      "users:\n  - name: u\n    groups: [a, b]\n    system: true\n"
      "write_files:\n  - path: /x\n    permissions: 0600\n    content: !!binary aGk=\n"
      "coreos:\n  update:\n    reboot-strategy: off\n  units:\n"
      "    - name: a.service\n      runtime: yes\n      command: start\n"
      "      drop-ins:\n        - name: 1.conf\n          content: c\n");
  EXPECT_EQ(c.hostname, "h");
  EXPECT_EQ(c.ssh_authorized_keys, (std::vector<std::string>{"k1", "k2"}));
  ASSERT_EQ(c.users.size(), 1u);
  EXPECT_TRUE(c.users[0].system);
  EXPECT_EQ(c.users[0].groups.size(), 2u);
  ASSERT_EQ(c.write_files.size(), 1u);
  EXPECT_EQ(c.write_files[0].permissions, "0600");
  EXPECT_TRUE(c.write_files[0].binary);
  EXPECT_EQ(c.coreos.update.reboot_strategy, "off");
  ASSERT_EQ(c.coreos.units.size(), 1u);
  EXPECT_TRUE(c.coreos.units[0].runtime);
  EXPECT_EQ(c.coreos.units[0].line, 16);
  ASSERT_EQ(c.coreos.units[0].drop_ins.size(), 1u);
  EXPECT_EQ(c.coreos.units[0].drop_ins[0].name, "1.conf");
}

TEST(Decode, NonMappingDocumentsAreEmpty) {
  EXPECT_TRUE(decode("- a\n- b\n").hostname.empty());
  EXPECT_TRUE(decode("").coreos.units.empty());
  EXPECT_TRUE(decode("coreos: 3\n").coreos.units.empty());
}

}  // namespace
}  // namespace corestack::cloudinit
