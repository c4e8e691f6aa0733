// read_machine_id: trimming, and the errors locksmith reports.
#include "agents/systemd/machine_id.h"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "agents/systemd/testing/bus_fixture.h"

namespace corestack::systemd {
namespace {

using testing::TempDir;

constexpr const char* kId = "0123456789abcdef0123456789abcdef";

std::string write(const TempDir& dir, const std::string& contents) {
  const std::string path = dir.path() + "/machine-id";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  return path;
}

std::string error_of(const std::string& path) {
  try {
    read_machine_id(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(MachineId, TrimsSurroundingWhitespace) {
  TempDir dir;
  EXPECT_EQ(read_machine_id(write(dir, std::string(kId) + "\n")), kId);
  EXPECT_EQ(read_machine_id(write(dir, std::string(" \t") + kId + " \r\n\n")), kId);
}

TEST(MachineId, UnreadableOrBlankCannotBeRead) {
  TempDir dir;
  EXPECT_EQ(error_of(dir.path() + "/missing"), "Cannot read machine-id");
  EXPECT_EQ(error_of(dir.path()), "Cannot read machine-id");  // a directory
  EXPECT_EQ(error_of(write(dir, "")), "Cannot read machine-id");
  EXPECT_EQ(error_of(write(dir, " \n\t\n")), "Cannot read machine-id");
}

TEST(MachineId, RejectsAnythingButThirtyTwoLowercaseHexDigits) {
  TempDir dir;
  const std::string path = write(dir, "0123456789ABCDEF0123456789ABCDEF\n");
  EXPECT_EQ(error_of(path), "Invalid machine-id in " + path +
                                ": expected 32 lowercase hex digits, got "
                                "\"0123456789ABCDEF0123456789ABCDEF\"");
  EXPECT_NE(error_of(write(dir, "0123456789abcdef")).find("Invalid machine-id"), std::string::npos);
  EXPECT_NE(error_of(write(dir, std::string(kId) + "0")).find("Invalid machine-id"),
            std::string::npos);
  EXPECT_NE(error_of(write(dir, "0123456789abcdef 0123456789abcdef")).find("Invalid machine-id"),
            std::string::npos);
}

}  // namespace
}  // namespace corestack::systemd
