// The conversions one rule at a time: every field both ways, the Compare union, nested
// txns, headers, and every error's status. etcd34_replay_test.cc checks whole responses
// against the bytes etcd 3.4 sent.
#include "etcd/v3rpc/convert.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>

#include "etcd/mvcc/error.h"
#include "etcd/mvcc/validate.h"
#include "etcd/mvcc/watch_hub.h"
#include "etcd/v3rpc/errors.h"

namespace etcd::v3rpc {
namespace {

namespace pb = etcdserverpb;

// Serialized bytes: equal iff every field (and oneof choice) is equal, since none of these
// messages has a map.
template <typename M>
std::string bytes(const M& message) {
  return message.SerializeAsString();
}

TEST(Header, FillHeaderSetsAllFourFields) {
  pb::ResponseHeader h;
  fill_header(&h, 0xd1cf5e67ULL << 32, 13668033151171901709ULL, 42, 7);
  EXPECT_EQ(h.cluster_id(), 0xd1cf5e67ULL << 32);
  EXPECT_EQ(h.member_id(), 13668033151171901709ULL);
  EXPECT_EQ(h.revision(), 42);
  EXPECT_EQ(h.raft_term(), 7u);
}

TEST(Requests, RangeEveryField) {
  pb::RangeRequest in;
  in.set_key("k");
  in.set_range_end("l");
  in.set_limit(3);
  in.set_revision(4);
  in.set_sort_order(pb::RangeRequest::DESCEND);
  in.set_sort_target(pb::RangeRequest::VALUE);
  in.set_serializable(true);
  in.set_keys_only(true);
  in.set_count_only(true);
  in.set_min_mod_revision(10);
  in.set_max_mod_revision(11);
  in.set_min_create_revision(12);
  in.set_max_create_revision(13);
  const mvcc::RangeRequest r = from_pb(in);
  EXPECT_EQ(r.key, "k");
  EXPECT_EQ(r.range_end, "l");
  EXPECT_EQ(r.limit, 3);
  EXPECT_EQ(r.revision, 4);
  EXPECT_EQ(r.sort_order, mvcc::SortOrder::kDescend);
  EXPECT_EQ(r.sort_target, mvcc::SortTarget::kValue);
  EXPECT_TRUE(r.serializable);
  EXPECT_TRUE(r.keys_only);
  EXPECT_TRUE(r.count_only);
  EXPECT_EQ(r.min_mod_revision, 10);
  EXPECT_EQ(r.max_mod_revision, 11);
  EXPECT_EQ(r.min_create_revision, 12);
  EXPECT_EQ(r.max_create_revision, 13);
  EXPECT_EQ(bytes(to_pb(r)), bytes(in));
}

TEST(Requests, SortEnumsMapByValue) {
  const std::pair<pb::RangeRequest::SortTarget, mvcc::SortTarget> targets[] = {
      {pb::RangeRequest::KEY, mvcc::SortTarget::kKey},
      {pb::RangeRequest::VERSION, mvcc::SortTarget::kVersion},
      {pb::RangeRequest::CREATE, mvcc::SortTarget::kCreate},
      {pb::RangeRequest::MOD, mvcc::SortTarget::kMod},
      {pb::RangeRequest::VALUE, mvcc::SortTarget::kValue}};
  for (auto [wire, plain] : targets) {
    pb::RangeRequest in;
    in.set_sort_target(wire);
    EXPECT_EQ(from_pb(in).sort_target, plain) << wire;
  }
  const std::pair<pb::RangeRequest::SortOrder, mvcc::SortOrder> orders[] = {
      {pb::RangeRequest::NONE, mvcc::SortOrder::kNone},
      {pb::RangeRequest::ASCEND, mvcc::SortOrder::kAscend},
      {pb::RangeRequest::DESCEND, mvcc::SortOrder::kDescend}};
  for (auto [wire, plain] : orders) {
    pb::RangeRequest in;
    in.set_sort_order(wire);
    EXPECT_EQ(from_pb(in).sort_order, plain) << wire;
  }
}

// A number no enum value has survives the trip, so the store's validation sees it.
TEST(Requests, UnknownSortOrderReachesValidation) {
  pb::RangeRequest in;
  ASSERT_TRUE(in.ParseFromString(std::string("\x0a\x01k\x28\x09", 5)));  // sort_order = 9
  const mvcc::RangeRequest r = from_pb(in);
  EXPECT_EQ(static_cast<int>(r.sort_order), 9);
  auto valid = mvcc::validate(r);
  ASSERT_FALSE(valid.ok());
  const grpc::Status s = to_status(valid.error());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "etcdserver: invalid sort option");
  EXPECT_EQ(bytes(to_pb(r)), bytes(in));
}

TEST(Requests, PutEveryField) {
  pb::PutRequest in;
  in.set_key(std::string("k\0y", 3));
  in.set_value(std::string("\xff\0v", 3));
  in.set_lease(0x7fffffffffffffffLL);
  in.set_prev_kv(true);
  in.set_ignore_value(true);
  in.set_ignore_lease(true);
  const mvcc::PutRequest r = from_pb(in);
  EXPECT_EQ(r.key, std::string("k\0y", 3));
  EXPECT_EQ(r.value, std::string("\xff\0v", 3));
  EXPECT_EQ(r.lease, 0x7fffffffffffffffLL);
  EXPECT_TRUE(r.prev_kv);
  EXPECT_TRUE(r.ignore_value);
  EXPECT_TRUE(r.ignore_lease);
  EXPECT_EQ(bytes(to_pb(r)), bytes(in));

  // Each flag on its own lands in its own field.
  pb::PutRequest only_lease;
  only_lease.set_ignore_lease(true);
  EXPECT_FALSE(from_pb(only_lease).ignore_value);
  EXPECT_TRUE(from_pb(only_lease).ignore_lease);
  EXPECT_FALSE(from_pb(only_lease).prev_kv);
}

TEST(Requests, DeleteRangeEveryField) {
  pb::DeleteRangeRequest in;
  in.set_key("a");
  in.set_range_end(std::string("\0", 1));
  in.set_prev_kv(true);
  const mvcc::DeleteRangeRequest r = from_pb(in);
  EXPECT_EQ(r.key, "a");
  EXPECT_EQ(r.range_end, std::string("\0", 1));
  EXPECT_TRUE(r.prev_kv);
  EXPECT_EQ(bytes(to_pb(r)), bytes(in));
}

TEST(Requests, Compaction) {
  pb::CompactionRequest in;
  in.set_revision(99);
  in.set_physical(true);
  const mvcc::CompactionRequest r = from_pb(in);
  EXPECT_EQ(r.revision, 99);
  EXPECT_TRUE(r.physical);
  EXPECT_EQ(bytes(to_pb(r)), bytes(in));
}

pb::Compare wire_compare(pb::Compare::CompareTarget target) {
  pb::Compare c;
  c.set_target(target);
  c.set_key("k");
  switch (target) {
    case pb::Compare::VERSION:
      c.set_version(5);
      break;
    case pb::Compare::CREATE:
      c.set_create_revision(6);
      break;
    case pb::Compare::MOD:
      c.set_mod_revision(7);
      break;
    case pb::Compare::VALUE:
      c.set_value("v");
      break;
    case pb::Compare::LEASE:
      c.set_lease(8);
      break;
    default:
      break;
  }
  return c;
}

TEST(Compare, EachTargetReadsItsUnionMember) {
  struct Case {
    pb::Compare::CompareTarget wire;
    mvcc::CompareTarget plain;
    int64_t number;
    std::string value;
  };
  const Case cases[] = {
      {pb::Compare::VERSION, mvcc::CompareTarget::kVersion, 5, ""},
      {pb::Compare::CREATE, mvcc::CompareTarget::kCreate, 6, ""},
      {pb::Compare::MOD, mvcc::CompareTarget::kMod, 7, ""},
      {pb::Compare::VALUE, mvcc::CompareTarget::kValue, 0, "v"},
      {pb::Compare::LEASE, mvcc::CompareTarget::kLease, 8, ""},
  };
  for (const Case& c : cases) {
    const pb::Compare in = wire_compare(c.wire);
    const mvcc::Compare out = from_pb(in);
    EXPECT_EQ(out.target, c.plain) << c.wire;
    EXPECT_EQ(out.number, c.number) << c.wire;
    EXPECT_EQ(out.value, c.value) << c.wire;
    EXPECT_EQ(out.key, "k");
    EXPECT_EQ(bytes(to_pb(out)), bytes(in)) << c.wire;
  }
}

// etcd reads the member `target` names; another member reads as zero / empty.
TEST(Compare, MismatchedUnionMemberReadsAsZero) {
  pb::Compare in;
  in.set_target(pb::Compare::VERSION);
  in.set_mod_revision(7);
  EXPECT_EQ(from_pb(in).number, 0);

  pb::Compare value;
  value.set_target(pb::Compare::VALUE);
  value.set_lease(3);
  EXPECT_EQ(from_pb(value).value, "");
  EXPECT_EQ(from_pb(value).number, 0);

  pb::Compare none;
  none.set_target(pb::Compare::LEASE);
  EXPECT_EQ(from_pb(none).number, 0);
}

TEST(Compare, ResultsMapByValueAndRangeEndIsKept) {
  const std::pair<pb::Compare::CompareResult, mvcc::CompareResult> results[] = {
      {pb::Compare::EQUAL, mvcc::CompareResult::kEqual},
      {pb::Compare::GREATER, mvcc::CompareResult::kGreater},
      {pb::Compare::LESS, mvcc::CompareResult::kLess},
      {pb::Compare::NOT_EQUAL, mvcc::CompareResult::kNotEqual}};
  for (auto [wire, plain] : results) {
    pb::Compare in = wire_compare(pb::Compare::MOD);
    in.set_result(wire);
    in.set_range_end("z");
    const mvcc::Compare out = from_pb(in);
    EXPECT_EQ(out.result, plain) << wire;
    EXPECT_EQ(out.range_end, "z");
    EXPECT_EQ(bytes(to_pb(out)), bytes(in)) << wire;
  }
}

// clientv3's Compare(Version(k), "=", 0) sends the union member set to 0 (field 4 present);
// ours does too, so such a request survives a trip unchanged.
TEST(Compare, ZeroNumberStillSetsTheUnionMember) {
  mvcc::Compare c;
  c.target = mvcc::CompareTarget::kVersion;
  c.key = "k";
  const pb::Compare out = to_pb(c);
  EXPECT_EQ(out.target_union_case(), pb::Compare::kVersion);
  EXPECT_EQ(bytes(out), std::string("\x1a\x01k\x20\x00", 5));
}

pb::RequestOp wire_put(const std::string& key) {
  pb::RequestOp op;
  op.mutable_request_put()->set_key(key);
  op.mutable_request_put()->set_value("v-" + key);
  return op;
}

// Three levels: compares of every target at the top, a nested txn in both branches, and
// a txn inside a nested txn.
pb::TxnRequest nested_wire_txn() {
  pb::TxnRequest inner2;
  *inner2.add_compare() = wire_compare(pb::Compare::LEASE);
  inner2.add_success()->mutable_request_delete_range()->set_key("d");
  inner2.add_failure()->mutable_request_range()->set_key("r2");

  pb::TxnRequest inner;
  *inner.add_compare() = wire_compare(pb::Compare::VALUE);
  *inner.add_success() = wire_put("p1");
  *inner.add_success()->mutable_request_txn() = inner2;
  *inner.add_failure() = wire_put("p2");

  pb::TxnRequest top;
  for (auto target : {pb::Compare::VERSION, pb::Compare::CREATE, pb::Compare::MOD,
                      pb::Compare::VALUE, pb::Compare::LEASE}) {
    *top.add_compare() = wire_compare(target);
  }
  top.add_success()->mutable_request_range()->set_key("r");
  *top.add_success()->mutable_request_txn() = inner;
  *top.add_failure() = wire_put("f");
  *top.add_failure()->mutable_request_txn() = inner2;
  return top;
}

TEST(Txn, NestedRequestConvertsEveryLevel) {
  const pb::TxnRequest in = nested_wire_txn();
  auto converted = from_pb(in);
  ASSERT_TRUE(converted.ok()) << converted.error().message;
  const mvcc::TxnRequest& t = *converted;

  ASSERT_EQ(t.compare.size(), 5u);
  EXPECT_EQ(t.compare[0].target, mvcc::CompareTarget::kVersion);
  EXPECT_EQ(t.compare[0].number, 5);
  EXPECT_EQ(t.compare[1].target, mvcc::CompareTarget::kCreate);
  EXPECT_EQ(t.compare[1].number, 6);
  EXPECT_EQ(t.compare[2].target, mvcc::CompareTarget::kMod);
  EXPECT_EQ(t.compare[2].number, 7);
  EXPECT_EQ(t.compare[3].target, mvcc::CompareTarget::kValue);
  EXPECT_EQ(t.compare[3].value, "v");
  EXPECT_EQ(t.compare[4].target, mvcc::CompareTarget::kLease);
  EXPECT_EQ(t.compare[4].number, 8);

  ASSERT_EQ(t.success.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<mvcc::RangeRequest>(t.success[0]));
  EXPECT_EQ(std::get<mvcc::RangeRequest>(t.success[0]).key, "r");
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<mvcc::TxnRequest>>(t.success[1]));
  const mvcc::TxnRequest& inner = *std::get<std::shared_ptr<mvcc::TxnRequest>>(t.success[1]);
  ASSERT_EQ(inner.compare.size(), 1u);
  EXPECT_EQ(inner.compare[0].value, "v");
  ASSERT_EQ(inner.success.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<mvcc::PutRequest>(inner.success[0]));
  EXPECT_EQ(std::get<mvcc::PutRequest>(inner.success[0]).value, "v-p1");
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<mvcc::TxnRequest>>(inner.success[1]));
  const mvcc::TxnRequest& inner2 = *std::get<std::shared_ptr<mvcc::TxnRequest>>(inner.success[1]);
  ASSERT_EQ(inner2.success.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<mvcc::DeleteRangeRequest>(inner2.success[0]));
  EXPECT_EQ(std::get<mvcc::DeleteRangeRequest>(inner2.success[0]).key, "d");
  ASSERT_EQ(inner2.failure.size(), 1u);
  EXPECT_EQ(std::get<mvcc::RangeRequest>(inner2.failure[0]).key, "r2");
  EXPECT_EQ(inner2.compare.at(0).number, 8);
  ASSERT_EQ(inner.failure.size(), 1u);
  EXPECT_EQ(std::get<mvcc::PutRequest>(inner.failure[0]).key, "p2");

  ASSERT_EQ(t.failure.size(), 2u);
  EXPECT_EQ(std::get<mvcc::PutRequest>(t.failure[0]).key, "f");
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<mvcc::TxnRequest>>(t.failure[1]));

  EXPECT_EQ(bytes(to_pb(t)), bytes(in));
}

