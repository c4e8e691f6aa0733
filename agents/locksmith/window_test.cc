#include "agents/locksmith/window.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <optional>

namespace corestack::locksmith {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr Nanoseconds kDay = hours(24);
constexpr Nanoseconds kWeek = 7 * kDay;

Window window(const char* start, const char* length) {
  auto w = parse_window(start, length);
  EXPECT_TRUE(w) << start << " / " << length << ": " << (w ? "" : w.error());
  return w ? *w : Window{};
}

enum Day { sun, mon, tue, wed, thu, fri, sat };

Nanoseconds to_start(const Window& w, int day, int h, int m, int s = 0) {
  return duration_to_start(w, LocalTime{day, h, m, s});
}

TEST(Window, ParsesDailyAndWeeklyStarts) {
  EXPECT_EQ(window("04:00", "1h"), (Window{-1, 4, 0, hours(1)}));
  EXPECT_EQ(window("4:5", "90m"), (Window{-1, 4, 5, minutes(90)}));
  EXPECT_EQ(window("Thu 23:00", "1h30m"), (Window{thu, 23, 0, minutes(90)}));
  EXPECT_EQ(window("  sAt   0:59  ", "0"), (Window{sat, 0, 59, Nanoseconds(0)}));
  EXPECT_EQ(window("SUN 23:59pm", "45s"), (Window{sun, 23, 59, seconds(45)}));  // Go's Sscanf
  EXPECT_EQ(window("+1:-0", "500ms"), (Window{-1, 1, 0, milliseconds(500)}));
  EXPECT_EQ(window("Sat 1:00", "167h59m").length, hours(167) + minutes(59));
  EXPECT_EQ(window("1:00", "23h59m59s").length, kDay - seconds(1));
}

TEST(Window, RejectsInvalidStartsAndLengths) {
  struct Case {
    const char* start;
    const char* length;
    const char* error;
  };
  for (const Case& c : {
           Case{"", "1h", "unable to parse start: wrong number of fields"},
           Case{"mon tue 4:00", "1h", "unable to parse start: wrong number of fields"},
           Case{"sunday 4:00", "1h", "unable to parse start: invalid day of week \"sunday\""},
           Case{"4", "1h", "unable to parse start: invalid time of day \"4\": unexpected EOF"},
           Case{"4:", "1h", "unable to parse start: invalid time of day \"4:\": unexpected EOF"},
           Case{"a:5", "1h",
                "unable to parse start: invalid time of day \"a:5\": expected integer"},
           Case{"4-5", "1h",
                "unable to parse start: invalid time of day \"4-5\": input does not match format"},
           Case{
               "24:00", "1h",
               "unable to parse start: invalid time of day \"24:00\": hour must be >= 0 and <= 23"},
           Case{
               "-1:00", "1h",
               "unable to parse start: invalid time of day \"-1:00\": hour must be >= 0 and <= 23"},
           Case{"fri 4:60", "1h",
                "unable to parse start: invalid time of day \"4:60\": minute must be >= 0 and <= "
                "59"},
           Case{"4:00", "", "unable to parse duration: time: invalid duration \"\""},
           Case{"4:00", "1", "unable to parse duration: time: missing unit in duration \"1\""},
           Case{"4:00", "1d",
                "unable to parse duration: time: unknown unit \"d\" in duration \"1d\""},
           Case{"4:00", "-1h", "duration cannot be negative"},
           Case{"4:00", "24h", "duration cannot exceed period"},
           Case{"mon 4:00", "168h", "duration cannot exceed period"},
       }) {
    auto w = parse_window(c.start, c.length);
    ASSERT_FALSE(w) << c.start << " / " << c.length;
    EXPECT_EQ(w.error(), c.error);
  }
}

TEST(Window, ParsesGoDurations) {
  struct Case {
    const char* text;
    Nanoseconds value;
  };
  for (const Case& c : {
           Case{"0", Nanoseconds(0)},
           Case{"-0", Nanoseconds(0)},
           Case{"1h30m", minutes(90)},
           Case{"90m", minutes(90)},
           Case{"1.5h", minutes(90)},
           Case{"45s", seconds(45)},
           Case{"500ms", milliseconds(500)},
           Case{".5s", milliseconds(500)},
           Case{"1.s", seconds(1)},
           Case{"+2m", minutes(2)},
           Case{"-1.5s", milliseconds(-1500)},
           Case{"1h1m1s1ms1us1ns", hours(1) + minutes(1) + seconds(1) + Nanoseconds(1001001)},
           Case{"3\xC2\xB5s", Nanoseconds(3000)},
           Case{"3\xCE\xBCs", Nanoseconds(3000)},
           Case{"9223372036854775807ns", Nanoseconds(INT64_MAX)},
           Case{"-9223372036854775808ns", Nanoseconds(INT64_MIN)},
       }) {
    auto d = parse_go_duration(c.text);
    ASSERT_TRUE(d) << c.text << ": " << d.error();
    EXPECT_EQ(*d, c.value) << c.text;
  }
  for (const char* bad : {"", "-", "+", ".", "h", "1.5", "1h 30m", "abc", "1e3s",
                          "9223372036854775808ns", "2562048h"}) {
    auto d = parse_go_duration(bad);
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error().rfind("time: ", 0), 0u) << d.error();
  }
  EXPECT_EQ(parse_go_duration("1h 30m").error(),
            "time: unknown unit \"h \" in duration \"1h 30m\"");
  EXPECT_EQ(parse_go_duration("abc").error(), "time: invalid duration \"abc\"");
}

