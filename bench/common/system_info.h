// System facts the benchmark prints next to its numbers: CPU time of processes (from
// /proc/<pid>/stat), RSS, the load average, the filesystem a directory lives on, directory
// sizes, and the machine description. Linux only; every reader returns 0 / "" on failure.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

// utime + stime of a process, in seconds (0 when it is gone).
double process_cpu_seconds(pid_t pid);
double processes_cpu_seconds(const std::vector<pid_t>& pids);
// This process's user + system CPU time (all threads), in seconds.
double self_cpu_seconds();
// VmRSS of a process, in bytes.
uint64_t process_rss_bytes(pid_t pid);
// The 1-minute load average.
double load_average();
// "ext4", "xfs", "tmpfs", ... for the filesystem holding `path` ("0x<magic>" if unknown).
std::string filesystem_type(const std::string& path);
// The block device or source of the mount holding `path` (from /proc/self/mountinfo).
std::string mount_source(const std::string& path);
// Bytes allocated on disk (as du) under `path`.
uint64_t directory_disk_bytes(const std::string& path);
// One line: CPU model and count, kernel, memory.
std::string machine_summary();
// Raises RLIMIT_NOFILE to its hard limit (children inherit it); returns the new soft limit.
uint64_t raise_fd_limit();

}  // namespace bench