TEST(Txn, EmptyOpIsKeyNotFoundAtAnyDepth) {
  pb::TxnRequest top;
  top.add_success();  // no request set
  auto r = from_pb(top);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mvcc::is(r.error(), mvcc::ErrorCode::kKeyNotFound));
  const grpc::Status s = to_status(r.error());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "etcdserver: key not found");

  pb::TxnRequest nested = nested_wire_txn();
  nested.mutable_failure(1)->mutable_request_txn()->add_failure();
  auto deep = from_pb(nested);
  ASSERT_FALSE(deep.ok());
  EXPECT_TRUE(mvcc::is(deep.error(), mvcc::ErrorCode::kKeyNotFound));
}

TEST(Responses, KeyValueEveryField) {
  const mvcc::KeyValue kv{.key = std::string("a\0b", 3),
                          .create_revision = 2,
                          .mod_revision = 3,
                          .version = 4,
                          .value = "val",
                          .lease = 5};
  const mvccpb::KeyValue out = to_pb(kv);
  EXPECT_EQ(out.key(), std::string("a\0b", 3));
  EXPECT_EQ(out.create_revision(), 2);
  EXPECT_EQ(out.mod_revision(), 3);
  EXPECT_EQ(out.version(), 4);
  EXPECT_EQ(out.value(), "val");
  EXPECT_EQ(out.lease(), 5);
  EXPECT_EQ(from_pb(out), kv);
}

