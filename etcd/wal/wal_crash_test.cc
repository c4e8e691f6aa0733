// The crash test: a forked writer appends to a WAL and reports every save that returned
// (with must_sync) over a pipe; the parent SIGKILLs it at a random moment, reopens the
// WAL and checks that every acknowledged entry is there, intact, with its term. Rounds
// continue on the same WAL, so repair, rollover, markers and purge all meet crashes.
//
// WAL_CRASH_SEED and WAL_CRASH_ROUNDS override the seed and the number of rounds.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>

#include <gtest/gtest.h>

#include "etcd/common/random.h"
#include "etcd/wal/test_util.h"
#include "etcd/wal/wal.h"

namespace etcd::wal {
namespace {

constexpr Identity kIdentity{NodeId{7}, 42};
constexpr uint32_t kMaxWals = 3;
constexpr int kChildOpsMax = 400;  // the child stops by itself if never killed

Options crash_options() {
  Options o;
  o.segment_bytes = 64 * 1024;
  o.expected_identity = kIdentity;
  return o;
}

// Entry content is a function of (index, term), its size too, so any entry read back can
// be checked without knowing which batch wrote it. One entry in 16 is large, so some
// saves are long writes a SIGKILL can cut short (the kernel stops a write between pages).
raft::Entry crash_entry(uint64_t index, uint64_t term) {
  const uint64_t mix = index * 31 + term * 17;
  return testing::make_entry(index, term, mix % 16 == 0 ? 6000 + mix % 4000 : mix % 200);
}

enum class AckKind : uint8_t { entries = 1, marker = 2 };

// One pipe message (well under PIPE_BUF, so writes are atomic).
struct Ack {
  AckKind kind;
  uint64_t lo;  // entries: first index; marker: index
  uint64_t hi;  // entries: last index
  uint64_t term;
  uint64_t commit;  // hard state commit saved with these entries
};

// What the parent knows is durable.
struct Acked {
  std::map<uint64_t, uint64_t> term_of;  // index -> term
  uint64_t marker = 0;
  uint64_t marker_term = 0;
  uint64_t commit = 0;
  uint64_t entries_total = 0;  // acknowledged over the whole run

