// The reboot window (docs/locksmith.md "Reboot window"): a daily ("HH:MM") or weekly
// ("<day> HH:MM") start in the host's local time zone and a length in Go duration syntax,
// as locksmith's timeutil.Periodic parses it, and the arithmetic the daemon uses to decide
// whether it may reboot now or how long to wait. Also Go's Duration/Time text formats,
// so log lines read as the reference's do.
//
// Pure except where a function takes a system_clock::time_point: those convert through
// the process's TZ (localtime_r/mktime), as Go's time.Local does. No clock is read.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "agents/locksmith/expected.h"

namespace corestack::locksmith {

using Nanoseconds = std::chrono::nanoseconds;
using TimePoint = std::chrono::system_clock::time_point;

struct Window {
  int weekday = -1;       // 0 = Sunday .. 6 = Saturday; -1 = every day
  int hour = 0;           // 0..23
  int minute = 0;         // 0..59
  Nanoseconds length{0};  // >= 0 and < period()

  bool daily() const { return weekday < 0; }
  // 24 h for a daily window, 7 days for a weekly one.
  Nanoseconds period() const;
  bool operator==(const Window&) const = default;
};

// Parses REBOOT_WINDOW_START and REBOOT_WINDOW_LENGTH. Start: "H:M" or "<day> H:M", day
// one of sun mon tue wed thu fri sat in any case, numbers as Go's Sscanf("%d:%d") reads
// them ("4:5" is 04:05; trailing text after the minute is ignored, as in Go). Errors,
// worded as the reference's: "unable to parse start: ...", "unable to parse duration:
// ...", "duration cannot be negative", "duration cannot exceed period".
Expected<Window, std::string> parse_window(std::string_view start, std::string_view length);

// Go time.ParseDuration: "1h30m", "90m", "1.5h", "500ms", "-2s", "0". Units ns, us, µs,
// μs, ms, s, m, h. Errors as Go's: `time: invalid duration "x"`, `time: missing unit in
// duration "1"`, `time: unknown unit "d" in duration "1d"`.
Expected<Nanoseconds, std::string> parse_go_duration(std::string_view text);

// Go Duration.String(): "1h30m0s", "10s", "1.5s", "500ms", "0s".
std::string format_go_duration(Nanoseconds d);

// A local wall-clock moment, broken down (as struct tm has it). Precondition: weekday
// 0..6 (0 = Sunday), hour 0..23, minute 0..59, second 0..60.
struct LocalTime {
  int weekday = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

// Zero when `now` lies inside the window that began most recently (start <= now <=
// start + length, both ends included), else how long until the next start. Days have
// exactly 24 hours here (no DST); the time_point overload below follows the zone's rules.
Nanoseconds duration_to_start(const Window& w, const LocalTime& now);

// One occurrence of the window: [begin, end], end = begin + length.
struct Period {
  TimePoint begin;
  TimePoint end;
};

// The occurrence that began most recently (begin <= now), and the first one that begins
// after now, in the local time zone (Go timeutil.Periodic Previous/Next).
Period previous_window(const Window& w, TimePoint now);
Period next_window(const Window& w, TimePoint now);
// duration_to_start(LocalTime) semantics on a real instant.
Nanoseconds duration_to_start(const Window& w, TimePoint now);

// Go Time.String() in the local zone: "2024-05-02 04:05:00 +0300 XST" (fraction of a
// second only when non-zero, trailing zeros dropped).
std::string format_go_time(TimePoint t);

}  // namespace corestack::locksmith
