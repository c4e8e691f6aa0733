// wal_bench: how close the WAL gets to the disk. On one filesystem, in one run, it
// compares durable appends made three ways: raw pwrite + fdatasync growing a file, raw
// pwrite + fdatasync into preallocated space (as the WAL writes), and Wal::save with
// must_sync; the raw appends are as large as the WAL's on-disk records. Two workloads: single-entry
// appends (appends/s) and 1 MiB batches of 256 x 4 KiB entries (MB/s). The three run interleaved
// one append at a time, each timed on its own, so load from other processes hits them alike. Ratio
// = WAL / faster raw.
//
//   wal_bench [--dir DIR] [--seconds S]
// DIR defaults to a fresh directory beside the binary (removed afterwards).
#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <linux/magic.h>
#include <spdlog/spdlog.h>

#include "etcd/raft/codec.h"
#include "etcd/wal/crc32c.h"
#include "etcd/wal/record.h"
#include "etcd/wal/wal.h"

namespace {

using Clock = std::chrono::steady_clock;
using Step = std::function<void()>;  // one durable append

constexpr size_t kSmallEntryBytes = 64;
constexpr size_t kBatchEntries = 256;
constexpr size_t kBatchEntryBytes = 4096;
constexpr size_t kBatchBytes = kBatchEntries * kBatchEntryBytes;  // 1 MiB
constexpr uint64_t kBatchStepsMax = 256;                          // 256 MiB per variant

struct Args {
  std::string dir;
  double seconds = 6;  // per workload, all three variants together
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "wal_bench: %s\n", what.c_str());
  std::exit(1);
}

// Bytes one Wal::save of these entries puts on disk (entry records + hard state record),
// so the raw side writes exactly as much per append, with the same alignment.
size_t wal_save_bytes(size_t entries, size_t entry_data_bytes) {
  const etcd::raft::Entry e{etcd::Term{1}, etcd::Index{1}, {}, std::string(entry_data_bytes, 'x')};
  const etcd::raft::HardState hs{etcd::Term{1}, etcd::NodeId{1}, etcd::Index{1}};
  return entries * etcd::wal::record_bytes(etcd::raft::encode(e).size()) +
         etcd::wal::record_bytes(etcd::raft::encode(hs).size());
}

// A plain file appended to with pwrite + fdatasync: growing it (`preallocate_bytes` 0)
// or inside space reserved up front.
class RawFile {
 public:
  RawFile(const std::string& path, uint64_t preallocate_bytes) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) die("open " + path + ": " + std::strerror(errno));
    if (preallocate_bytes > 0 &&
        ::posix_fallocate(fd_, 0, static_cast<off_t>(preallocate_bytes)) != 0) {
      die("posix_fallocate " + path);
    }
  }
  ~RawFile() { ::close(fd_); }
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;

  // The bytes are durable on return.
  void append(const std::string& bytes) {
    const auto n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset_));
    if (n != static_cast<ssize_t>(bytes.size())) die(std::string("write: ") + std::strerror(errno));
    offset_ += bytes.size();
    if (::fdatasync(fd_) != 0) die(std::string("fdatasync: ") + std::strerror(errno));
  }

 private:
  int fd_ = -1;
  uint64_t offset_ = 0;
};

std::unique_ptr<etcd::wal::Wal> fresh_wal(const std::string& dir) {
  auto wal = etcd::wal::Wal::create(dir, {etcd::NodeId{1}, 1}, etcd::wal::Options{});
  if (!wal) die(wal.error().message);
  return std::move(*wal);
}

// Single-entry saves, each with its hard state, as the raft loop makes them.
Step wal_small_step(etcd::wal::Wal& wal) {
  return [&wal, index = uint64_t{0}, data = std::string(kSmallEntryBytes, 'w')]() mutable {
    ++index;
    const etcd::raft::Entry e{etcd::Term{1}, etcd::Index{index}, {}, data};
    const auto saved = wal.save({etcd::Term{1}, etcd::NodeId{1}, etcd::Index{index}}, {e}, true);
    if (!saved) die(saved.error().message);
  };
}

Step wal_batch_step(etcd::wal::Wal& wal) {
  std::vector<etcd::raft::Entry> batch(kBatchEntries);
  for (auto& e : batch)
    e.data.assign(kBatchEntryBytes, 'w');
  return [&wal, batch = std::move(batch), index = uint64_t{0}]() mutable {
    for (auto& e : batch) {
      e.term = etcd::Term{1};
      e.index = etcd::Index{++index};
    }
    const auto saved = wal.save({etcd::Term{1}, etcd::NodeId{1}, etcd::Index{index}}, batch, true);
    if (!saved) die(saved.error().message);
  };
}

