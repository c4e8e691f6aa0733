// libFuzzer target: Wal::open on a directory whose only segment holds arbitrary bytes.
// Open either refuses (leaving the file untouched) or succeeds, and then the log must
// accept an append and reopen with that entry as its last.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <spdlog/spdlog.h>

#include "etcd/wal/wal.h"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

const std::string& work_dir() {
  static const std::string dir = [] {
    const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string pattern = std::string(base) + "/wal_open_fuzz.XXXXXX";
    check(::mkdtemp(pattern.data()) != nullptr);
    return pattern;
  }();
  static const bool cleanup = (std::atexit([] {
                                 std::error_code ignored;
                                 std::filesystem::remove_all(work_dir(), ignored);
                               }),
                               true);
  (void)cleanup;
  return dir;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

etcd::wal::Options options() {
  etcd::wal::Options o;
  o.segment_bytes = 4096;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (spdlog::set_level(spdlog::level::off), true);
  (void)quiet;
  const std::string dir = work_dir();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directory(dir);
  const std::string segment = dir + "/0000000000000000-0000000000000000.wal";
  const std::string input(reinterpret_cast<const char*>(data), size);
  {
    std::ofstream out(segment, std::ios::binary);
    out.write(input.data(), static_cast<std::streamsize>(input.size()));
  }
  auto opened = etcd::wal::Wal::open(dir, etcd::Index{0}, options());
  if (!opened) {
    check(read_all(segment) == input);  // a refused open changes nothing
    return 0;
  }
  const etcd::Index expected = opened->first->last_index() + 1;
  const etcd::raft::Entry entry{etcd::Term{1}, expected, etcd::raft::EntryType::normal, "fuzz"};
  check(opened->first->save({}, {entry}, true).ok());
  opened->first.reset();
  // A marker may sit past the entries (a snapshot received from a leader): read from it.
  const auto& marker = opened->second.snapshot;
  auto reopened = etcd::wal::Wal::open(dir, marker ? marker->index : etcd::Index{0}, options());
  check(reopened.ok());
  check(!reopened->second.entries.empty());
  check(reopened->second.entries.back() == entry);
  return 0;
}
