#include "cloud-config/apply.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cloud-config/decode.h"
#include "cloud-config/yaml_doc.h"

namespace corestack::cloudinit {
namespace {

namespace fs = std::filesystem;

// Records the calls, in order, into the same log the apply writes.
class FakeUnits : public UnitManager {
 public:
  explicit FakeUnits(std::vector<std::string>& calls) : calls_(calls) {}
  void reload() override { calls_.push_back("Reload"); }
  void link(const std::string& path, bool) override { calls_.push_back("Link " + path); }
  void enable(const std::string& unit, bool runtime) override {
    calls_.push_back("Enable " + unit + (runtime ? " runtime" : ""));
  }
  std::string run(const std::string& command, const std::string& unit) override {
    calls_.push_back(command + " " + unit);
    return "done";
  }
  std::string start_transient(const std::string& unit, const std::string&) override {
    calls_.push_back("transient " + unit);
    return "done";
  }

 private:
  std::vector<std::string>& calls_;
};

class ApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/cloudinit-apply-XXXXXX";
    root_ = ::mkdtemp(dir);
  }
  void TearDown() override { fs::remove_all(root_); }

  void apply(const std::string& yaml) {
    ActionLog log;
    Filesystem files(root_, log);
    RecordingRunner runner(log);
    FakeUnits units(calls_);
    Host host{files, runner, &units, log};
    apply_cloud_config(decode_config(std::get<YAML::Node>(parse_yaml(yaml))), ApplyOptions{}, host);
  }
  std::string path(const std::string& p) const { return root_ + p; }

  std::string root_;
  std::vector<std::string> calls_;
};

TEST_F(ApplyTest, ReloadComesBeforeCommandsInListOrder) {
  apply(
      "coreos:\n  etcd2:\n    name: a\n  update:\n    reboot-strategy: reboot\n  units:\n"
      "    - name: b.service\n      content: \"[Service]\\nExecStart=/bin/true\\n\"\n"
      "      enable: true\n      command: start\n    - name: c.service\n      command: stop\n");
  EXPECT_EQ(calls_, (std::vector<std::string>{"Enable b.service", "Reload", "start b.service",
                                              "stop c.service", "restart locksmithd.service"}));
  EXPECT_TRUE(fs::exists(path("/etc/systemd/system/b.service")));
  EXPECT_TRUE(fs::exists(path("/run/systemd/system/etcd2.service.d/20-cloudinit.conf")));
}

TEST_F(ApplyTest, RebootStrategyOffMasksAndAnotherStrategyUnmasks) {
  apply("coreos:\n  update:\n    reboot-strategy: off\n");
  EXPECT_EQ(fs::read_symlink(path("/run/systemd/system/locksmithd.service")), "/dev/null");
  EXPECT_EQ(calls_.back(), "stop locksmithd.service");
  apply("coreos:\n  update:\n    reboot-strategy: off\n");  // re-masking on the next boot works
  EXPECT_EQ(fs::read_symlink(path("/run/systemd/system/locksmithd.service")), "/dev/null");
  apply("coreos:\n  update:\n    reboot-strategy: etcd-lock\n");
  EXPECT_FALSE(fs::exists(fs::symlink_status(path("/run/systemd/system/locksmithd.service"))));
  EXPECT_EQ(calls_.back(), "restart locksmithd.service");
}

TEST_F(ApplyTest, RuntimeUnmaskLeavesRealFiles) {
  fs::create_directories(path("/run/systemd/system"));
  std::ofstream(path("/run/systemd/system/x.service")) << "[Service]\nExecStart=/bin/true\n";
  apply("coreos:\n  units:\n    - name: x.service\n      runtime: true\n      command: start\n");
  EXPECT_TRUE(fs::is_regular_file(path("/run/systemd/system/x.service")));
  EXPECT_EQ(calls_, std::vector<std::string>{"start x.service"});  // nothing written: no reload
}

TEST_F(ApplyTest, BadWriteFileChangesNothing) {
  EXPECT_THROW(
      apply("hostname: h\nwrite_files:\n  - path: /etc/a\n    content: ok\n"
            "  - path: /etc/b\n    permissions: '0644'\n    encoding: b64\n    content: '%%%'\n"),
      std::runtime_error);
  EXPECT_FALSE(fs::exists(path("/etc")));
  EXPECT_TRUE(calls_.empty());
}

TEST_F(ApplyTest, WriteFilesModesAndNoTemporaryFilesLeft) {
  apply(
      "write_files:\n  - path: /etc/deep/dir/f\n    permissions: '0640'\n    content: x\n"
      "  - path: /etc/deep/dir/f\n    permissions: '0600'\n    content: y\n");
  struct stat st {};
  ASSERT_EQ(::stat(path("/etc/deep/dir/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(path("/etc/deep/dir")))
    ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(ApplyTest, PathsCannotLeaveTheRoot) {
  EXPECT_THROW(apply("write_files:\n  - path: /etc/../../escaped\n    content: x\n"),
               std::runtime_error);
  EXPECT_THROW(apply("coreos:\n  units:\n    - name: a.service\n      drop-ins:\n"
                     "        - name: ../../../escaped.conf\n          content: x\n"),
               std::runtime_error);
  EXPECT_FALSE(fs::exists(fs::path(root_).parent_path() / "escaped"));
  EXPECT_FALSE(fs::exists(fs::path(root_).parent_path() / "escaped.conf"));
}

TEST_F(ApplyTest, NetworkUnitsRestartNetworkdOnce) {
  apply(
      "coreos:\n  units:\n    - name: 10-a.network\n      content: \"[Match]\\n\"\n      enable: "
      "true\n"
      "      command: start\n    - name: 20-b.netdev\n      content: \"[NetDev]\\n\"\n");
  EXPECT_TRUE(fs::exists(path("/etc/systemd/network/10-a.network")));
  EXPECT_EQ(calls_, (std::vector<std::string>{"Reload", "restart systemd-networkd.service"}));
}

}  // namespace
}  // namespace corestack::cloudinit
