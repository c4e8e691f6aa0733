// store_bench: how fast etcd/store applies writes and serves reads on a file database.
//
//   store_bench [keys] [batch] [db-path]     defaults: 100000 keys, 100 per batch,
//                                            a fresh file under $TMPDIR
//
// Writes go through the real path (begin_batch / apply / commit_batch, one SQLite
// transaction per batch, as the server applies committed raft entries); keys are spread
// over 100 directories. Reads are plain GETs of every key, then one recursive listing.
// Prints sets/s, gets/s and the process's resident and peak memory.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "etcd/store/store.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// VmRSS / VmHWM from /proc/self/status, in MiB.
void print_memory() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0 || line.rfind("VmHWM:", 0) == 0) {
      std::printf("%-8s %8.1f MiB\n", line.substr(0, 6).c_str(),
                  std::strtod(line.c_str() + 6, nullptr) / 1024.0);
    }
  }
}

std::string key_of(uint64_t i) {
  return "/bench/d" + std::to_string(i % 100) + "/k" + std::to_string(i);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t keys = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100'000;
  const uint64_t batch = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "store_bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = argc > 3 ? argv[3] : (dir / "db").string();
  auto opened = etcd::store::Store::open(path);
  if (!opened) {
    std::fprintf(stderr, "store_bench: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = **opened;
  const std::string value(64, 'v');
  uint64_t raft = store.applied_index().value;

  auto start = Clock::now();
  for (uint64_t i = 0; i < keys;) {
    store.begin_batch();
    for (uint64_t end = std::min(keys, i + batch); i < end; ++i) {
      etcd::store::Request r;
      r.method = etcd::store::Method::put;
      r.path = key_of(i);
      r.value = value;
      if (!store.apply(r, etcd::Index(++raft)).ok()) return 1;
    }
    store.commit_batch(etcd::Index(raft));
  }
  double set_s = seconds_since(start);

  start = Clock::now();
  for (uint64_t i = 0; i < keys; ++i) {
    if (!store.get(key_of(i), false, false, 0).ok()) return 1;
  }
  double get_s = seconds_since(start);

  start = Clock::now();
  auto listing = store.get("/bench", true, true, 0);
  double list_s = seconds_since(start);

  std::printf("keys     %8llu (batch %llu, db %s)\n", static_cast<unsigned long long>(keys),
              static_cast<unsigned long long>(batch), path.c_str());
  std::printf("sets/s   %10.0f\n", static_cast<double>(keys) / set_s);
  std::printf("gets/s   %10.0f\n", static_cast<double>(keys) / get_s);
  std::printf("list     %10.3f s (recursive GET of all %zu directories)\n", list_s,
              listing.ok() ? listing->node.children.size() : 0);
  print_memory();
  std::filesystem::remove_all(dir);
  return 0;
}
