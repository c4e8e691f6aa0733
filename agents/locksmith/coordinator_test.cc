#include "agents/locksmith/coordinator.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace corestack::locksmith {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/coordinator-test-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    path_ = dir_ + "/update-engine/coordinator.conf";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string path_;
};

TEST_F(CoordinatorTest, WritesNameStrategyAndEachState) {
  Coordinator c(path_, "etcd-lock");
  EXPECT_EQ(read_file(path_), "NAME=locksmithd\nSTRATEGY=etcd-lock\nSTATE=starting\n");
  c.set_state("reboot-planned");
  EXPECT_EQ(read_file(path_), "NAME=locksmithd\nSTRATEGY=etcd-lock\nSTATE=reboot-planned\n");
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(CoordinatorTest, ASecondCoordinatorIsRefusedEvenAfterUpdates) {
  Coordinator first(path_, "reboot");
  first.set_state("running");  // the lock moves with the renamed file
  try {
    Coordinator second(path_, "reboot");
    FAIL() << "a second coordinator was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("another update coordinator"), std::string::npos);
  }
  EXPECT_EQ(read_file(path_), "NAME=locksmithd\nSTRATEGY=reboot\nSTATE=running\n");
}

TEST_F(CoordinatorTest, TheLockIsFreeOnceTheCoordinatorIsGone) {
  { Coordinator first(path_, "reboot"); }
  Coordinator second(path_, "off");
  EXPECT_EQ(read_file(path_), "NAME=locksmithd\nSTRATEGY=off\nSTATE=starting\n");
}

}  // namespace
}  // namespace corestack::locksmith
