// Model-based randomized test: seeded random puts, deletes, txns (nested, with compares,
// duplicate keys, bad revisions), compactions, historical ranges and event reads, applied
// to KvStore and to the reference model (model.h) and compared after every step, in
// batches of SQLite transactions some of which roll back (the model rolls back with them).
//
// Replay: MVCC_MODEL_SEED=<seed> runs that seed only; MVCC_MODEL_SEEDS and
// MVCC_MODEL_STEPS scale the run. A failure prints its seed and step.
#include <cstdio>
#include <cstdlib>

#include "etcd/common/random.h"
#include "etcd/mvcc/describe.h"
#include "etcd/mvcc/model.h"
#include "etcd/mvcc/mvcc_test_util.h"

namespace etcd::mvcc::testing {
namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  std::string key() {
    static const char* const kKeys[] = {"a", "b", "c", "d", "e", "ab", "b\xff", "\xff"};
    if (rng_.chance(1, 200)) return "";  // refused: key is not provided
    if (rng_.chance(1, 30)) return std::string("c\0", 2);
    return kKeys[rng_.below(std::size(kKeys))];
  }
  std::string range_end(const std::string& key) {
    switch (rng_.below(10)) {
      case 0:
        return std::string(1, '\0');
      case 1:
        return prefix_range_end(key);
      case 2:
      case 3:
      case 4:
        return this->key();
      default:
        return "";
    }
  }
  std::string value() {
    static const char* const kValues[] = {"", "x", "y", "zz", "x0"};
    return kValues[rng_.below(std::size(kValues))];
  }
  int64_t revision(const Model& m) {
    if (rng_.chance(1, 2)) return 0;
    return m.compacted - 1 +
           static_cast<int64_t>(rng_.below(static_cast<uint64_t>(m.current - m.compacted + 3)));
  }

  RangeRequest range(const Model& m) {
    RangeRequest r;
    r.key = key();
    r.range_end = range_end(r.key);
    r.revision = revision(m);
    r.limit = rng_.chance(1, 3) ? static_cast<int64_t>(rng_.below(4)) : 0;
    r.sort_order = static_cast<SortOrder>(rng_.below(3));
    r.sort_target = static_cast<SortTarget>(rng_.below(5));
    r.keys_only = rng_.chance(1, 5);
    r.count_only = rng_.chance(1, 8);
    if (rng_.chance(1, 5)) r.min_mod_revision = revision(m);
    if (rng_.chance(1, 5)) r.max_mod_revision = revision(m);
    if (rng_.chance(1, 5)) r.min_create_revision = revision(m);
    if (rng_.chance(1, 5)) r.max_create_revision = revision(m);
    return r;
  }
  PutRequest put() {
    PutRequest r{key(), value(), rng_.chance(1, 3) ? static_cast<int64_t>(rng_.below(3)) : 0,
                 rng_.chance(1, 2)};
    r.ignore_value = rng_.chance(1, 8);
    r.ignore_lease = rng_.chance(1, 8);
    if (r.ignore_value && !rng_.chance(1, 4)) r.value.clear();
    if (r.ignore_lease && !rng_.chance(1, 4)) r.lease = 0;
    return r;
  }
  DeleteRangeRequest del() {
    DeleteRangeRequest r{key(), "", rng_.chance(1, 2)};
    r.range_end = range_end(r.key);
    return r;
  }
  Compare compare(const Model& m) {
    Compare c;
    c.target = static_cast<CompareTarget>(rng_.below(5));
    c.result = static_cast<CompareResult>(rng_.below(4));
    c.key = key();
    if (rng_.chance(1, 4)) c.range_end = range_end(c.key);
    c.number = static_cast<int64_t>(rng_.below(static_cast<uint64_t>(m.current + 2)));
    if (c.target == CompareTarget::kVersion || c.target == CompareTarget::kLease) c.number %= 3;
    c.value = value();
    return c;
  }
  TxnRequest txn(const Model& m, int depth = 0) {
    TxnRequest t;
    for (uint64_t i = rng_.below(3); i > 0; --i)
      t.compare.push_back(compare(m));
    for (auto* ops : {&t.success, &t.failure}) {
      for (uint64_t i = rng_.below(4); i > 0; --i)
        ops->push_back(op(m, depth));
    }
    return t;
  }
  RequestOp op(const Model& m, int depth) {
    switch (rng_.below(depth < 2 ? 8 : 7)) {
      case 0:
      case 1:
        return range(m);
      case 2:
      case 3:
      case 4:
        return put();
      case 5:
      case 6:
        return del();
      default:
        return op_txn(txn(m, depth + 1));
    }
  }

  Rng& rng() { return rng_; }

 private:
  Rng rng_;
};

