#include "agents/systemd/bus_error.h"

#include <cerrno>
#include <cstring>
#include <utility>

namespace corestack::systemd {

BusError::BusError(const std::string& message, std::string error_name, int errno_value)
    : std::runtime_error(message), name(std::move(error_name)), errno_value(errno_value) {}

void throw_errno(std::string_view context, int negative_errno) {
  const int e = negative_errno < 0 ? -negative_errno : negative_errno;
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_error_set_errno(&error, e);
  std::string name = error.name != nullptr ? error.name : "System.Error";
  sd_bus_error_free(&error);
  throw BusError(std::string(context) + ": " + std::strerror(e), std::move(name), e);
}

void throw_error(std::string_view context, const sd_bus_error& error, int negative_errno) {
  if (!sd_bus_error_is_set(&error)) throw_errno(context, negative_errno);
  const int mapped = sd_bus_error_get_errno(&error);
  const std::string text = error.message != nullptr ? error.message : error.name;
  throw BusError(std::string(context) + ": " + text, error.name, mapped > 0 ? mapped : EIO);
}

}  // namespace corestack::systemd
