// fake_systemd's names and object paths, as systemd forms them: unit name validity
// (unit_name_is_valid), unit object paths (/org/freedesktop/systemd1/unit/<bus label>, the
// label escaping of bus_label_escape(), which go-systemd's PathBusEscape mirrors) and job
// paths. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace corestack::systemd::testing::fake_systemd {

inline constexpr const char* kServiceName = "org.freedesktop.systemd1";
inline constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
inline constexpr const char* kManagerInterface = "org.freedesktop.systemd1.Manager";
inline constexpr const char* kUnitInterface = "org.freedesktop.systemd1.Unit";
inline constexpr const char* kServiceInterface = "org.freedesktop.systemd1.Service";
inline constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";
inline constexpr const char* kUnitPathPrefix = "/org/freedesktop/systemd1/unit";

// systemd's bus error names (src/libsystemd/sd-bus/bus-common-errors.h).
inline constexpr const char* kNoSuchUnit = "org.freedesktop.systemd1.NoSuchUnit";
inline constexpr const char* kBadUnitSetting = "org.freedesktop.systemd1.BadUnitSetting";
inline constexpr const char* kUnitExists = "org.freedesktop.systemd1.UnitExists";
inline constexpr const char* kNoIsolation = "org.freedesktop.systemd1.NoIsolation";
inline constexpr const char* kInvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
inline constexpr const char* kUnknownMethod = "org.freedesktop.DBus.Error.UnknownMethod";
inline constexpr const char* kUnknownProperty = "org.freedesktop.DBus.Error.UnknownProperty";
inline constexpr const char* kUnknownInterface = "org.freedesktop.DBus.Error.UnknownInterface";

// "name.type" with a known type and only [A-Za-z0-9:_.\-] (plus one '@'), at most 255 bytes.
bool is_valid_unit_name(const std::string& name);

// "/org/freedesktop/systemd1/unit/hello_2eservice": every byte but [A-Za-z0-9] (and a
// leading digit) as _xx; the empty name as "_".
std::string unit_object_path(const std::string& unit_name);
// The inverse; nullopt for a path outside kUnitPathPrefix or a malformed label.
std::optional<std::string> unit_name_from_object_path(const std::string& path);

std::string job_object_path(uint32_t job_id);  // "/org/freedesktop/systemd1/job/7"

// Throws the BusError a bus handler turns into the error reply `error_name` with `text`.
[[noreturn]] void fail(const char* error_name, const std::string& text);

}  // namespace corestack::systemd::testing::fake_systemd