TEST(Responses, EventsTypePrevKvAndNumbers) {
  mvcc::Event put{
      .type = mvcc::EventType::kPut,
      .kv = {.key = "k", .create_revision = 2, .mod_revision = 3, .version = 2, .value = "new"},
      .prev_kv =
          mvcc::KeyValue{
              .key = "k", .create_revision = 2, .mod_revision = 2, .version = 1, .value = "old"},
      .revision = {3, 0}};
  const mvccpb::Event p = to_pb(put);
  EXPECT_EQ(p.type(), mvccpb::Event::PUT);
  EXPECT_EQ(p.kv().value(), "new");
  ASSERT_TRUE(p.has_prev_kv());
  EXPECT_EQ(p.prev_kv().value(), "old");
  EXPECT_EQ(p.prev_kv().mod_revision(), 2);

  put.prev_kv.reset();
  EXPECT_FALSE(to_pb(put).has_prev_kv());

  const mvcc::Event del{
      .type = mvcc::EventType::kDelete, .kv = {.key = "k", .mod_revision = 4}, .revision = {4, 1}};
  const mvccpb::Event d = to_pb(del);
  EXPECT_EQ(d.type(), mvccpb::Event::DELETE);
  EXPECT_EQ(static_cast<int>(mvccpb::Event::PUT), 0);
  EXPECT_EQ(static_cast<int>(mvccpb::Event::DELETE), 1);
  // type=DELETE, kv{key "k", mod_revision 4}: the wire form etcd sends for a deletion.
  EXPECT_EQ(bytes(d), std::string("\x08\x01\x12\x05\x0a\x01k\x18\x04", 9));
}

