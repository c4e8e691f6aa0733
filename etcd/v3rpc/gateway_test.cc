// The JSON gateway's mapping (gateway.h): request bodies read as etcd 3.4's grpc-gateway v1
// reads them, responses and errors written as it writes them. Every expected error text
// below was observed on etcd 3.4.23 for the same body.
#include "etcd/v3rpc/gateway.h"

#include <gtest/gtest.h>

#include "etcdserverpb/rpc.pb.h"

namespace etcd::v3rpc {
namespace {

namespace pb = etcdserverpb;
using gateway::BodyDecoder;

// The body's first value into a fresh message; the error text, if any.
template <typename Message>
std::string decode(std::string_view body, Message& out) {
  auto r = BodyDecoder(body).next(out);
  return r ? "" : r.error().message;
}

template <typename Message>
std::string decode_error(std::string_view body) {
  Message m;
  return decode(body, m);
}

TEST(GatewayDecode, ProtoAndLowerCamelNamesNumbersAsStringsEnums) {
  pb::RangeRequest a, b;
  ASSERT_EQ(decode(R"({"key":"YQ==","range_end":"Yg==","limit":1,"sort_order":2,"bogus":1})", a),
            "");
  ASSERT_EQ(decode(R"({"key":"YQ==","rangeEnd":"Yg==","limit":"1","sortOrder":"DESCEND"})", b), "");
  EXPECT_EQ(a.key(), "a");
  EXPECT_EQ(a.range_end(), "b");
  EXPECT_EQ(a.limit(), 1);
  EXPECT_EQ(a.sort_order(), pb::RangeRequest::DESCEND);
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
}

TEST(GatewayDecode, LowerCamelWinsOverProtoNameAndLastDuplicateWins) {
  pb::RangeRequest r;
  ASSERT_EQ(decode(R"({"key":"YQ==","rangeEnd":"Yg==","range_end":"Yw==","key":"Yg=="})", r), "");
  EXPECT_EQ(r.key(), "b");
  EXPECT_EQ(r.range_end(), "b");
}

TEST(GatewayDecode, EmptyBodyIsAnEmptyRequest) {
  pb::RangeRequest r;
  r.set_key("x");
  BodyDecoder empty("  \n ");
  auto more = empty.next(r);
  ASSERT_TRUE(more);
  EXPECT_FALSE(*more);
  EXPECT_EQ(r.ByteSizeLong(), 0u);  // cleared
  ASSERT_EQ(decode("null", r), "");
  EXPECT_EQ(r.ByteSizeLong(), 0u);
}

TEST(GatewayDecode, NullLeavesAFieldUnset) {
  pb::RangeRequest r;
  ASSERT_EQ(decode(R"({"key":"YQ==","sort_order":null,"limit":null,"range_end":null})", r), "");
  EXPECT_EQ(r.key(), "a");
  EXPECT_EQ(r.limit(), 0);
}

TEST(GatewayDecode, SeveralValuesInOneBody) {
  // A watch's body: requests back to back; trailing garbage is read only when reached.
  BodyDecoder body(
      R"({"create_request":{"key":"YQ=="}} {"progress_request":{}}{"cancel_request":{"watch_id":"1"}} xx)");
  pb::WatchRequest w;
  ASSERT_TRUE(*body.next(w));
  EXPECT_EQ(w.create_request().key(), "a");
  ASSERT_TRUE(*body.next(w));
  EXPECT_TRUE(w.has_progress_request());  // an empty object still selects the oneof
  ASSERT_TRUE(*body.next(w));
  EXPECT_EQ(w.cancel_request().watch_id(), 1);
  auto bad = body.next(w);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "invalid character 'x' looking for beginning of value");
}

TEST(GatewayDecode, UnaryIgnoresWhatFollowsTheFirstValue) {
  pb::RangeRequest r;
  ASSERT_EQ(decode(R"({"key":"YQ=="} trailing garbage)", r), "");
  EXPECT_EQ(r.key(), "a");
}

TEST(GatewayDecode, TxnOneofsAndNesting) {
  pb::TxnRequest t;
  ASSERT_EQ(decode(R"({"compare":[{"key":"YQ==","target":"VERSION","result":"EQUAL","version":"0"},
                                  {"key":"YQ==","target":"VALUE","value":"eA=="}],
                       "success":[{"request_put":{"key":"YQ==","value":"eA=="}},{"requestTxn":{}}],
                       "failure":[{"request_range":{"key":"YQ=="}}]})",
                   t),
            "");
  ASSERT_EQ(t.compare_size(), 2);
  EXPECT_EQ(t.compare(0).target_union_case(), pb::Compare::kVersion);
  EXPECT_EQ(t.compare(1).value(), "x");
  ASSERT_EQ(t.success_size(), 2);
  EXPECT_EQ(t.success(0).request_put().value(), "x");
  EXPECT_TRUE(t.success(1).has_request_txn());
  EXPECT_EQ(t.failure(0).request_range().key(), "a");
}

