// Names of the rows in mvcc_meta (one place, shared by the schema and the store).
#pragma once

#include <string_view>

namespace etcd::mvcc {

inline constexpr std::string_view kSchemaVersionName = "schema_version";
inline constexpr std::string_view kCurrentRevisionName = "current_revision";
inline constexpr std::string_view kCompactRevisionName = "compact_revision";

}  // namespace etcd::mvcc