constexpr HeaderFields kMember{.cluster_id = 11, .member_id = 22, .raft_term = 33};

TEST(Responses, TopLevelHeaderHasTheMembersFields) {
  mvcc::RangeResponse range{.revision = 9, .more = true, .count = 3};
  range.kvs.push_back({.key = "a", .create_revision = 1, .mod_revision = 2, .version = 1});
  const pb::RangeResponse r = to_pb(range, kMember);
  EXPECT_EQ(r.header().cluster_id(), 11u);
  EXPECT_EQ(r.header().member_id(), 22u);
  EXPECT_EQ(r.header().revision(), 9);
  EXPECT_EQ(r.header().raft_term(), 33u);
  ASSERT_EQ(r.kvs_size(), 1);
  EXPECT_EQ(r.kvs(0).key(), "a");
  EXPECT_TRUE(r.more());
  EXPECT_EQ(r.count(), 3);

  const pb::PutResponse put = to_pb(mvcc::PutResponse{.revision = 10}, kMember);
  EXPECT_EQ(put.header().revision(), 10);
  EXPECT_EQ(put.header().member_id(), 22u);
  EXPECT_FALSE(put.has_prev_kv());
  const pb::PutResponse put_prev =
      to_pb(mvcc::PutResponse{.revision = 10, .prev_kv = mvcc::KeyValue{.key = "p"}}, kMember);
  ASSERT_TRUE(put_prev.has_prev_kv());
  EXPECT_EQ(put_prev.prev_kv().key(), "p");

  mvcc::DeleteRangeResponse del{.revision = 12, .deleted = 2};
  del.prev_kvs = {{.key = "x"}, {.key = "y"}};
  const pb::DeleteRangeResponse d = to_pb(del, kMember);
  EXPECT_EQ(d.header().raft_term(), 33u);
  EXPECT_EQ(d.deleted(), 2);
  ASSERT_EQ(d.prev_kvs_size(), 2);
  EXPECT_EQ(d.prev_kvs(1).key(), "y");

  const pb::CompactionResponse c = to_pb(mvcc::CompactionResponse{.revision = 13}, kMember);
  EXPECT_EQ(c.header().revision(), 13);
  EXPECT_EQ(c.header().cluster_id(), 11u);

  const pb::HashKVResponse h = to_pb(
      mvcc::HashKvResponse{.hash = 0xdeadbeef, .compact_revision = 5, .revision = 14}, kMember);
  EXPECT_EQ(h.hash(), 0xdeadbeefu);
  EXPECT_EQ(h.compact_revision(), 5);
  EXPECT_EQ(h.header().revision(), 14);
  EXPECT_EQ(h.header().member_id(), 22u);
}

