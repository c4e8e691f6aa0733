// BusError: the one exception the sd-bus wrappers (message.h, bus.h) throw. Every sd-bus
// failure becomes a BusError carrying the D-Bus error name (a reply's name, or the name
// sd-bus maps a local errno to, e.g. System.Error.ECONNRESET) and the errno, with a message
// naming what was called and where. The agents catch it at their loop boundary.
#pragma once

#include <systemd/sd-bus.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace corestack::systemd {

struct BusError : std::runtime_error {
  BusError(const std::string& message, std::string error_name, int errno_value);

  std::string name;     // e.g. org.freedesktop.DBus.Error.ServiceUnknown
  int errno_value = 0;  // positive errno: the local failure, or sd-bus' mapping of `name`
};

// Throws BusError "<context>: <strerror>" named as sd-bus names `negative_errno`.
[[noreturn]] void throw_errno(std::string_view context, int negative_errno);

// Throws BusError "<context>: <error.message>" named `error.name`; `negative_errno` is what
// the sd-bus call returned (used when `error` is unset).
[[noreturn]] void throw_error(std::string_view context, const sd_bus_error& error,
                              int negative_errno);

}  // namespace corestack::systemd
