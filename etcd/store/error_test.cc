#include "etcd/store/error.h"

#include <gtest/gtest.h>

namespace etcd::store {
namespace {

struct ErrorRow {
  int code;
  const char* message;
  int status;
};

// etcd v2error/error.go, in full.
const ErrorRow kTable[] = {
    {100, "Key not found", 404},
    {101, "Compare failed", 412},
    {102, "Not a file", 403},
    {103, "Reached the max number of peers in the cluster", 400},
    {104, "Not a directory", 400},
    {105, "Key already exists", 412},
    {106, "The prefix of given key is a keyword in etcd", 400},
    {107, "Root is read only", 400},
    {108, "Directory not empty", 403},
    {109, "Peer address has existed", 400},
    {110, "The request requires user authentication", 401},
    {200, "Value is Required in POST form", 400},
    {201, "PrevValue is Required in POST form", 400},
    {202, "The given TTL in POST form is not a number", 400},
    {203, "The given index in POST form is not a number", 400},
    {204, "Value or TTL is required in POST form", 400},
    {205, "The given timeout in POST form is not a number", 400},
    {206, "Name is required in POST form", 400},
    {207, "Index or value is required", 400},
    {208, "Index and value cannot both be specified", 400},
    {209, "Invalid field", 400},
    {210, "Invalid POST form", 400},
    {211, "Value provided on refresh", 400},
    {212, "A TTL must be provided on refresh", 400},
    {300, "Raft Internal Error", 500},
    {301, "During Leader Election", 500},
    {400, "watcher is cleared due to etcd recovery", 400},
    {401, "The event in requested index is outdated and cleared", 400},
    {402, "Standby Internal Error", 400},
    {403, "Invalid active size", 400},
    {404, "Standby remove delay", 400},
    {500, "Client Internal Error", 400},
};

TEST(ErrorTable, MessagesAndStatusesMatchEtcd) {
  for (const ErrorRow& row : kTable) {
    auto code = static_cast<ErrorCode>(row.code);
    EXPECT_EQ(error_message(code), row.message) << row.code;
    EXPECT_EQ(http_status(code), row.status) << row.code;
  }
}

TEST(ErrorTable, UnknownCodeHasNoMessageAndIsBadRequest) {
  EXPECT_EQ(error_message(static_cast<ErrorCode>(999)), "");
  EXPECT_EQ(http_status(static_cast<ErrorCode>(999)), 400);
}

TEST(StoreError, CarriesCodeCauseAndIndex) {
  StoreError error{ErrorCode::test_failed, "[1 != 5]", EtcdIndex(7)};
  EXPECT_EQ(error.message(), "Compare failed");
  EXPECT_EQ(error.index, EtcdIndex(7));
  StoreResult<int> result(error);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error(), error);
  StoreResult<int> value(3);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 3);
}

}  // namespace
}  // namespace etcd::store
