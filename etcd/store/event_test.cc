#include "etcd/store/event.h"

#include <gtest/gtest.h>

namespace etcd::store {
namespace {

Event sample_event() {
  Event e;
  e.action = Action::compare_and_swap;
  e.etcd_index = EtcdIndex(9);
  e.refresh = true;
  e.node.key = "/a";
  e.node.value = std::string("new\0value", 9);
  e.node.expiration_ns = -5;
  e.node.ttl_s = -1;
  e.node.modified_index = EtcdIndex(9);
  e.node.created_index = EtcdIndex(3);
  Node prev;
  prev.key = "/a";
  prev.value = "";
  prev.modified_index = EtcdIndex(8);
  prev.created_index = EtcdIndex(3);
  e.prev_node = prev;
  return e;
}

TEST(Action, WireNames) {
  EXPECT_EQ(action_name(Action::get), "get");
  EXPECT_EQ(action_name(Action::set), "set");
  EXPECT_EQ(action_name(Action::create), "create");
  EXPECT_EQ(action_name(Action::update), "update");
  EXPECT_EQ(action_name(Action::compare_and_swap), "compareAndSwap");
  EXPECT_EQ(action_name(Action::remove), "delete");
  EXPECT_EQ(action_name(Action::compare_and_delete), "compareAndDelete");
  EXPECT_EQ(action_name(Action::expire), "expire");
}

TEST(Event, CreatedMeansCreateOrSetWithoutPrevious) {
  Event e;
  e.action = Action::create;
  EXPECT_TRUE(e.created());
  e.action = Action::set;
  EXPECT_TRUE(e.created());
  e.prev_node = Node{};
  EXPECT_FALSE(e.created());
  e.action = Action::update;
  EXPECT_FALSE(e.created());
}

TEST(EventCodec, RoundTrips) {
  Event e = sample_event();
  std::string bytes;
  encode(e, bytes);
  auto back = decode_event(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, e);

  Event removal;
  removal.action = Action::remove;
  removal.node.key = "/d";
  removal.node.dir = true;
  bytes.clear();
  encode(removal, bytes);
  auto back2 = decode_event(bytes);
  ASSERT_TRUE(back2.ok());
  EXPECT_EQ(*back2, removal);
  EXPECT_FALSE(back2->node.value.has_value());
}

TEST(EventCodec, RejectsEveryTruncation) {
  std::string bytes;
  encode(sample_event(), bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_event(bytes.substr(0, n)).ok()) << "prefix " << n;
  }
}

TEST(EventCodec, RejectsBadVersionActionFlagsAndTrailingBytes) {
  std::string good;
  encode(sample_event(), good);
  std::string bad = good;
  bad[0] = 2;
  EXPECT_FALSE(decode_event(bad).ok());
  bad = good;
  bad[1] = 9;
  EXPECT_FALSE(decode_event(bad).ok());
  bad = good;
  bad[2] = 2;  // refresh flag
  EXPECT_FALSE(decode_event(bad).ok());
  bad = good;
  bad[11] = 4;  // node flags
  EXPECT_FALSE(decode_event(bad).ok());
  EXPECT_FALSE(decode_event(good + "x").ok());
}

}  // namespace
}  // namespace etcd::store
