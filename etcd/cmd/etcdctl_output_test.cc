// Expected strings are etcdctl 3.4.23's (ETCDCTL_API=2) output for the same responses.
#include "etcd/cmd/etcdctl_output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace etcd::cmd::ctl {
namespace {

client::Response set_response() {
  client::Response r;
  r.action = "set";
  r.node = {.key = "/a", .value = "4", .created_index = 7, .modified_index = 7};
  r.prev_node = client::Node{.key = "/a", .value = "3", .created_index = 6, .modified_index = 6};
  r.etcd_index = 7;
  return r;
}

std::string printed(const client::Response& r, const std::string& format) {
  std::ostringstream out;
  std::ostringstream err;
  print_response(out, err, r, format);
  return out.str() + err.str();
}

TEST(EtcdctlOutput, SimpleExtendedJson) {
  const auto r = set_response();
  EXPECT_EQ(printed(r, "simple"), "4\n");
  EXPECT_EQ(printed(r, "extended"),
            "Key: /a\nCreated-Index: 7\nModified-Index: 7\nPrevNode.Value: 3\nTTL: 0\n"
            "Index: 7\n\n4\n");
  EXPECT_EQ(printed(r, "json"),
            R"({"action":"set","node":{"key":"/a","value":"4","nodes":null,"createdIndex":7,)"
            R"("modifiedIndex":7},"prevNode":{"key":"/a","value":"3","nodes":null,)"
            R"("createdIndex":6,"modifiedIndex":6}})"
            "\n");
  EXPECT_EQ(printed(r, "yaml"), "Unsupported output format: yaml\n");
}

TEST(EtcdctlOutput, DeletePrintsThePreviousValue) {
  auto r = set_response();
  r.action = "delete";
  r.node.value.clear();
  EXPECT_EQ(printed(r, "simple"), "PrevNode.Value: 3\n");
  EXPECT_EQ(printed(r, "extended"),
            "Key: /a\nCreated-Index: 7\nModified-Index: 7\nPrevNode.Value: 3\nTTL: 0\n"
            "Index: 7\n");
}

TEST(EtcdctlOutput, JsonTtlDirAndTime) {
  client::Response r;
  r.action = "get";
  r.node = {.key = "/t",
            .value = "tv",
            .expiration = "2026-11-22T18:49:54.668495100Z",
            .ttl = 100,
            .created_index = 11,
            .modified_index = 11};
  EXPECT_EQ(go_json_response(r),
            R"({"action":"get","node":{"key":"/t","value":"tv","nodes":null,"createdIndex":11,)"
            R"("modifiedIndex":11,"expiration":"2026-11-22T18:49:54.6684951Z","ttl":100},)"
            R"("prevNode":null})");
  client::Node dir{.key = "/d", .dir = true, .nodes = {{.key = "/d/x", .value = "1"}}};
  EXPECT_EQ(go_json_node(dir),
            R"({"key":"/d","dir":true,"value":"","nodes":[{"key":"/d/x","value":"1",)"
            R"("nodes":null,"createdIndex":0,"modifiedIndex":0}],"createdIndex":0,)"
            R"("modifiedIndex":0})");
}

TEST(EtcdctlOutput, GoStringEncodings) {
  EXPECT_EQ(go_json_string("a<b>&\"\\\n\x01"), R"("a\u003cb\u003e\u0026\"\\\n\u0001")");
  EXPECT_EQ(go_json_string("caf\xc3\xa9 \xff"), "\"caf\xc3\xa9 \\ufffd\"");
  EXPECT_EQ(go_quote("m1"), "\"m1\"");
  EXPECT_EQ(go_quote("a\"b\tc\x7f"), R"("a\"b\tc\x7f")");
}

TEST(EtcdctlOutput, ErrorsAndGoJsonSyntaxErrors) {
  client::Error e{.kind = client::ErrorKind::etcd,
                  .error_code = 100,
                  .message = "Key not found",
                  .cause = "/nope",
                  .index = 7};
  std::ostringstream err;
  EXPECT_EQ(report_error(err, kExitServerError, e), 4);
  EXPECT_EQ(err.str(), "Error:  100: Key not found (/nope) [7]\n");
  client::Error down{
      .kind = client::ErrorKind::transport,
      .endpoint_errors = {
          {"http://127.0.0.1:1", "dial tcp 127.0.0.1:1: connect: connection refused", true}}};
  std::ostringstream err2;
  report_error(err2, kExitBadConnection, down);
  EXPECT_EQ(err2.str(),
            "Error:  client: etcd cluster is unavailable or misconfigured; error #0: dial tcp "
            "127.0.0.1:1: connect: connection refused\n\nerror #0: dial tcp 127.0.0.1:1: "
            "connect: connection refused\n\n");
  EXPECT_EQ(go_json_syntax_error("404 page not found\n"),
            "invalid character 'p' after top-level value");
  EXPECT_EQ(go_json_syntax_error("Method Not Allowed\n"),
            "invalid character 'M' looking for beginning of value");
  EXPECT_EQ(go_json_syntax_error(""), "unexpected end of JSON input");
  EXPECT_EQ(go_json_syntax_error("{\"message\":\"x\"}"), "");
}

TEST(EtcdctlOutput, TabwriterAlignsColumnsPerBlock) {
  // etcdctl 3.4's `rm --help` OPTIONS block and a block split by a line without tabs.
  EXPECT_EQ(
      go_tabwriter("OPTIONS:\n   --dir\tremoves\n   --with-value value\tprevious value\n   \n"),
      "OPTIONS:\n   --dir               removes\n   --with-value value  previous value\n   \n");
  EXPECT_EQ(go_tabwriter("a\tx\nbb\ty\n\nccc\tz\n"), "a   x\nbb  y\n\nccc  z\n");
  EXPECT_EQ(go_tabwriter("no tabs"), "no tabs");
}

}  // namespace
}  // namespace etcd::cmd::ctl
