// Helpers shared by the wal tests: a scratch directory removed at the end of the test,
// deterministic entries whose content proves their (index, term), and raw file access
// for damaging segments on purpose.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "etcd/common/assert.h"
#include "etcd/raft/types.h"

namespace etcd::raft {
// Readable gtest failure messages for entries (data abbreviated).
inline void PrintTo(const Entry& e, std::ostream* os) {
  *os << "{" << e.index << "@" << e.term << " " << e.data.size() << "B " << e.data.substr(0, 8)
      << "}";
}
}  // namespace etcd::raft

namespace etcd::wal::testing {

// Purges and repairs log at info; keep test output to warnings and worse.
inline const bool kQuietLogs = (spdlog::set_level(spdlog::level::warn), true);

class TempDir {
 public:
  // Under `base` (with a trailing slash), or gtest's temporary directory when empty.
  explicit TempDir(const std::string& base = "") {
    std::string pattern = (base.empty() ? ::testing::TempDir() : base) + "wal_test.XXXXXX";
    ETCD_ASSERT(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Routes the process logger into a string for the lifetime of the object.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    sink->set_pattern("%l: %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() const { return stream_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream stream_;
};

// Data is a printable, never-zero function of (index, term), so a test can tell a
// recovered entry is exactly the one written and corruption never looks like padding.
inline std::string entry_data(uint64_t index, uint64_t term, size_t size_bytes) {
  std::string data(size_bytes, 'a');
  uint64_t x = index * 0x9e3779b97f4a7c15ULL + term;
  for (char& c : data) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    c = static_cast<char>('a' + (x >> 60));
  }
  return data;
}

inline raft::Entry make_entry(uint64_t index, uint64_t term, size_t size_bytes = 40) {
  return raft::Entry{Term{term}, Index{index}, raft::EntryType::normal,
                     entry_data(index, term, size_bytes)};
}

inline std::vector<raft::Entry> make_entries(uint64_t first, uint64_t last, uint64_t term,
                                             size_t size_bytes = 40) {
  std::vector<raft::Entry> out;
  for (uint64_t i = first; i <= last; ++i)
    out.push_back(make_entry(i, term, size_bytes));
  return out;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace etcd::wal::testing
