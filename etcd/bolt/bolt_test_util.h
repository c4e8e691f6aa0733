// Test helpers: a scratch directory, and etcd's own etcdctl (Debian etcd-client, etcdctl
// 3.4, which reads bbolt files with the real bbolt) run on a file when it is installed.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace etcd::bolt::testing {

inline constexpr const char* kEtcdctl = "/usr/bin/etcdctl";

inline bool have_etcdctl() {
  return ::access(kEtcdctl, X_OK) == 0;
}

// A directory private to the running test, removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("bolt_test_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string file(const std::string& name, const std::string& bytes) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CtlRun {
  int status = -1;
  std::string out;  // stdout and stderr
};

// etcdctl (ETCDCTL_API=3) with `args` (shell words the caller quoted).
inline CtlRun etcdctl(const std::string& args) {
  CtlRun run;
  const std::string command = std::string("ETCDCTL_API=3 ") + kEtcdctl + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
    run.out.append(buf, n);
  run.status = ::pclose(pipe);
  return run;
}

}  // namespace etcd::bolt::testing