TEST(GatewayDecode, BytesAsBase64OrNumbers) {
  pb::PutRequest p;
  ASSERT_EQ(decode(R"({"key":"Y\u0051==","value":[104, 105]})", p), "");  // Go unquotes first
  EXPECT_EQ(p.key(), "a");
  EXPECT_EQ(p.value(), "hi");
  ASSERT_EQ(decode("{\"key\":\"YW\\nJj\"}", p), "");  // newlines are skipped
  EXPECT_EQ(p.key(), "abc");
}

TEST(GatewayDecode, Uint64BeyondDoublePrecision) {
  pb::MemberRemoveRequest m;
  ASSERT_EQ(decode(R"({"ID":"18446744073709551615"})", m), "");
  EXPECT_EQ(m.id(), 18446744073709551615ull);
  ASSERT_EQ(decode(R"({"ID":9007199254740993})", m), "");
  EXPECT_EQ(m.id(), 9007199254740993ull);
}

// A txn nested `levels` deep in success branches.
std::string nested_txn(int levels) {
  std::string body;
  for (int i = 0; i < levels; ++i)
    body += R"({"success":[{"request_txn":)";
  body += "{}";
  for (int i = 0; i < levels; ++i)
    body += "}]}";
  return body;
}

TEST(GatewayDecode, NestedMessagesUpToProtobufsLimit) {
  pb::TxnRequest t;
  ASSERT_EQ(decode(nested_txn(49), t), "");  // 99 levels: the innermost txn is 98 deep
  int depth = 0;
  for (const pb::TxnRequest* n = &t; n->success_size() > 0; n = &n->success(0).request_txn())
    ++depth;
  EXPECT_EQ(depth, 49);
  EXPECT_EQ(decode_error<pb::TxnRequest>(nested_txn(50)), "message nesting too deep (limit 100)");
}

TEST(GatewayDecode, SyntaxErrorsAreGos) {
  using R = pb::RangeRequest;
  EXPECT_EQ(decode_error<R>("garbage"), "invalid character 'g' looking for beginning of value");
  EXPECT_EQ(decode_error<R>(R"({"key":"YQ==", )"), "unexpected EOF");
  EXPECT_EQ(decode_error<R>(R"({"key":"YQ==" "x"})"),
            "invalid character '\"' after object key:value pair");
  EXPECT_EQ(decode_error<R>(R"({"key":"YQ==",})"),
            "invalid character '}' looking for beginning of object key string");
  EXPECT_EQ(decode_error<R>("{\"key\":\"a\x01\"}"), "invalid character '\\x01' in string literal");
  EXPECT_EQ(decode_error<R>(R"({"key" 1})"), "invalid character '1' after object key");
  EXPECT_EQ(decode_error<R>(R"({"key":[1 2]})"), "invalid character '2' after array element");
  EXPECT_EQ(decode_error<R>(R"({"key":tru})"),
            "invalid character '}' in literal true (expecting 'e')");
  EXPECT_EQ(decode_error<R>(R"({"key":"\q"})"), "invalid character 'q' in string escape code");
  EXPECT_EQ(decode_error<R>(R"({"limit":-})"), "invalid character '}' in numeric literal");
  EXPECT_EQ(decode_error<R>(std::string(10001, '[') + std::string(10001, ']')),
            "invalid character '[' exceeded max depth");
}

