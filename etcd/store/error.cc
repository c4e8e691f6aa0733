#include "etcd/store/error.h"

namespace etcd::store {

std::string_view error_message(ErrorCode code) {
  switch (code) {
    case ErrorCode::key_not_found:
      return "Key not found";
    case ErrorCode::test_failed:
      return "Compare failed";
    case ErrorCode::not_file:
      return "Not a file";
    case ErrorCode::no_more_peer:
      return "Reached the max number of peers in the cluster";
    case ErrorCode::not_dir:
      return "Not a directory";
    case ErrorCode::node_exist:
      return "Key already exists";
    case ErrorCode::key_is_preserved:
      return "The prefix of given key is a keyword in etcd";
    case ErrorCode::root_read_only:
      return "Root is read only";
    case ErrorCode::dir_not_empty:
      return "Directory not empty";
    case ErrorCode::existing_peer_addr:
      return "Peer address has existed";
    case ErrorCode::unauthorized:
      return "The request requires user authentication";
    case ErrorCode::value_required:
      return "Value is Required in POST form";
    case ErrorCode::prev_value_required:
      return "PrevValue is Required in POST form";
    case ErrorCode::ttl_nan:
      return "The given TTL in POST form is not a number";
    case ErrorCode::index_nan:
      return "The given index in POST form is not a number";
    case ErrorCode::value_or_ttl_required:
      return "Value or TTL is required in POST form";
    case ErrorCode::timeout_nan:
      return "The given timeout in POST form is not a number";
    case ErrorCode::name_required:
      return "Name is required in POST form";
    case ErrorCode::index_or_value_required:
      return "Index or value is required";
    case ErrorCode::index_value_mutex:
      return "Index and value cannot both be specified";
    case ErrorCode::invalid_field:
      return "Invalid field";
    case ErrorCode::invalid_form:
      return "Invalid POST form";
    case ErrorCode::refresh_value:
      return "Value provided on refresh";
    case ErrorCode::refresh_ttl_required:
      return "A TTL must be provided on refresh";
    case ErrorCode::raft_internal:
      return "Raft Internal Error";
    case ErrorCode::leader_elect:
      return "During Leader Election";
    case ErrorCode::watcher_cleared:
      return "watcher is cleared due to etcd recovery";
    case ErrorCode::event_index_cleared:
      return "The event in requested index is outdated and cleared";
    case ErrorCode::standby_internal:
      return "Standby Internal Error";
    case ErrorCode::invalid_active_size:
      return "Invalid active size";
    case ErrorCode::invalid_remove_delay:
      return "Standby remove delay";
    case ErrorCode::client_internal:
      return "Client Internal Error";
  }
  return {};
}

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::key_not_found:
      return 404;
    case ErrorCode::not_file:
    case ErrorCode::dir_not_empty:
      return 403;
    case ErrorCode::unauthorized:
      return 401;
    case ErrorCode::test_failed:
    case ErrorCode::node_exist:
      return 412;
    case ErrorCode::raft_internal:
    case ErrorCode::leader_elect:
      return 500;
    default:
      return 400;
  }
}

}  // namespace etcd::store