  uint64_t last() const { return term_of.empty() ? 0 : term_of.rbegin()->first; }
};

void send(int fd, const Ack& ack) {
  if (::write(fd, &ack, sizeof ack) != static_cast<ssize_t>(sizeof ack)) ::_exit(3);
}

struct Run {
  uint64_t lo, hi, term;
};

void record(Acked& acked, const Ack& ack) {
  if (ack.kind == AckKind::marker) {
    acked.marker = ack.lo;
    acked.marker_term = ack.term;
    // Entries at or below the marker are "in the snapshot": no longer checked. Keep the
    // marker itself so last() stays right; keeping the map small keeps fork() cheap.
    acked.term_of.erase(acked.term_of.begin(), acked.term_of.lower_bound(ack.lo));
    return;
  }
  for (uint64_t i = ack.lo; i <= ack.hi; ++i)
    acked.term_of[i] = ack.term;
  acked.entries_total += ack.hi - ack.lo + 1;
  acked.commit = std::max(acked.commit, ack.commit);
}

// Entries of `recovered` above `durable` (written but never acknowledged by an earlier
// writer) become pending runs: the next sync acknowledges them.
std::vector<Run> unacknowledged(const Recovered& recovered, uint64_t durable) {
  std::vector<Run> runs;
  for (const raft::Entry& e : recovered.entries) {
    if (e.index.value <= durable) continue;
    if (!runs.empty() && runs.back().term == e.term.value) {
      runs.back().hi = e.index.value;
    } else {
      runs.push_back({e.index.value, e.index.value, e.term.value});
    }
  }
  return runs;
}

// What the server does after a snapshot: marker, then (once acknowledged) release and
// purge, so the parent always knows a marker at least as new as what purge relied on.
void snapshot(Wal& wal, Acked& acked, uint64_t marker, int out) {
  const Ack ack{AckKind::marker, marker, marker, acked.term_of.at(marker), 0};
  if (!wal.save_snapshot_marker({Index{marker}, Term{ack.term}})) ::_exit(4);
  send(out, ack);
  record(acked, ack);
  wal.release_before(Index{marker});
  if (!wal.purge(kMaxWals)) ::_exit(5);
}

// The writer. Never returns: it is killed, or exits 0 after kChildOpsMax operations, or
// exits non-zero on an unexpected error (the parent reports it).
[[noreturn]] void run_child(const std::string& dir, Acked acked, uint64_t seed, int out) {
  spdlog::set_level(spdlog::level::off);
  Rng rng(seed);
  auto opened = Wal::open(dir, Index{acked.marker}, crash_options());
  if (!opened) ::_exit(2);
  auto& [wal, recovered] = *opened;
  uint64_t last = wal->last_index().value;
  uint64_t term = recovered.hard_state.term.value + 1;
  std::vector<Run> pending = unacknowledged(recovered, acked.last());
  for (int op = 0; op < kChildOpsMax; ++op) {
    const uint64_t durable = acked.last();
    if (rng.below(12) == 0 && durable > acked.marker) {
      snapshot(*wal, acked, acked.marker + 1 + rng.below(durable - acked.marker), out);
      continue;
    }
    uint64_t first = last + 1;
    if (rng.below(6) == 0 && last > durable) {  // a new leader overwrites unacked entries
      ++term;
      first = durable + 1 + rng.below(last - durable);
    }
    const uint64_t count = rng.chance(1, 8) ? 1 + rng.below(100) : 1 + rng.below(5);
    std::vector<raft::Entry> batch;
    for (uint64_t i = first; i < first + count; ++i)
      batch.push_back(crash_entry(i, term));
    const bool must_sync = rng.chance(2, 3);
    if (!wal->save({Term{term}, NodeId{7}, Index{durable}}, batch, must_sync)) ::_exit(6);
    last = first + count - 1;
    while (!pending.empty() && pending.back().lo >= first)
      pending.pop_back();
    if (!pending.empty() && pending.back().hi >= first) pending.back().hi = first - 1;
    pending.push_back({first, last, term});
    if (must_sync) {
      for (const Run& r : pending) {
        const Ack ack{AckKind::entries, r.lo, r.hi, r.term, durable};
        send(out, ack);
        record(acked, ack);
      }
      pending.clear();
    }
  }
  ::_exit(0);
}

// Reads acks until `wanted` arrived or the child closed the pipe. False on EOF.
bool read_acks(int fd, Acked& acked, uint64_t wanted) {
  for (uint64_t n = 0; wanted == 0 || n < wanted; ++n) {
    Ack ack{};
    size_t got = 0;
    while (got < sizeof ack) {
      const ssize_t r = ::read(fd, reinterpret_cast<char*>(&ack) + got, sizeof ack - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    record(acked, ack);
  }
  return true;
}

// Every acknowledged entry after the acknowledged marker is present with its term, every
// recovered entry is one the writer produced, and the hard state is not older.
void verify(const Recovered& recovered, const Acked& acked) {
  const auto& entries = recovered.entries;
  for (const raft::Entry& e : entries) {
    ASSERT_EQ(e, crash_entry(e.index.value, e.term.value)) << "entry " << e.index;
  }
  for (auto it = acked.term_of.upper_bound(acked.marker); it != acked.term_of.end(); ++it) {
    const uint64_t pos = it->first - acked.marker - 1;
    ASSERT_LT(pos, entries.size()) << "acknowledged entry " << it->first << " lost";
    ASSERT_EQ(entries[pos].index.value, it->first);
    ASSERT_EQ(entries[pos].term.value, it->second) << "entry " << it->first;
  }
  ASSERT_GE(recovered.hard_state.commit.value, acked.commit);
  if (acked.marker > 0) {
    ASSERT_TRUE(recovered.snapshot);
    ASSERT_GE(recovered.snapshot->index.value, acked.marker);
  }
}

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 0) : fallback;
}

struct Stats {
  uint64_t repairs = 0;              // opens that truncated a torn tail
  uint64_t unfinished_segments = 0;  // opens that removed a .tmp segment
  uint64_t finished = 0;             // writers that ran out of work before the kill
};

// One round: fork a writer, read some of its acks, SIGKILL it, reopen and verify.
void crash_round(const std::string& dir, Acked& acked, Rng& rng, Stats& stats) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const uint64_t child_seed = rng.next();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    run_child(dir, acked, child_seed, fds[1]);
  }
  ::close(fds[1]);
  const bool alive = read_acks(fds[0], acked, rng.below(8));
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  if (alive) read_acks(fds[0], acked, 0);  // drain what was sent before the kill
  ::close(fds[0]);
  if (WIFEXITED(status)) {
    ASSERT_EQ(WEXITSTATUS(status), 0) << "writer failed";
    ++stats.finished;
  } else {
    ASSERT_EQ(WTERMSIG(status), SIGKILL) << "writer crashed by itself";
  }
  testing::LogCapture log;
  auto opened = Wal::open(dir, Index{acked.marker}, crash_options());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  verify(opened->second, acked);
  if (log.text().find("torn tail") != std::string::npos) ++stats.repairs;
  if (log.text().find("unfinished segment") != std::string::npos) ++stats.unfinished_segments;
}

TEST(WalCrash, EveryAcknowledgedEntrySurvivesSigkill) {
  const uint64_t seed = env_or("WAL_CRASH_SEED", 20240611);
  const uint64_t rounds = env_or("WAL_CRASH_ROUNDS", 500);
  SCOPED_TRACE(::testing::Message() << "WAL_CRASH_SEED=" << seed);
  std::cout << "WAL_CRASH_SEED=" << seed << " rounds=" << rounds << "\n";
  const auto started = std::chrono::steady_clock::now();
  Rng rng(seed);
  // tmpfs when there is one: SIGKILL keeps the page cache, so the disk adds nothing here
  // but fsync latency, and without it more kills land inside a write.
  testing::TempDir tmp(std::filesystem::is_directory("/dev/shm") ? "/dev/shm/" : "");
  const std::string dir = tmp.sub("wal");
  ASSERT_TRUE(Wal::create(dir, kIdentity, crash_options()).ok());
  Acked acked;
  Stats stats;
  for (uint64_t round = 0; round < rounds; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    crash_round(dir, acked, rng, stats);
    if (::testing::Test::HasFatalFailure()) return;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << rounds << " SIGKILL rounds in " << seconds << " s: " << acked.entries_total
            << " entries acknowledged (up to index " << acked.last() << "), " << stats.repairs
            << " torn tails repaired, " << stats.unfinished_segments
            << " unfinished segments removed, " << stats.finished
            << " writers finished before the kill\n";
}

}  // namespace
}  // namespace etcd::wal