TEST(Responses, WatchReplyCarriesItsRevisionFlagsAndEvents) {
  mvcc::WatchResponse r;
  r.watch_id = 7;
  r.canceled = true;
  r.compact_revision = 5;
  r.cancel_reason = "mvcc: required revision has been compacted";
  r.revision = 12;
  r.events.push_back({.type = mvcc::EventType::kDelete,
                      .kv = {.key = "k", .mod_revision = 12},
                      .revision = {12, 0}});
  const pb::WatchResponse w = to_pb(r, kMember);
  EXPECT_EQ(w.header().revision(), 12);
  EXPECT_EQ(w.header().cluster_id(), 11u);
  EXPECT_EQ(w.header().member_id(), 22u);
  EXPECT_EQ(w.header().raft_term(), 33u);
  EXPECT_EQ(w.watch_id(), 7);
  EXPECT_FALSE(w.created());
  EXPECT_TRUE(w.canceled());
  EXPECT_EQ(w.compact_revision(), 5);
  EXPECT_EQ(w.cancel_reason(), r.cancel_reason);
  ASSERT_EQ(w.events_size(), 1);
  EXPECT_EQ(w.events(0).type(), mvccpb::Event::DELETE);
  EXPECT_EQ(w.events(0).kv().mod_revision(), 12);
  r.created = true;
  r.canceled = false;
  EXPECT_TRUE(to_pb(r, kMember).created());
}