TEST(GatewayDecode, ValueErrorsAreJsonpbs) {
  using R = pb::RangeRequest;
  EXPECT_EQ(decode_error<R>("[1]"),
            "json: cannot unmarshal array into Go value of type map[string]json.RawMessage");
  EXPECT_EQ(decode_error<R>(R"({"key":"!!notbase64"})"), "illegal base64 data at input byte 0");
  EXPECT_EQ(decode_error<R>(R"({"key":"YQ="})"), "illegal base64 data at input byte 3");
  EXPECT_EQ(decode_error<R>("{\"key\":\"\xe9\"}"), "illegal base64 data at input byte 0");
  EXPECT_EQ(decode_error<R>(R"({"key":1})"),
            "json: cannot unmarshal number into Go value of type []uint8");
  EXPECT_EQ(decode_error<R>(R"({"key":[97, 300]})"),
            "json: cannot unmarshal number 300 into Go value of type uint8");
  EXPECT_EQ(decode_error<R>(R"({"key":"YQ==","sort_order":"BOGUS"})"),
            "unknown value \"BOGUS\" for enum etcdserverpb.RangeRequest_SortOrder");
  EXPECT_EQ(decode_error<R>(R"({"key":"YQ==","sort_order":"\u0041SCEND"})"),
            "unknown value \"\\\\u0041SCEND\" for enum etcdserverpb.RangeRequest_SortOrder");
  EXPECT_EQ(
      decode_error<R>(R"({"key":"YQ==","sort_order":true})"),
      "json: cannot unmarshal bool into Go value of type etcdserverpb.RangeRequest_SortOrder");
  EXPECT_EQ(decode_error<R>(R"({"key":"YQ==","sort_order":99999999999})"),
            "json: cannot unmarshal number 99999999999 into Go value of type "
            "etcdserverpb.RangeRequest_SortOrder");
  EXPECT_EQ(decode_error<R>(R"({"key":"YQ==","limit":1.5})"),
            "json: cannot unmarshal number 1.5 into Go value of type int64");
  EXPECT_EQ(decode_error<R>(R"({"key":"YQ==","limit":true})"),
            "json: cannot unmarshal bool into Go value of type int64");
  EXPECT_EQ(decode_error<R>(R"({"key":"YQ==","serializable":"true"})"),
            "json: cannot unmarshal string into Go value of type bool");
  EXPECT_EQ(decode_error<pb::TxnRequest>(R"({"success":[{"request_put":{"key":1}}]})"),
            "json: cannot unmarshal number into Go value of type []uint8");
  EXPECT_EQ(decode_error<pb::TxnRequest>(R"({"success":{}})"),
            "json: cannot unmarshal object into Go value of type []json.RawMessage");
  EXPECT_EQ(decode_error<pb::MemberRemoveRequest>(R"({"ID":-1})"),
            "json: cannot unmarshal number -1 into Go value of type uint64");
}

TEST(GatewayDecode, QuotedIntegersAreReadAsJsonAgain) {
  // jsonpb drops the quotes and hands the inside to json.Unmarshal.
  using R = pb::RangeRequest;
  EXPECT_EQ(decode_error<R>(R"({"limit":"abc"})"),
            "invalid character 'a' looking for beginning of value");
  EXPECT_EQ(decode_error<R>(R"({"limit":""})"), "unexpected end of JSON input");
  EXPECT_EQ(decode_error<R>(R"({"limit":"1 2"})"), "invalid character '2' after top-level value");
  EXPECT_EQ(decode_error<R>(R"({"limit":"1."})"),
            "invalid character ' ' after decimal point in numeric literal");
  EXPECT_EQ(decode_error<R>(R"({"limit":"-"})"), "invalid character ' ' in numeric literal");
  EXPECT_EQ(decode_error<R>(R"({"limit":"tru"})"),
            "invalid character ' ' in literal true (expecting 'e')");
}

TEST(GatewayEncode, ProtoNamesInt64AsStringsZeroValuesOmitted) {
  pb::RangeResponse r;
  auto* h = r.mutable_header();
  h->set_cluster_id(15118495548433857066ull);
  h->set_member_id(13668033151171901709ull);
  h->set_revision(2);
  h->set_raft_term(2);
  auto* kv = r.add_kvs();
  kv->set_key("a");
  kv->set_create_revision(2);
  kv->set_mod_revision(2);
  kv->set_version(1);
  kv->set_value("b");
  r.set_count(1);
  // Byte for byte what etcd 3.4's gateway answered.
  EXPECT_EQ(gateway::to_json(r),
            R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709",)"
            R"("revision":"2","raft_term":"2"},"kvs":[{"key":"YQ==","create_revision":"2",)"
            R"("mod_revision":"2","version":"1","value":"Yg=="}],"count":"1"})");
}