TEST(Window, FormatsGoDurations) {
  EXPECT_EQ(format_go_duration(Nanoseconds(0)), "0s");
  EXPECT_EQ(format_go_duration(Nanoseconds(1)), "1ns");
  EXPECT_EQ(format_go_duration(Nanoseconds(1500)), "1.5\xC2\xB5s");
  EXPECT_EQ(format_go_duration(Nanoseconds(1500000)), "1.5ms");
  EXPECT_EQ(format_go_duration(milliseconds(500)), "500ms");
  EXPECT_EQ(format_go_duration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(format_go_duration(seconds(10)), "10s");
  EXPECT_EQ(format_go_duration(minutes(5)), "5m0s");
  EXPECT_EQ(format_go_duration(minutes(90)), "1h30m0s");
  EXPECT_EQ(format_go_duration(hours(26) + Nanoseconds(1)), "26h0m0.000000001s");
  EXPECT_EQ(format_go_duration(seconds(-2)), "-2s");
  EXPECT_EQ(format_go_duration(Nanoseconds(INT64_MIN)), "-2562047h47m16.854775808s");
}

TEST(Window, DailyInsideAndOutside) {
  Window w = window("04:00", "1h");
  EXPECT_EQ(to_start(w, mon, 3, 59), minutes(1));
  EXPECT_EQ(to_start(w, mon, 4, 0), Nanoseconds(0));  // exactly at start
  EXPECT_EQ(to_start(w, mon, 4, 30), Nanoseconds(0));
  EXPECT_EQ(to_start(w, mon, 5, 0), Nanoseconds(0));             // exactly at end: still inside
  EXPECT_EQ(to_start(w, mon, 5, 0, 1), hours(23) - seconds(1));  // just after the end
  EXPECT_EQ(to_start(w, sat, 0, 0), hours(4));
}

TEST(Window, DailyWrapsPastMidnight) {
  Window w = window("23:30", "1h");
  EXPECT_EQ(to_start(w, tue, 0, 15), Nanoseconds(0));
  EXPECT_EQ(to_start(w, tue, 0, 30), Nanoseconds(0));
  EXPECT_EQ(to_start(w, tue, 0, 31), hours(22) + minutes(59));
}

TEST(Window, WeeklyWrapsIntoNextDayAndWeek) {
  Window w = window("Sat 23:00", "2h");
  EXPECT_EQ(to_start(w, sat, 22, 0), hours(1));
  EXPECT_EQ(to_start(w, sat, 23, 0), Nanoseconds(0));
  EXPECT_EQ(to_start(w, sun, 0, 30), Nanoseconds(0));  // day and week wrap
  EXPECT_EQ(to_start(w, sun, 1, 0), Nanoseconds(0));
  EXPECT_EQ(to_start(w, sun, 1, 0, 1), kWeek - hours(2) - seconds(1));
  EXPECT_EQ(to_start(w, fri, 23, 0), kDay);

  Window sunday = window("sun 1:00", "30m");
  EXPECT_EQ(to_start(sunday, sat, 23, 0), hours(2));  // next week's start
  EXPECT_EQ(to_start(sunday, sun, 0, 59), minutes(1));
  EXPECT_EQ(to_start(sunday, mon, 0, 0), kWeek - hours(23));

  Window thursday = window("Thu 23:00", "1h30m");
  EXPECT_EQ(to_start(thursday, fri, 0, 30), Nanoseconds(0));
  EXPECT_EQ(to_start(thursday, fri, 0, 31), kWeek - minutes(91));
}

TEST(Window, ZeroLengthIsOnlyTheStartInstant) {
  Window w = window("12:00", "0");
  EXPECT_EQ(to_start(w, wed, 12, 0), Nanoseconds(0));
  EXPECT_EQ(to_start(w, wed, 12, 0, 1), kDay - seconds(1));
  EXPECT_EQ(to_start(w, wed, 11, 59, 59), seconds(1));
}

// Runs with a fixed TZ and restores the previous one; the zones are DST-free.
class WindowInZone : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* tz = std::getenv("TZ")) saved_ = tz;
  }
  void TearDown() override {
    if (saved_) {
      setenv("TZ", saved_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  static void use_zone(const char* tz) {
    setenv("TZ", tz, 1);
    tzset();
  }
  std::optional<std::string> saved_;
};

// 2024-05-02 00:00:00 UTC, a Thursday.
const TimePoint kThursdayUtc = std::chrono::system_clock::from_time_t(1714608000);

TEST_F(WindowInZone, UtcPeriodsAndDurations) {
  use_zone("UTC");
  Window w = window("Thu 23:00", "1h30m");
  TimePoint now = kThursdayUtc + hours(22);
  EXPECT_EQ(duration_to_start(w, now), hours(1));
  Period next = next_window(w, now);
  EXPECT_EQ(next.begin, kThursdayUtc + hours(23));
  EXPECT_EQ(next.end, kThursdayUtc + hours(24) + minutes(30));
  EXPECT_EQ(format_go_time(next.begin), "2024-05-02 23:00:00 +0000 UTC");
  EXPECT_EQ(format_go_time(next.end), "2024-05-03 00:30:00 +0000 UTC");
  EXPECT_EQ(previous_window(w, now).begin, kThursdayUtc + hours(23) - kWeek);
  EXPECT_EQ(duration_to_start(w, next.begin), Nanoseconds(0));
  EXPECT_EQ(duration_to_start(w, next.end), Nanoseconds(0));
  EXPECT_EQ(duration_to_start(w, next.end + Nanoseconds(1)), kWeek - minutes(90) - Nanoseconds(1));
  EXPECT_EQ(next_window(w, next.begin).begin, next.begin + kWeek);  // "after now", strictly
  EXPECT_EQ(format_go_time(kThursdayUtc + milliseconds(1500)), "2024-05-02 00:00:01.5 +0000 UTC");
}

TEST_F(WindowInZone, FixedOffsetZoneUsesLocalTime) {
  use_zone("XST-3");  // UTC+3, no DST
  Window w = window("Thu 23:00", "1h30m");
  TimePoint now = kThursdayUtc + hours(19);  // Thu 22:00 local
  EXPECT_EQ(duration_to_start(w, now), hours(1));
  Period next = next_window(w, now);
  EXPECT_EQ(next.begin, kThursdayUtc + hours(20));
  EXPECT_EQ(format_go_time(next.begin), "2024-05-02 23:00:00 +0300 XST");
  EXPECT_EQ(duration_to_start(w, kThursdayUtc + hours(21) + minutes(30)), Nanoseconds(0));

  Window daily = window("02:00", "1h");  // 23:00 UTC the day before
  EXPECT_EQ(next_window(daily, kThursdayUtc).begin, kThursdayUtc + hours(23));
  EXPECT_EQ(duration_to_start(daily, kThursdayUtc - minutes(30)), Nanoseconds(0));
}

TEST_F(WindowInZone, InstantAndBrokenDownTimeAgree) {
  for (const char* zone : {"UTC", "XST-3", "YST+9:30"}) {
    use_zone(zone);
    for (Window w : {window("Sat 23:00", "2h"), window("04:05", "0"), window("mon 0:00", "1h")}) {
      for (int step = 0; step < 7 * 24 * 4; ++step) {
        TimePoint now = kThursdayUtc + minutes(15 * step) + seconds(step % 3);
        std::time_t t = std::chrono::system_clock::to_time_t(now);
        std::tm local{};
        localtime_r(&t, &local);
        LocalTime broken{local.tm_wday, local.tm_hour, local.tm_min, local.tm_sec};
        ASSERT_EQ(duration_to_start(w, now), duration_to_start(w, broken))
            << zone << " step " << step;
      }
    }
  }
}

}  // namespace
}  // namespace corestack::locksmith
