#include "cloud-config/schema.h"

#include <array>

namespace corestack::cloudinit {
namespace {

using K = Kind;

constexpr std::string_view kUnitCommand =
    "^(start|stop|restart|reload|try-restart|reload-or-restart|reload-or-try-restart)$";
constexpr std::string_view kEncoding =
    "^(base64|b64|gz|gzip|gz\\+base64|gzip\\+base64|gz\\+b64|gzip\\+b64)$";
// An optional three-letter day (any case), then H:MM (reference §2.5).
constexpr std::string_view kWindowStart =
    "^(([Ss][Uu][Nn]|[Mm][Oo][Nn]|[Tt][Uu][Ee]|[Ww][Ee][Dd]|[Tt][Hh][Uu]|[Ff][Rr][Ii]|"
    "[Ss][Aa][Tt]) )?0*([0-9]|1[0-9]|2[0-3]):0*([0-9]|[1-5][0-9])$";
// Go's duration shape. The reference's `([0-9]*(\.[0-9]*)?[a-z]+)+` is ambiguous (units
// without a number), which Go's linear-time regexp tolerates but a backtracking one does not;
// each unit needs a number here, as time.ParseDuration wants anyway.
constexpr std::string_view kDuration = "^[-+]?(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)[a-z]+)+$";

const std::array kEtcd2 = {
    Field{"advertise_client_urls", K::String, "ETCD_ADVERTISE_CLIENT_URLS", {}, {}, nullptr, true},
    Field{"ca_file",
          K::String,
          "ETCD_CA_FILE",
          {},
          "ca_file obsoleted by trusted_ca_file and client_cert_auth"},
    Field{"cert_file", K::String, "ETCD_CERT_FILE"},
    Field{"client_cert_auth", K::Bool, "ETCD_CLIENT_CERT_AUTH"},
    Field{"cors", K::String, "ETCD_CORS"},
    Field{"data_dir", K::String, "ETCD_DATA_DIR"},
    Field{"debug", K::Bool, "ETCD_DEBUG"},
    Field{"discovery", K::String, "ETCD_DISCOVERY", {}, {}, nullptr, true},
    Field{"discovery_fallback", K::String, "ETCD_DISCOVERY_FALLBACK", "^(exit|proxy)$"},
    Field{"discovery_srv", K::String, "ETCD_DISCOVERY_SRV"},
    Field{"discovery_proxy", K::String, "ETCD_DISCOVERY_PROXY", {}, {}, nullptr, true},
    Field{"election_timeout", K::Int, "ETCD_ELECTION_TIMEOUT"},
    Field{"enable_pprof", K::Bool, "ETCD_ENABLE_PPROF"},
    Field{"force_new_cluster", K::Bool, "ETCD_FORCE_NEW_CLUSTER"},
    Field{"heartbeat_interval", K::Int, "ETCD_HEARTBEAT_INTERVAL"},
    Field{"initial_advertise_peer_urls",
          K::String,
          "ETCD_INITIAL_ADVERTISE_PEER_URLS",
          {},
          {},
          nullptr,
          true},
    Field{"initial_cluster", K::String, "ETCD_INITIAL_CLUSTER"},
    Field{"initial_cluster_state", K::String, "ETCD_INITIAL_CLUSTER_STATE", "^(new|existing)$"},
    Field{"initial_cluster_token", K::String, "ETCD_INITIAL_CLUSTER_TOKEN"},
    Field{"key_file", K::String, "ETCD_KEY_FILE"},
    Field{"listen_client_urls", K::String, "ETCD_LISTEN_CLIENT_URLS", {}, {}, nullptr, true},
    Field{"listen_peer_urls", K::String, "ETCD_LISTEN_PEER_URLS", {}, {}, nullptr, true},
    Field{"log_package_levels", K::String, "ETCD_LOG_PACKAGE_LEVELS"},
    Field{"max_snapshots", K::Int, "ETCD_MAX_SNAPSHOTS"},
    Field{"max_wals", K::Int, "ETCD_MAX_WALS"},
    Field{"name", K::String, "ETCD_NAME"},
    Field{"peer_ca_file",
          K::String,
          "ETCD_PEER_CA_FILE",
          {},
          "peer_ca_file obsoleted peer_trusted_ca_file and peer_client_cert_auth"},
    Field{"peer_cert_file", K::String, "ETCD_PEER_CERT_FILE"},
    Field{"peer_key_file", K::String, "ETCD_PEER_KEY_FILE"},
    Field{"peer_client_cert_auth", K::Bool, "ETCD_PEER_CLIENT_CERT_AUTH"},
    Field{"peer_trusted_ca_file", K::String, "ETCD_PEER_TRUSTED_CA_FILE"},
    Field{"proxy", K::String, "ETCD_PROXY", "^(on|off|readonly)$"},
    Field{"proxy_dial_timeout", K::Int, "ETCD_PROXY_DIAL_TIMEOUT"},
    Field{"proxy_failure_wait", K::Int, "ETCD_PROXY_FAILURE_WAIT"},
    Field{"proxy_read_timeout", K::Int, "ETCD_PROXY_READ_TIMEOUT"},
    Field{"proxy_refresh_interval", K::Int, "ETCD_PROXY_REFRESH_INTERVAL"},
    Field{"proxy_write_timeout", K::Int, "ETCD_PROXY_WRITE_TIMEOUT"},
    Field{"snapshot_count", K::Int, "ETCD_SNAPSHOT_COUNT"},
    Field{"strict_reconfig_check", K::Bool, "ETCD_STRICT_RECONFIG_CHECK"},
    Field{"trusted_ca_file", K::String, "ETCD_TRUSTED_CA_FILE"},
    Field{"wal_dir", K::String, "ETCD_WAL_DIR"},
};

const std::array kEtcd = {
    Field{"addr", K::String, "ETCD_ADDR"},
    Field{"bind_addr", K::String, "ETCD_BIND_ADDR"},
    Field{"ca_file", K::String, "ETCD_CA_FILE"},
    Field{"cert_file", K::String, "ETCD_CERT_FILE"},
    Field{"cluster_active_size", K::Int, "ETCD_CLUSTER_ACTIVE_SIZE"},
    Field{"cluster_remove_delay", K::Float, "ETCD_CLUSTER_REMOVE_DELAY"},
    Field{"cluster_sync_interval", K::Float, "ETCD_CLUSTER_SYNC_INTERVAL"},
    Field{"cors", K::String, "ETCD_CORS"},
    Field{"data_dir", K::String, "ETCD_DATA_DIR"},
    Field{"discovery", K::String, "ETCD_DISCOVERY"},
    Field{"graphite_host", K::String, "ETCD_GRAPHITE_HOST"},
    Field{"http_read_timeout", K::Float, "ETCD_HTTP_READ_TIMEOUT"},
    Field{"http_write_timeout", K::Float, "ETCD_HTTP_WRITE_TIMEOUT"},
    Field{"key_file", K::String, "ETCD_KEY_FILE"},
    Field{"max_result_buffer", K::Int, "ETCD_MAX_RESULT_BUFFER"},
    Field{"max_retry_attempts", K::Int, "ETCD_MAX_RETRY_ATTEMPTS"},
    Field{"name", K::String, "ETCD_NAME"},
    Field{"peer_addr", K::String, "ETCD_PEER_ADDR"},
    Field{"peer_bind_addr", K::String, "ETCD_PEER_BIND_ADDR"},
    Field{"peer_ca_file", K::String, "ETCD_PEER_CA_FILE"},
    Field{"peer_cert_file", K::String, "ETCD_PEER_CERT_FILE"},
    Field{"peer_election_timeout", K::Int, "ETCD_PEER_ELECTION_TIMEOUT"},
    Field{"peer_heartbeat_interval", K::Int, "ETCD_PEER_HEARTBEAT_INTERVAL"},
    Field{"peer_key_file", K::String, "ETCD_PEER_KEY_FILE"},
    Field{"peers", K::String, "ETCD_PEERS"},
    Field{"peers_file", K::String, "ETCD_PEERS_FILE"},
    Field{"retry_interval", K::Float, "ETCD_RETRY_INTERVAL"},
    Field{"snapshot", K::Bool, "ETCD_SNAPSHOT"},
    Field{"snapshot_count", K::Int, "ETCD_SNAPSHOTCOUNT"},
    Field{"verbose", K::Bool, "ETCD_VERBOSE"},
    Field{"very_verbose", K::Bool, "ETCD_VERY_VERBOSE"},
};

const std::array kFleet = {
    Field{"agent_ttl", K::String, "FLEET_AGENT_TTL"},
    Field{"authorized_keys_file", K::String, "FLEET_AUTHORIZED_KEYS_FILE"},
    Field{"disable_engine", K::Bool, "FLEET_DISABLE_ENGINE"},
    Field{"engine_reconcile_interval", K::Float, "FLEET_ENGINE_RECONCILE_INTERVAL"},
    Field{"etcd_cafile", K::String, "FLEET_ETCD_CAFILE"},
    Field{"etcd_certfile", K::String, "FLEET_ETCD_CERTFILE"},
    Field{"etcd_keyfile", K::String, "FLEET_ETCD_KEYFILE"},
    Field{"etcd_key_prefix", K::String, "FLEET_ETCD_KEY_PREFIX"},
    Field{"etcd_request_timeout", K::Float, "FLEET_ETCD_REQUEST_TIMEOUT"},
    Field{"etcd_servers", K::String, "FLEET_ETCD_SERVERS", {}, {}, nullptr, true},
    Field{"etcd_username", K::String, "FLEET_ETCD_USERNAME"},
    Field{"etcd_password", K::String, "FLEET_ETCD_PASSWORD"},
    Field{"metadata", K::String, "FLEET_METADATA"},
    Field{"public_ip", K::String, "FLEET_PUBLIC_IP"},
    Field{"token_limit", K::Int, "FLEET_TOKEN_LIMIT"},
    Field{"verbosity", K::Int, "FLEET_VERBOSITY"},
    Field{"verify_units", K::Bool, "FLEET_VERIFY_UNITS"},
};

const std::array kFlannel = {
    Field{"etcd_endpoints", K::String, "FLANNELD_ETCD_ENDPOINTS", {}, {}, nullptr, true},
    Field{"etcd_cafile", K::String, "FLANNELD_ETCD_CAFILE"},
    Field{"etcd_certfile", K::String, "FLANNELD_ETCD_CERTFILE"},
    Field{"etcd_keyfile", K::String, "FLANNELD_ETCD_KEYFILE"},
    Field{"etcd_prefix", K::String, "FLANNELD_ETCD_PREFIX"},
    Field{"etcd_username", K::String, "FLANNELD_ETCD_USERNAME"},
    Field{"etcd_password", K::String, "FLANNELD_ETCD_PASSWORD"},
    Field{"ip_masq", K::String, "FLANNELD_IP_MASQ"},
    Field{"subnet_file", K::String, "FLANNELD_SUBNET_FILE"},
    Field{"interface", K::String, "FLANNELD_IFACE"},
    Field{"public_ip", K::String, "FLANNELD_PUBLIC_IP"},
};

const std::array kLocksmith = {
    Field{"endpoint", K::String, "LOCKSMITHD_ENDPOINT", {}, {}, nullptr, true},
    Field{"etcd_cafile", K::String, "LOCKSMITHD_ETCD_CAFILE"},
    Field{"etcd_certfile", K::String, "LOCKSMITHD_ETCD_CERTFILE"},
    Field{"etcd_keyfile", K::String, "LOCKSMITHD_ETCD_KEYFILE"},
    Field{"etcd_username", K::String, "LOCKSMITHD_ETCD_USERNAME"},
    Field{"etcd_password", K::String, "LOCKSMITHD_ETCD_PASSWORD"},
    Field{"group", K::String, "LOCKSMITHD_GROUP"},
    Field{"window_start", K::String, "REBOOT_WINDOW_START", kWindowStart},
    Field{"window_length", K::String, "REBOOT_WINDOW_LENGTH", kDuration},
};

const std::array kUpdate = {
    Field{"reboot_strategy", K::String, "REBOOT_STRATEGY", "^(etcd-lock|reboot|off)$"},
    Field{"group", K::String, "GROUP"},
    Field{"server", K::String, "SERVER", {}, {}, nullptr, true},
};

const std::array kOem = {
    Field{"id", K::String, "ID"},
    Field{"name", K::String, "NAME"},
    Field{"version_id", K::String, "VERSION_ID"},
    Field{"home_url", K::String, "HOME_URL"},
    Field{"bug_report_url", K::String, "BUG_REPORT_URL"},
};

const std::array kDropIn = {
    Field{"name", K::String},
    Field{"content", K::String},
};
constexpr Schema kDropInSchema{"drop_in", kDropIn};

const std::array kUnit = {
    Field{"name", K::String},
    Field{"runtime", K::Bool},
    Field{"enable", K::Bool},
    Field{"content", K::String},
    Field{"command", K::String, {}, kUnitCommand},
    Field{"mask", K::Bool},
    Field{"drop_ins", K::StructList, {}, {}, {}, &kDropInSchema},
};

constexpr std::string_view kRemoteImport =
    "trying to fetch from a remote endpoint introduces too many intermittent errors";
const std::array kUser = {
    Field{"name", K::String},
    Field{"passwd", K::String},
    Field{"ssh_authorized_keys", K::StringList},
    Field{"coreos_ssh_import_github", K::String, {}, {}, kRemoteImport},
    Field{"coreos_ssh_import_github_users", K::StringList, {}, {}, kRemoteImport},
    Field{"coreos_ssh_import_url", K::String, {}, {}, kRemoteImport},
    Field{"gecos", K::String},
    Field{"homedir", K::String},
    Field{"no_create_home", K::Bool},
    Field{"primary_group", K::String},
    Field{"groups", K::StringList},
    Field{"no_user_group", K::Bool},
    Field{"system", K::Bool},
    Field{"no_log_init", K::Bool},
    Field{"shell", K::String},
};

const std::array kWriteFile = {
    Field{"encoding", K::String, {}, kEncoding},
    Field{"content", K::String},
    Field{"owner", K::String},
    Field{"path", K::String},
    Field{"permissions", K::String, {}, "^0?[0-7]{3,4}$"},
};

constexpr Schema kEtcd2Schema{"etcd2", kEtcd2};
constexpr Schema kEtcdSchema{"etcd", kEtcd};
constexpr Schema kFleetSchema{"fleet", kFleet};
constexpr Schema kFlannelSchema{"flannel", kFlannel};
constexpr Schema kLocksmithSchema{"locksmith", kLocksmith};
constexpr Schema kUpdateSchema{"update", kUpdate};
constexpr Schema kOemSchema{"oem", kOem};
constexpr Schema kUnitSchema{"unit", kUnit};
constexpr Schema kUserSchema{"user", kUser};
constexpr Schema kWriteFileSchema{"write_file", kWriteFile};

const std::array kCoreos = {
    // etcd2 and fleet are what this project ships, so unlike coreos-cloudinit v1.14 they
    // are not flagged deprecated; etcd 0.4 is gone.
    Field{"etcd", K::Struct, {}, {}, "etcd is no longer shipped in Container Linux", &kEtcdSchema},
    Field{"etcd2", K::Struct, {}, {}, {}, &kEtcd2Schema},
    Field{"fleet", K::Struct, {}, {}, {}, &kFleetSchema},
    Field{"flannel", K::Struct, {}, {}, {}, &kFlannelSchema},
    Field{"locksmith", K::Struct, {}, {}, {}, &kLocksmithSchema},
    Field{"oem", K::Struct, {}, {}, {}, &kOemSchema},
    Field{"update", K::Struct, {}, {}, {}, &kUpdateSchema},
    Field{"units", K::StructList, {}, {}, {}, &kUnitSchema},
};
constexpr Schema kCoreosSchema{"coreos", kCoreos};

const std::array kRoot = {
    Field{"coreos", K::Struct, {}, {}, {}, &kCoreosSchema},
    Field{"ssh_authorized_keys", K::StringList},
    Field{"hostname", K::String},
    Field{"users", K::StructList, {}, {}, {}, &kUserSchema},
    Field{"write_files", K::StructList, {}, {}, {}, &kWriteFileSchema},
    Field{"manage_etc_hosts", K::String, {}, "^localhost$"},
};
constexpr Schema kRootSchema{"cloud-config", kRoot};

}  // namespace

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::String:
      return "string";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Float:
      return "float64";
    case Kind::Struct:
      return "struct";
    case Kind::StringList:
      return "[]string";
    case Kind::StructList:
      return "[]struct";
  }
  return "?";
}

const Field* Schema::find(std::string_view key) const {
  for (const auto& field : fields)
    if (field.key == key) return &field;
  return nullptr;
}

const Schema& root_schema() {
  return kRootSchema;
}
const Schema& coreos_schema() {
  return kCoreosSchema;
}
const Schema& etcd_schema() {
  return kEtcdSchema;
}
const Schema& etcd2_schema() {
  return kEtcd2Schema;
}
const Schema& fleet_schema() {
  return kFleetSchema;
}
const Schema& flannel_schema() {
  return kFlannelSchema;
}
const Schema& locksmith_schema() {
  return kLocksmithSchema;
}
const Schema& update_schema() {
  return kUpdateSchema;
}
const Schema& oem_schema() {
  return kOemSchema;
}
const Schema& unit_schema() {
  return kUnitSchema;
}
const Schema& drop_in_schema() {
  return kDropInSchema;
}
const Schema& write_file_schema() {
  return kWriteFileSchema;
}
const Schema& user_schema() {
  return kUserSchema;
}

}  // namespace corestack::cloudinit