class MvccModel : public MvccTest {
 protected:
  // One random request against both; true when they agree.
  void step(Generator& gen) {
    std::vector<Event> store_events;
    std::vector<Event> model_events;
    std::string got;
    std::string want;
    switch (gen.rng().below(10)) {
      case 0:
      case 1:
      case 2: {
        PutRequest r = gen.put();
        got = describe(kv_->put(r, &store_events));
        want = describe(model_.put(r, &model_events));
        break;
      }
      case 3: {
        DeleteRangeRequest r = gen.del();
        got = describe(kv_->delete_range(r, &store_events));
        want = describe(model_.del(r, &model_events));
        break;
      }
      case 4:
      case 5: {
        TxnRequest r = gen.txn(model_);
        got = describe(kv_->txn(r, &store_events));
        want = describe(model_.txn(r, &model_events));
        break;
      }
      case 6: {
        const int64_t span = model_.current - model_.compacted + 2;
        const int64_t rev = model_.compacted - 1 +
                            static_cast<int64_t>(gen.rng().below(static_cast<uint64_t>(span)));
        got = describe(kv_->compact(CompactionRequest{rev, false}));
        want = describe(model_.compact(rev));
        break;
      }
      case 7:
      case 8: {
        RangeRequest r = gen.range(model_);
        got = describe(kv_->range(r));
        want = describe(model_.range(r));
        break;
      }
      default: {
        const int64_t first = model_.compacted - 1 +
                              static_cast<int64_t>(gen.rng().below(
                                  static_cast<uint64_t>(model_.current - model_.compacted + 3)));
        const int64_t last =
            gen.rng().chance(1, 2) ? 0 : first + static_cast<int64_t>(gen.rng().below(4));
        const size_t limit = gen.rng().below(4);
        const bool prev = gen.rng().chance(1, 2);
        got = describe(kv_->events(first, last, limit, prev));
        want = describe(model_.events(first, last, limit, prev));
      }
    }
    ASSERT_EQ(got, want);
    ASSERT_EQ(describe(store_events), describe(model_events));
    ++(got.starts_with("error") ? errors_ : successes_);
    events_ += store_events.size();
  }

  void compare_state(bool with_history) {
    ASSERT_EQ(kv_->current_revision(), model_.current);
    ASSERT_EQ(kv_->compact_revision(), model_.compacted);
    RangeRequest all{std::string(1, '\0'), std::string(1, '\0')};
    ASSERT_EQ(describe(kv_->range(all)), describe(model_.range(all)));
    if (with_history) {
      ASSERT_EQ(describe(kv_->events(model_.compacted, 0, 0, true)),
                describe(model_.events(model_.compacted, 0, 0, true)));
    }
  }

  // Runs `steps` requests in batches of 1-4 per SQLite transaction; one batch in ten is
  // rolled back, and the model with it.
  void run(uint64_t seed, uint64_t steps) {
    Generator gen(seed);
    for (uint64_t done = 0; done < steps;) {
      const bool rollback = gen.rng().chance(1, 10);
      const Model saved = model_;
      db_->exec("BEGIN");
      for (uint64_t n = 1 + gen.rng().below(4); n > 0 && done < steps; --n, ++done) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(done));
        step(gen);
        if (HasFatalFailure()) return db_->exec("ROLLBACK");
      }
      db_->exec(rollback ? "ROLLBACK" : "COMMIT");
      if (rollback) model_ = saved;
      SCOPED_TRACE("seed " + std::to_string(seed) + " after step " + std::to_string(done));
      compare_state(done % 16 == 0 || done == steps);
      if (HasFatalFailure()) return;
    }
  }

  Model model_;
  uint64_t successes_ = 0;
  uint64_t errors_ = 0;
  uint64_t events_ = 0;
};

TEST_F(MvccModel, RandomHistoriesMatchTheReferenceModel) {
  const uint64_t steps = env_or("MVCC_MODEL_STEPS", 500);
  if (const char* only = std::getenv("MVCC_MODEL_SEED")) {
    run(std::strtoull(only, nullptr, 10), steps);
    return;
  }
  // A fifth under the sanitizers (clang -O0 + ASan + coverage: ~10x slower than -O2).
#ifdef CORESTACK_SANITIZED
  const uint64_t seeds = env_or("MVCC_MODEL_SEEDS", 60);
#else
  const uint64_t seeds = env_or("MVCC_MODEL_SEEDS", 300);
#endif
  for (uint64_t seed = 1; seed <= seeds && !HasFatalFailure(); ++seed) {
    open(":memory:");
    model_ = Model{};
    run(seed, steps);
  }
  if (HasFailure()) return;
  std::printf("model test: %llu seeds x %llu steps: %llu answered, %llu refused, %llu events\n",
              static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(steps),
              static_cast<unsigned long long>(successes_), static_cast<unsigned long long>(errors_),
              static_cast<unsigned long long>(events_));
}

}  // namespace
}  // namespace etcd::mvcc::testing
