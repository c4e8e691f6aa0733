// Whole responses against etcd 3.4's bytes: a fixed sequence of KV requests, sent to a
// fresh single-member etcd 3.4.23 by testdata/capture_etcd34.py, with the raw protobuf it
// answered (or its gRPC error). Replaying each request through from_pb, our store and
// to_pb must give the same bytes, nested txn headers included; the watcher's responses are
// rebuilt from the store's events.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "etcd/mvcc/kv_store.h"
#include "etcd/store/database.h"
#include "etcd/v3rpc/convert.h"
#include "etcdserverpb/rpc.pb.h"

namespace etcd::v3rpc {
namespace {

namespace pb = etcdserverpb;

// The captured member's identity (a fresh data dir with the default name and peer URL
// http://127.0.0.1:23801 gives the same ids every time).
constexpr HeaderFields kEtcdMember{
    .cluster_id = 15118495548433857066ULL, .member_id = 13668033151171901709ULL, .raft_term = 2};

struct Step {
  std::string_view method;
  std::string_view request;   // hex
  std::string_view response;  // hex; empty when etcd answered an error
  std::string_view code;      // the error's gRPC code name
  std::string_view message;
};

constexpr Step kSteps[] = {
    {"Put", "0a03672f61120131", "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd0118022002", "", ""},
    {"Put", "0a03672f621203626565", "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd0118032002", "",
     ""},
    {"Txn",
     "0a0a10031a03672f613a013112070a050a03672f61123e223c0a0908011a03672f612000120c120a0a03672f63120"
     "1322001120e220c120a0a080a02672f1202673012081a060a04672f7a7a1a071a050a03672f611a0e120c0a07672f"
     "6e65766572120178",
     "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd011804200210011a180a160a021803120e0a03672f61100"
     "2180220012a013120011a5a22580a0010011a0612040a0218041a4222400a0010011a3a0a380a021804120e0a0367"
     "2f611002180220012a013112100a03672f621003180320012a03626565120e0a03672f631004180420012a0132200"
     "31a061a040a021804",
     "", ""},
    {"Put", "0a03672f61120278792001",
     "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd0118052002120e0a03672f611002180220012a0131", "",
     ""},
    {"Range", "0a02672f120267301801",
     "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd0118052002120f0a03672f611002180520022a027879180"
     "12003",
     "", ""},
    {"Range", "0a02672f12026730280230034001",
     "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd0118052002120b0a03672f61100218052002120b0a03672"
     "f63100418042001120b0a03672f621003180320012003",
     "", ""},
    {"Range", "0a02672f1202673020034801",
     "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd01180520022002", "", ""},
    {"Txn",
     "0a071a03672f6120020a0b080210011a03672f6128030a0f080110021a02672f300182040267300a0c080310031a0"
     "3672f623a01780a0910041a03672f614007120e120c0a07672f6e657665721201781a0a12080a03672f641201641a"
     "091a070a03672f6218011a0c0a0a0a02672f120267302002",
     "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd01180620021a0612040a0218061a1a1a180a02180610011"
     "a100a03672f621003180320012a036265651a180a160a021806120e0a03672f611002180220012a01312001",
     "", ""},
    {"DeleteRange", "0a02672f120267301801",
     "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd011807200210031a0f0a03672f611002180520022a02787"
     "91a0e0a03672f631004180420012a01321a0e0a03672f641006180620012a0164",
     "", ""},
    {"DeleteRange", "0a09672f6e6f7468696e67",
     "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd0118072002", "", ""},
    {"Put", "0a03672f65", "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd0118082002", "", ""},
    {"Compact", "0804", "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd0118082002", "", ""},
    {"Range", "0a03672f612003", "", "OUT_OF_RANGE",
     "etcdserver: mvcc: required revision has been compacted"},
    {"Range", "0a03672f612064", "", "OUT_OF_RANGE",
     "etcdserver: mvcc: required revision is a future revision"},
    {"Range", "", "", "INVALID_ARGUMENT", "etcdserver: key is not provided"},
    {"Put", "0a09672f6d697373696e672801", "", "INVALID_ARGUMENT", "etcdserver: key not found"},
    {"Put", "0a03672f651201762801", "", "INVALID_ARGUMENT", "etcdserver: value is provided"},
    {"Txn", "120a12080a03672f78120131120a12080a03672f78120132", "", "INVALID_ARGUMENT",
     "etcdserver: duplicate key given in txn request"},
    {"Txn", "120a12080a03672f781201311200", "", "INVALID_ARGUMENT", "etcdserver: key not found"},
};

// The responses of a watcher on [g/, g0) with prev_kv, created before the first step.
constexpr std::string_view kWatch[] = {
    "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd01180220025a10120e0a03672f611002180220012a0131",
    "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd01180320025a1212100a03672f621003180320012a036265"
    "65",
    "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd01180420025a10120e0a03672f631004180420012a0132",
    "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd01180520025a21120f0a03672f611002180520022a027879"
    "1a0e0a03672f611002180220012a0131",
    "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd01180620025a10120e0a03672f641006180620012a01645a"
    "1d080112070a03672f6218061a100a03672f621003180320012a03626565",
    "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd01180720025a1c080112070a03672f6118071a0f0a03672f"
    "611002180520022a0278795a1b080112070a03672f6318071a0e0a03672f631004180420012a01325a1b080112070a"
    "03672f6418071a0e0a03672f641006180620012a0164",
    "0a1a08aaf4e5f599f3ebe7d101108df2f48ec1f7a6d7bd01180820025a0d120b0a03672f65100818082001",
};

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string_view code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    default:
      return "other";
  }
}