TEST(Responses, NestedHeadersCarryOnlyTheirRevision) {
  auto inner = std::make_shared<mvcc::TxnResponse>();
  inner->succeeded = false;
  inner->responses.push_back(mvcc::DeleteRangeResponse{.revision = 8, .deleted = 1});
  mvcc::TxnResponse top{.revision = 8, .succeeded = true};
  top.responses.push_back(mvcc::PutResponse{.revision = 8});
  top.responses.push_back(mvcc::RangeResponse{.revision = 7});
  top.responses.push_back(inner);
  top.responses.push_back(std::shared_ptr<mvcc::TxnResponse>());  // tolerated: empty txn

  const pb::TxnResponse out = to_pb(top, kMember);
  EXPECT_EQ(out.header().cluster_id(), 11u);
  EXPECT_EQ(out.header().revision(), 8);
  EXPECT_TRUE(out.succeeded());
  ASSERT_EQ(out.responses_size(), 4);

  const pb::ResponseHeader& put = out.responses(0).response_put().header();
  EXPECT_EQ(put.revision(), 8);
  EXPECT_EQ(put.cluster_id(), 0u);
  EXPECT_EQ(put.member_id(), 0u);
  EXPECT_EQ(put.raft_term(), 0u);
  EXPECT_EQ(out.responses(1).response_range().header().revision(), 7);
  EXPECT_EQ(out.responses(1).response_range().header().member_id(), 0u);

  // A nested txn's header is present and empty: etcd sends the field with no content.
  const pb::TxnResponse& nested = out.responses(2).response_txn();
  ASSERT_TRUE(nested.has_header());
  EXPECT_EQ(nested.header().ByteSizeLong(), 0u);
  EXPECT_FALSE(nested.succeeded());
  ASSERT_EQ(nested.responses_size(), 1);
  EXPECT_EQ(nested.responses(0).response_delete_range().deleted(), 1);
  EXPECT_EQ(nested.responses(0).response_delete_range().header().revision(), 8);
  EXPECT_EQ(bytes(nested).substr(0, 2), std::string("\x0a\x00", 2));

  ASSERT_TRUE(out.responses(3).has_response_txn());
  EXPECT_TRUE(out.responses(3).response_txn().has_header());
}