// Runs the steps round-robin until `seconds` pass or each ran `steps_max` times, and
// returns each one's steps per second of its own (summed) time.
std::vector<double> interleave(const std::vector<Step>& steps, double seconds, uint64_t steps_max) {
  std::vector<double> busy_s(steps.size(), 0);
  uint64_t rounds = 0;
  const auto start = Clock::now();
  while (rounds < steps_max &&
         std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    for (size_t k = 0; k < steps.size(); ++k) {
      const auto t0 = Clock::now();
      steps[k]();
      busy_s[k] += std::chrono::duration<double>(Clock::now() - t0).count();
    }
    ++rounds;
  }
  std::vector<double> per_s;
  for (double b : busy_s)
    per_s.push_back(static_cast<double>(rounds) / b);
  return per_s;
}

const char* fs_name(const std::string& dir) {
  struct statfs st {};
  if (::statfs(dir.c_str(), &st) != 0) return "?";
  switch (st.f_type) {
    case EXT4_SUPER_MAGIC:
      return "ext4";
    case TMPFS_MAGIC:
      return "tmpfs";
    case XFS_SUPER_MAGIC:
      return "xfs";
    case BTRFS_SUPER_MAGIC:
      return "btrfs";
    case OVERLAYFS_SUPER_MAGIC:
      return "overlayfs";
    default:
      return "other";
  }
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--dir") {
      a.dir = value;
    } else if (flag == "--seconds") {
      a.seconds = std::stod(value);
    } else {
      die("usage: wal_bench [--dir DIR] [--seconds S]");
    }
  }
  if (a.dir.empty()) {  // beside the binary: inside the (git-ignored) build tree
    std::error_code ec;
    const auto exe_dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
    a.dir =
        (ec ? std::filesystem::path(".") : exe_dir) / ("wal-bench." + std::to_string(::getpid()));
  }
  return a;
}

// rates = {raw growing, raw preallocated, WAL}, already in the row's unit.
void print_row(const char* what, const std::vector<double>& rates, double target) {
  const double ratio = rates[2] / std::max(rates[0], rates[1]);
  std::printf("%-24s %12.1f %12.1f %12.1f %7.2f   >= %.2f %s\n", what, rates[0], rates[1], rates[2],
              ratio, target, ratio >= target ? "ok" : "BELOW TARGET");
}

std::vector<double> run_small(const Args& a) {
  RawFile grow(a.dir + "/raw-small-grow", 0);
  RawFile prealloc(a.dir + "/raw-small-prealloc", uint64_t{64} << 20);
  auto wal = fresh_wal(a.dir + "/wal-small");
  const std::string record(wal_save_bytes(1, kSmallEntryBytes), 'r');
  return interleave(
      {[&] { grow.append(record); }, [&] { prealloc.append(record); }, wal_small_step(*wal)},
      a.seconds, UINT64_MAX);
}

std::vector<double> run_batches(const Args& a) {
  RawFile grow(a.dir + "/raw-batches-grow", 0);
  RawFile prealloc(a.dir + "/raw-batches-prealloc", kBatchStepsMax * kBatchBytes);
  auto wal = fresh_wal(a.dir + "/wal-batches");
  const std::string block(wal_save_bytes(kBatchEntries, kBatchEntryBytes), 'b');
  std::vector<double> per_s = interleave(
      {[&] { grow.append(block); }, [&] { prealloc.append(block); }, wal_batch_step(*wal)},
      a.seconds, kBatchStepsMax);
  for (double& r : per_s)
    r *= static_cast<double>(kBatchBytes) / 1e6;  // MB/s
  return per_s;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  spdlog::set_level(spdlog::level::warn);
  std::filesystem::create_directories(a.dir);
  const std::vector<double> small = run_small(a);
  const std::vector<double> batches = run_batches(a);
  std::printf("wal_bench: %s (%s), interleaved, %.0f s per workload, crc32c %s\n",
              std::filesystem::absolute(a.dir).c_str(), fs_name(a.dir), a.seconds,
              etcd::wal::crc32c_hardware_accelerated() ? "sse4.2" : "table");
  std::printf("%-24s %12s %12s %12s %7s\n", "", "raw append", "raw prealloc", "WAL save", "ratio");
  print_row("single-entry appends/s", small, 0.8);
  print_row("1 MiB batches MB/s", batches, 0.7);
  std::printf(
      "raw = pwrite + fdatasync of as many bytes as one WAL save (%zu, %zu); "
      "ratio = WAL / faster raw\n",
      wal_save_bytes(1, kSmallEntryBytes), wal_save_bytes(kBatchEntries, kBatchEntryBytes));
  std::filesystem::remove_all(a.dir);
  return 0;
}