class Etcd34Replay : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(":memory:");
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    auto kv = mvcc::KvStore::open(*db_);
    ASSERT_TRUE(kv.ok()) << kv.error().message;
    kv_ = std::move(kv).value();
  }

  // Each write in its own SQLite transaction, as the server's batch would hold it.
  template <typename F>
  auto write(F&& f) {
    db_->exec("BEGIN");
    auto result = f();
    db_->exec("COMMIT");
    return result;
  }

  template <typename R>
  void expect(const Step& step, const Result<R>& result) {
    if (step.response.empty()) {
      ASSERT_FALSE(result.ok()) << "etcd failed with " << step.message;
      const grpc::Status status = to_status(result.error());
      EXPECT_EQ(code_name(status.error_code()), step.code);
      EXPECT_EQ(status.error_message(), step.message);
      return;
    }
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(hex(to_pb(*result, kEtcdMember).SerializeAsString()), step.response);
  }

  std::unique_ptr<store::Database> db_;
  std::unique_ptr<mvcc::KvStore> kv_;
};

TEST_F(Etcd34Replay, ResponsesAreEtcdsBytes) {
  size_t watched = 0;
  for (const Step& step : kSteps) {
    SCOPED_TRACE(std::string(step.method) + " " + std::string(step.request));
    const std::string request = unhex(step.request);
    const int64_t before = kv_->current_revision();
    if (step.method == "Range") {
      pb::RangeRequest in;
      ASSERT_TRUE(in.ParseFromString(request));
      expect(step, kv_->range(from_pb(in)));
    } else if (step.method == "Put") {
      pb::PutRequest in;
      ASSERT_TRUE(in.ParseFromString(request));
      expect(step, write([&] { return kv_->put(from_pb(in)); }));
    } else if (step.method == "DeleteRange") {
      pb::DeleteRangeRequest in;
      ASSERT_TRUE(in.ParseFromString(request));
      expect(step, write([&] { return kv_->delete_range(from_pb(in)); }));
    } else if (step.method == "Txn") {
      pb::TxnRequest in;
      ASSERT_TRUE(in.ParseFromString(request));
      auto txn = from_pb(in);
      if (!txn.ok()) {
        expect(step, Result<mvcc::TxnResponse>(txn.error()));
      } else {
        expect(step, write([&] { return kv_->txn(*txn); }));
      }
    } else if (step.method == "Compact") {
      pb::CompactionRequest in;
      ASSERT_TRUE(in.ParseFromString(request));
      expect(step, write([&] { return kv_->compact(from_pb(in)); }));
    } else {
      FAIL() << "unknown method " << step.method;
    }

    // Every new revision is one watch response: its events, each with prev_kv.
    const int64_t after = kv_->current_revision();
    if (after == before) continue;
    ASSERT_EQ(after, before + 1);
    auto events = kv_->events(after, after, 0, /*prev_kv=*/true);
    ASSERT_TRUE(events.ok()) << events.error().message;
    pb::WatchResponse watch;
    fill_header(watch.mutable_header(), kEtcdMember.cluster_id, kEtcdMember.member_id, after,
                kEtcdMember.raft_term);
    for (const mvcc::Event& event : *events)
      *watch.add_events() = to_pb(event);
    ASSERT_LT(watched, std::size(kWatch));
    EXPECT_EQ(hex(watch.SerializeAsString()), kWatch[watched]) << "revision " << after;
    ++watched;
  }
  EXPECT_EQ(watched, std::size(kWatch));
}

// etcd's bytes parse with our messages and serialize back unchanged: same numbers, same
// types (a wrong type would land in unknown fields and serialize elsewhere).
TEST(Etcd34Bytes, ParseAndReserializeUnchanged) {
  for (const Step& step : kSteps) {
    if (step.response.empty()) continue;
    const std::string bytes = unhex(step.response);
    std::string again;
    if (step.method == "Range") {
      pb::RangeResponse m;
      ASSERT_TRUE(m.ParseFromString(bytes));
      again = m.SerializeAsString();
    } else if (step.method == "Put") {
      pb::PutResponse m;
      ASSERT_TRUE(m.ParseFromString(bytes));
      again = m.SerializeAsString();
    } else if (step.method == "DeleteRange") {
      pb::DeleteRangeResponse m;
      ASSERT_TRUE(m.ParseFromString(bytes));
      again = m.SerializeAsString();
    } else if (step.method == "Txn") {
      pb::TxnResponse m;
      ASSERT_TRUE(m.ParseFromString(bytes));
      again = m.SerializeAsString();
    } else {
      pb::CompactionResponse m;
      ASSERT_TRUE(m.ParseFromString(bytes));
      again = m.SerializeAsString();
    }
    EXPECT_EQ(hex(again), step.response) << step.method;
  }
  for (std::string_view response : kWatch) {
    pb::WatchResponse m;
    ASSERT_TRUE(m.ParseFromString(unhex(response)));
    EXPECT_FALSE(m.events().empty());
    EXPECT_EQ(hex(m.SerializeAsString()), response);
  }
}

}  // namespace
}  // namespace etcd::v3rpc
