#include "agents/locksmith/window.h"

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace corestack::locksmith {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr Nanoseconds kDay = hours(24);
constexpr uint64_t kMaxNs = uint64_t{1} << 63;  // Go's overflow bound in ParseDuration

std::string quote(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    size_t begin = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    if (i > begin) out.push_back(s.substr(begin, i - begin));
  }
  return out;
}

int weekday_of(std::string_view name) {
  static constexpr std::string_view kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  std::string lower;
  for (char c : name)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int i = 0; i < 7; ++i) {
    if (lower == kDays[i]) return i;
  }
  return -1;
}

// One Go Sscanf %d at `pos`: optional sign, then decimal digits.
Expected<int64_t, std::string> scan_int(std::string_view text, size_t& pos) {
  if (pos >= text.size()) return unexpected(std::string("unexpected EOF"));
  size_t begin = pos;
  if (text[pos] == '+' || text[pos] == '-') ++pos;
  size_t digits = pos;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])))
    ++pos;
  if (pos == digits) return unexpected(std::string("expected integer"));
  std::string token(text.substr(begin, pos - begin));
  errno = 0;
  long long value = std::strtoll(token.c_str(), nullptr, 10);
  if (errno == ERANGE) {
    return unexpected("strconv.ParseInt: parsing " + quote(token) + ": value out of range");
  }
  return static_cast<int64_t>(value);
}

// Go fmt.Sscanf(text, "%d:%d", &hour, &minute); text after the minute is not looked at.
Expected<Done, std::string> scan_time(std::string_view text, Window& w) {
  size_t pos = 0;
  auto hour = scan_int(text, pos);
  if (!hour) return unexpected(hour.error());
  if (pos >= text.size()) return unexpected(std::string("unexpected EOF"));
  if (text[pos++] != ':') return unexpected(std::string("input does not match format"));
  auto minute = scan_int(text, pos);
  if (!minute) return unexpected(minute.error());
  std::string bad = "invalid time of day " + quote(text) + ": ";
  if (*hour < 0 || *hour > 23) return unexpected(bad + "hour must be >= 0 and <= 23");
  if (*minute < 0 || *minute > 59) return unexpected(bad + "minute must be >= 0 and <= 59");
  w.hour = static_cast<int>(*hour);
  w.minute = static_cast<int>(*minute);
  return Done{};
}

Expected<Window, std::string> parse_start(std::string_view start) {
  Window w;
  auto f = fields(start);
  if (f.size() != 1 && f.size() != 2) return unexpected(std::string("wrong number of fields"));
  if (f.size() == 2) {
    w.weekday = weekday_of(f[0]);
    if (w.weekday < 0) return unexpected("invalid day of week " + quote(f[0]));
  }
  std::string_view time = f.back();
  if (auto r = scan_time(time, w); !r) {
    const std::string& e = r.error();
    // Range errors carry their own prefix; Sscanf errors get Go's.
    if (e.rfind("invalid time of day", 0) == 0) return unexpected(e);
    return unexpected("invalid time of day " + quote(time) + ": " + e);
  }
  return w;
}

// Go time's leadingInt: digits at the front of s; false on overflow.
bool leading_int(std::string_view& s, uint64_t& x) {
  x = 0;
  size_t i = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
    if (x > kMaxNs / 10) return false;
    x = x * 10 + static_cast<uint64_t>(s[i] - '0');
    if (x > kMaxNs) return false;
  }
  s.remove_prefix(i);
  return true;
}

// Go time's leadingFraction: digits after the '.', as x / scale; extra precision dropped.
void leading_fraction(std::string_view& s, uint64_t& x, double& scale) {
  x = 0;
  scale = 1;
  bool overflow = false;
  size_t i = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
    if (overflow) continue;
    if (x > (kMaxNs - 1) / 10) {
      overflow = true;
      continue;
    }
    uint64_t y = x * 10 + static_cast<uint64_t>(s[i] - '0');
    if (y > kMaxNs) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  s.remove_prefix(i);
}

uint64_t unit_ns(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") return 1000;  // µs (U+00B5), μs (U+03BC)
  if (u == "ms") return 1000 * 1000;
  if (u == "s") return 1000 * 1000 * 1000;
  if (u == "m") return uint64_t{60} * 1000 * 1000 * 1000;
  if (u == "h") return uint64_t{3600} * 1000 * 1000 * 1000;
  return 0;
}

// One "<number><unit>" element of a duration; adds its nanoseconds to `total`.
Expected<Done, std::string> parse_duration_element(std::string_view& s, std::string_view orig,
                                                   uint64_t& total) {
  std::string invalid = "time: invalid duration " + quote(orig);
  if (!(s[0] == '.' || std::isdigit(static_cast<unsigned char>(s[0])))) return unexpected(invalid);
  size_t before = s.size();
  uint64_t v = 0;
  if (!leading_int(s, v)) return unexpected(invalid);
  bool pre = before != s.size();
  uint64_t f = 0;
  double scale = 1;
  bool post = false;
  if (!s.empty() && s[0] == '.') {
    s.remove_prefix(1);
    size_t at = s.size();
    leading_fraction(s, f, scale);
    post = at != s.size();
  }
  if (!pre && !post) return unexpected(invalid);
  size_t i = 0;
  while (i < s.size() && s[i] != '.' && !std::isdigit(static_cast<unsigned char>(s[i])))
    ++i;
  if (i == 0) return unexpected("time: missing unit in duration " + quote(orig));
  std::string_view u = s.substr(0, i);
  s.remove_prefix(i);
  uint64_t unit = unit_ns(u);
  if (unit == 0)
    return unexpected("time: unknown unit " + quote(u) + " in duration " + quote(orig));
  if (v > kMaxNs / unit) return unexpected(invalid);
  v *= unit;
  if (f > 0) {
    v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
    if (v > kMaxNs) return unexpected(invalid);
  }
  total += v;
  if (total > kMaxNs) return unexpected(invalid);
  return Done{};
}

