// Store statistics for /v2/stats/store (etcd store/stats.go): success and failure counts
// per operation, expired keys, and the live watcher gauge. Counted by the Store as it
// applies and reads; persisted in the meta table with every committed batch.
//
// Plain data; any thread may copy it. kStatsFields lists the counters in etcd's JSON
// field order, for persistence and rendering alike.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace etcd::store {

struct Stats {
  uint64_t gets_success = 0;
  uint64_t gets_fail = 0;
  uint64_t sets_success = 0;
  uint64_t sets_fail = 0;
  uint64_t delete_success = 0;
  uint64_t delete_fail = 0;
  uint64_t update_success = 0;
  uint64_t update_fail = 0;
  uint64_t create_success = 0;
  uint64_t create_fail = 0;
  uint64_t compare_and_swap_success = 0;
  uint64_t compare_and_swap_fail = 0;
  uint64_t compare_and_delete_success = 0;
  uint64_t compare_and_delete_fail = 0;
  uint64_t expire_count = 0;
  // Live watchers at the time of the copy (not persisted).
  uint64_t watchers = 0;

  bool operator==(const Stats&) const = default;
};

struct StatsField {
  std::string_view json_name;
  uint64_t Stats::*member;
};

// Every counter, in the order etcd renders them; `watchers` last.
inline constexpr std::array<StatsField, 16> kStatsFields{{
    {"getsSuccess", &Stats::gets_success},
    {"getsFail", &Stats::gets_fail},
    {"setsSuccess", &Stats::sets_success},
    {"setsFail", &Stats::sets_fail},
    {"deleteSuccess", &Stats::delete_success},
    {"deleteFail", &Stats::delete_fail},
    {"updateSuccess", &Stats::update_success},
    {"updateFail", &Stats::update_fail},
    {"createSuccess", &Stats::create_success},
    {"createFail", &Stats::create_fail},
    {"compareAndSwapSuccess", &Stats::compare_and_swap_success},
    {"compareAndSwapFail", &Stats::compare_and_swap_fail},
    {"compareAndDeleteSuccess", &Stats::compare_and_delete_success},
    {"compareAndDeleteFail", &Stats::compare_and_delete_fail},
    {"expireCount", &Stats::expire_count},
    {"watchers", &Stats::watchers},
}};

}  // namespace etcd::store