// ---- errors -----------------------------------------------------------------------------

struct Expected {
  grpc::StatusCode code;
  std::string message;
};

void expect_status(const Error& error, const Expected& want) {
  const grpc::Status s = to_status(error);
  EXPECT_EQ(s.error_code(), want.code) << error.message;
  EXPECT_EQ(s.error_message(), want.message) << error.message;
}

TEST(Errors, EveryStoreCode) {
  const std::pair<mvcc::ErrorCode, Expected> cases[] = {
      {mvcc::ErrorCode::kCompacted,
       {grpc::StatusCode::OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"}},
      {mvcc::ErrorCode::kFutureRevision,
       {grpc::StatusCode::OUT_OF_RANGE,
        "etcdserver: mvcc: required revision is a future revision"}},
      {mvcc::ErrorCode::kKeyNotFound,
       {grpc::StatusCode::INVALID_ARGUMENT, "etcdserver: key not found"}},
      {mvcc::ErrorCode::kEmptyKey,
       {grpc::StatusCode::INVALID_ARGUMENT, "etcdserver: key is not provided"}},
      {mvcc::ErrorCode::kValueProvided,
       {grpc::StatusCode::INVALID_ARGUMENT, "etcdserver: value is provided"}},
      {mvcc::ErrorCode::kLeaseProvided,
       {grpc::StatusCode::INVALID_ARGUMENT, "etcdserver: lease is provided"}},
      {mvcc::ErrorCode::kTooManyOps,
       {grpc::StatusCode::INVALID_ARGUMENT, "etcdserver: too many operations in txn request"}},
      {mvcc::ErrorCode::kDuplicateKey,
       {grpc::StatusCode::INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"}},
      {mvcc::ErrorCode::kInvalidSortOption,
       {grpc::StatusCode::INVALID_ARGUMENT, "etcdserver: invalid sort option"}},
  };
  for (const auto& [code, want] : cases)
    expect_status(mvcc::make_error(code), want);
}

// The texts the rest of the server reports, as plain messages (no code); etcd 3.4's codes.
TEST(Errors, EveryServerText) {
  using C = grpc::StatusCode;
  const std::pair<std::string_view, C> cases[] = {
      {"etcdserver: no leader", C::UNAVAILABLE},
      {"etcdserver: request timed out", C::UNAVAILABLE},
      {"etcdserver: server stopped", C::UNAVAILABLE},
      {"etcdserver: request is too large", C::INVALID_ARGUMENT},
      {"etcdserver: requested lease not found", C::NOT_FOUND},
      {"etcdserver: member not found", C::NOT_FOUND},
      {"etcdserver: Peer URLs already exists", C::FAILED_PRECONDITION},
      {"etcdserver: member ID already exist", C::FAILED_PRECONDITION},
      {"etcdserver: unhealthy cluster", C::UNAVAILABLE},
      {"etcdserver: can only promote a learner member", C::FAILED_PRECONDITION},
      {"etcdserver: can only promote a learner member which is in sync with leader",
       C::FAILED_PRECONDITION},
      {"etcdserver: mvcc: database space exceeded", C::RESOURCE_EXHAUSTED},
      {"etcdserver: mvcc: required revision has been compacted", C::OUT_OF_RANGE},
      {"etcdserver: mvcc: required revision is a future revision", C::OUT_OF_RANGE},
      {"etcdserver: lease already exists", C::FAILED_PRECONDITION},
      {"etcdserver: too large lease TTL", C::OUT_OF_RANGE},
      {"etcdserver: watch canceled", C::CANCELLED},
      {"etcdserver: re-configuration failed due to not enough started members",
       C::FAILED_PRECONDITION},
      {"etcdserver: given member URLs are invalid", C::INVALID_ARGUMENT},
      {"etcdserver: too many learner members in cluster", C::FAILED_PRECONDITION},
      {"etcdserver: too many requests", C::RESOURCE_EXHAUSTED},
      {"etcdserver: root user does not exist", C::FAILED_PRECONDITION},
      {"etcdserver: root user does not have root role", C::FAILED_PRECONDITION},
      {"etcdserver: user name already exists", C::FAILED_PRECONDITION},
      {"etcdserver: user name is empty", C::INVALID_ARGUMENT},
      {"etcdserver: user name not found", C::FAILED_PRECONDITION},
      {"etcdserver: role name already exists", C::FAILED_PRECONDITION},
      {"etcdserver: role name not found", C::FAILED_PRECONDITION},
      {"etcdserver: role name is empty", C::INVALID_ARGUMENT},
      {"etcdserver: authentication failed, invalid user ID or password", C::INVALID_ARGUMENT},
      {"etcdserver: permission denied", C::PERMISSION_DENIED},
      {"etcdserver: role is not granted to the user", C::FAILED_PRECONDITION},
      {"etcdserver: permission is not granted to the role", C::FAILED_PRECONDITION},
      {"etcdserver: authentication is not enabled", C::FAILED_PRECONDITION},
      {"etcdserver: invalid auth token", C::UNAUTHENTICATED},
      {"etcdserver: invalid auth management", C::INVALID_ARGUMENT},
      {"etcdserver: revision of auth store is old", C::INVALID_ARGUMENT},
      {"etcdserver: not leader", C::FAILED_PRECONDITION},
      {"etcdserver: leader changed", C::UNAVAILABLE},
      {"etcdserver: not capable", C::UNAVAILABLE},
      {"etcdserver: request timed out, possibly due to previous leader failure", C::UNAVAILABLE},
      {"etcdserver: request timed out, possibly due to connection lost", C::UNAVAILABLE},
      {"etcdserver: request timed out, waiting for the applied index took too long",
       C::UNAVAILABLE},
      {"etcdserver: corrupt cluster", C::DATA_LOSS},
      {"etcdserver: rpc not supported for learner", C::UNAVAILABLE},
      {"etcdserver: bad leader transferee", C::FAILED_PRECONDITION},
  };
  for (const auto& [message, code] : cases) {
    expect_status(Error{std::string(message)}, {code, std::string(message)});
  }
  // errors.h's constants are those texts.
  expect_status(Error{std::string(errors::kNoLeader)}, {C::UNAVAILABLE, "etcdserver: no leader"});
  expect_status(Error{std::string(errors::kLearnerNotReady)},
                {C::FAILED_PRECONDITION,
                 "etcdserver: can only promote a learner member which is in sync with leader"});
}

TEST(Errors, AnythingElseIsUnknownWithItsMessage) {
  expect_status(Error{"disk on fire"}, {grpc::StatusCode::UNKNOWN, "disk on fire"});
  expect_status(Error{""}, {grpc::StatusCode::UNKNOWN, ""});
  // Near misses are not matches.
  expect_status(Error{"etcdserver: no leader "},
                {grpc::StatusCode::UNKNOWN, "etcdserver: no leader "});
  expect_status(Error{"etcdserver: request timed ou"},
                {grpc::StatusCode::UNKNOWN, "etcdserver: request timed ou"});
  // Another module's code 1 is not the store's kCompacted.
  expect_status(Error{"wal: bad record", 1}, {grpc::StatusCode::UNKNOWN, "wal: bad record"});
  // The store's own texts count without the code.
  expect_status(
      Error{"mvcc: required revision has been compacted"},
      {grpc::StatusCode::OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"});
}

}  // namespace
}  // namespace etcd::v3rpc