// Go's fmtFrac: ".5" of v / 10^prec with trailing zeros dropped; v becomes the integer part.
std::string frac_text(uint64_t& v, int prec) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    uint64_t digit = v % 10;
    print = print || digit != 0;
    if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  return print ? "." + digits : "";
}

TimePoint start_on(const std::tm& local, int day_shift, const Window& w) {
  std::tm t{};
  t.tm_year = local.tm_year;
  t.tm_mon = local.tm_mon;
  t.tm_mday = local.tm_mday + day_shift;  // mktime normalises, as Go's time.Date does
  t.tm_hour = w.hour;
  t.tm_min = w.minute;
  t.tm_isdst = -1;
  return std::chrono::system_clock::from_time_t(std::mktime(&t));
}

std::tm local_tm(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::floor<seconds>(t));  // to_time_t may round; floor first
  std::tm out{};
  localtime_r(&secs, &out);
  return out;
}

// This week's (weekly) or today's (daily) occurrence as a day offset from `local`.
int this_cycle_shift(const Window& w, const std::tm& local) {
  return w.daily() ? 0 : w.weekday - local.tm_wday;
}

}  // namespace

Nanoseconds Window::period() const {
  return daily() ? kDay : 7 * kDay;
}

Expected<Window, std::string> parse_window(std::string_view start, std::string_view length) {
  auto w = parse_start(start);
  if (!w) return unexpected("unable to parse start: " + w.error());
  auto d = parse_go_duration(length);
  if (!d) return unexpected("unable to parse duration: " + d.error());
  if (*d < Nanoseconds(0)) return unexpected(std::string("duration cannot be negative"));
  w->length = *d;
  if (w->length >= w->period()) return unexpected(std::string("duration cannot exceed period"));
  return w;
}

Expected<Nanoseconds, std::string> parse_go_duration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Nanoseconds(0);
  if (s.empty()) return unexpected("time: invalid duration " + quote(text));
  uint64_t total = 0;
  while (!s.empty()) {
    if (auto r = parse_duration_element(s, text, total); !r) return unexpected(r.error());
  }
  if (negative) return Nanoseconds(static_cast<int64_t>(0 - total));  // -2^63 fits
  if (total > kMaxNs - 1) return unexpected("time: invalid duration " + quote(text));
  return Nanoseconds(static_cast<int64_t>(total));
}

std::string format_go_duration(Nanoseconds d) {
  int64_t ns = d.count();
  bool negative = ns < 0;
  uint64_t u = negative ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  std::string out;
  if (u == 0) return "0s";
  if (u < 1000 * 1000 * 1000) {
    // Below a second: the largest unit that keeps a non-zero integer part, like 1.2ms.
    int prec = u < 1000 ? 0 : u < 1000 * 1000 ? 3 : 6;
    const char* unit = u < 1000 ? "ns" : u < 1000 * 1000 ? "\xC2\xB5s" : "ms";
    std::string frac = frac_text(u, prec);
    out = std::to_string(u) + frac + unit;
  } else {
    std::string frac = frac_text(u, 9);  // u is now whole seconds
    out = std::to_string(u % 60) + frac + "s";
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;
    }
  }
  return negative ? "-" + out : out;
}

Nanoseconds duration_to_start(const Window& w, const LocalTime& now) {
  Nanoseconds cycle = w.period();
  Nanoseconds at = hours(now.hour) + minutes(now.minute) + seconds(now.second);
  Nanoseconds start = hours(w.hour) + minutes(w.minute);
  if (!w.daily()) {
    at += now.weekday * kDay;
    start += w.weekday * kDay;
  }
  Nanoseconds since = ((at - start) % cycle + cycle) % cycle;  // since the latest start
  if (since <= w.length) return Nanoseconds(0);
  return cycle - since;
}

Period previous_window(const Window& w, TimePoint now) {
  std::tm local = local_tm(now);
  int shift = this_cycle_shift(w, local);
  TimePoint begin = start_on(local, shift, w);
  if (now < begin) begin = start_on(local, shift - (w.daily() ? 1 : 7), w);
  return Period{begin, begin + w.length};
}

Period next_window(const Window& w, TimePoint now) {
  std::tm local = local_tm(now);
  int shift = this_cycle_shift(w, local);
  TimePoint begin = start_on(local, shift, w);
  if (now >= begin) begin = start_on(local, shift + (w.daily() ? 1 : 7), w);
  return Period{begin, begin + w.length};
}

Nanoseconds duration_to_start(const Window& w, TimePoint now) {
  if (previous_window(w, now).end >= now) return Nanoseconds(0);
  return next_window(w, now).begin - now;
}

std::string format_go_time(TimePoint t) {
  std::tm local = local_tm(t);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &local);
  auto sub = std::chrono::duration_cast<Nanoseconds>(t - std::chrono::floor<seconds>(t));
  uint64_t ns = static_cast<uint64_t>(sub.count());
  std::string frac = frac_text(ns, 9);
  char zone[64];
  std::strftime(zone, sizeof zone, "%z %Z", &local);
  return std::string(date) + frac + " " + zone;
}

}  // namespace corestack::locksmith