TEST(GatewayEncode, DeclaredNamesEnumsByNameUint32AsNumber) {
  pb::LeaseGrantResponse g;
  g.set_id(1234);
  g.set_ttl(100);
  EXPECT_EQ(gateway::to_json(g), R"({"ID":"1234","TTL":"100"})");
  pb::StatusResponse s;
  s.set_version("3.4.23");
  s.set_dbsize(20480);
  s.set_raftappliedindex(10);
  EXPECT_EQ(gateway::to_json(s),
            R"({"version":"3.4.23","dbSize":"20480","raftAppliedIndex":"10"})");
  pb::HashResponse hash;
  hash.set_hash(2881511233u);
  EXPECT_EQ(gateway::to_json(hash), R"({"hash":2881511233})");
  pb::WatchResponse w;
  w.set_watch_id(-1);
  auto* e = w.add_events();
  e->set_type(mvccpb::Event::DELETE);
  e->mutable_kv()->set_key("k");
  e->mutable_kv()->set_mod_revision(4);
  EXPECT_EQ(
      gateway::to_json(w),
      R"({"watch_id":"-1","events":[{"type":"DELETE","kv":{"key":"aw==","mod_revision":"4"}}]})");
  EXPECT_EQ(gateway::to_json(pb::AlarmResponse{}), "{}");
}

TEST(GatewayEncode, NestedTxnHeaderIsEmptyObject) {
  pb::TxnResponse t;
  t.set_succeeded(true);
  t.add_responses()->mutable_response_txn()->mutable_header();
  t.add_responses()->mutable_response_put()->mutable_header()->set_revision(4);
  EXPECT_EQ(gateway::to_json(t), R"({"succeeded":true,"responses":[{"response_txn":{"header":{}}},)"
                                 R"({"response_put":{"header":{"revision":"4"}}}]})");
}

TEST(GatewayErrors, HttpStatusOfGrpcCodes) {
  using C = grpc::StatusCode;
  EXPECT_EQ(gateway::http_status(C::OK), 200);
  EXPECT_EQ(gateway::http_status(C::CANCELLED), 408);
  EXPECT_EQ(gateway::http_status(C::UNKNOWN), 500);
  EXPECT_EQ(gateway::http_status(C::INVALID_ARGUMENT), 400);
  EXPECT_EQ(gateway::http_status(C::DEADLINE_EXCEEDED), 504);
  EXPECT_EQ(gateway::http_status(C::NOT_FOUND), 404);
  EXPECT_EQ(gateway::http_status(C::ALREADY_EXISTS), 409);
  EXPECT_EQ(gateway::http_status(C::PERMISSION_DENIED), 403);
  EXPECT_EQ(gateway::http_status(C::UNAUTHENTICATED), 401);
  EXPECT_EQ(gateway::http_status(C::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(gateway::http_status(C::FAILED_PRECONDITION), 412);
  EXPECT_EQ(gateway::http_status(C::ABORTED), 409);
  EXPECT_EQ(gateway::http_status(C::OUT_OF_RANGE), 400);
  EXPECT_EQ(gateway::http_status(C::UNIMPLEMENTED), 501);
  EXPECT_EQ(gateway::http_status(C::INTERNAL), 500);
  EXPECT_EQ(gateway::http_status(C::UNAVAILABLE), 503);
  EXPECT_EQ(gateway::http_status(C::DATA_LOSS), 500);
}

TEST(GatewayErrors, Bodies) {
  EXPECT_EQ(
      gateway::error_json(grpc::StatusCode::INVALID_ARGUMENT, "etcdserver: key is not provided"),
      R"({"error":"etcdserver: key is not provided",)"
      R"("message":"etcdserver: key is not provided","code":3})");
  // Go's encoding/json escaping: quotes, HTML characters.
  EXPECT_EQ(
      gateway::error_json(grpc::StatusCode::UNKNOWN, "a\"<b>&\n"),
      R"({"error":"a\"\u003cb\u003e\u0026\n","message":"a\"\u003cb\u003e\u0026\n","code":2})");
  EXPECT_EQ(gateway::stream_error_json(grpc::StatusCode::UNAVAILABLE, "etcdserver: no leader"),
            R"({"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader",)"
            R"("http_status":"Service Unavailable"}})");
  // jsonpb leaves out empty strings.
  EXPECT_EQ(gateway::error_json(grpc::StatusCode::CANCELLED, ""), R"({"code":1})");
}

TEST(GatewayPaths, V3AndV3betaOnly) {
  EXPECT_TRUE(is_gateway_path("/v3/kv/range"));
  EXPECT_TRUE(is_gateway_path("/v3beta/kv/range"));
  EXPECT_TRUE(is_gateway_path("/v3/"));
  EXPECT_FALSE(is_gateway_path("/v3"));
  EXPECT_FALSE(is_gateway_path("/v3alpha/kv/range"));
  EXPECT_FALSE(is_gateway_path("/v2/keys"));
}

}  // namespace
}  // namespace etcd::v3rpc
