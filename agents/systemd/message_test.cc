// Message reading and writing, carried as signal bodies between two connections on a
// private bus: containers (variants, dicts), peeking, skipping, and type errors.
#include "agents/systemd/message.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agents/systemd/bus.h"
#include "agents/systemd/testing/bus_fixture.h"

namespace corestack::systemd {
namespace {

using testing::kTestTimeout;
using Strings = std::vector<std::string>;

class MessageTest : public testing::PrivateBusTest {
 protected:
  // Sends a signal whose body `fill` writes; returns it as received.
  Message round_trip(const std::function<void(Message&)>& fill) {
    Bus sender = connect();
    Bus receiver = connect();
    std::optional<Message> got;
    Slot slot = receiver.match_signal("", "/t", "com.example.T", "Body",
                                      [&](Message& m) { got.emplace(std::move(m)); });
    Message m = sender.new_signal("/t", "com.example.T", "Body");
    fill(m);
    sender.send(m);
    sender.flush();
    if (!receiver.run_until([&] { return got.has_value(); }, kTestTimeout)) {
      throw std::runtime_error("signal not received");
    }
    return std::move(*got);
  }
};

TEST_F(MessageTest, HeaderFields) {
  Message m = round_trip([](Message& m) { m.append("x"); });
  EXPECT_EQ(m.interface(), "com.example.T");
  EXPECT_EQ(m.member(), "Body");
  EXPECT_EQ(m.path(), "/t");
  EXPECT_EQ(m.sender().rfind(":", 0), 0u);
  EXPECT_TRUE(m.is_signal("com.example.T", "Body"));
  EXPECT_TRUE(m.is_signal("com.example.T", nullptr));
  EXPECT_FALSE(m.is_signal("com.example.T", "Other"));
  EXPECT_FALSE(m.is_method_call(nullptr, nullptr));
  EXPECT_EQ(m.describe(), "signal com.example.T.Body on /t");
}

TEST_F(MessageTest, ReadsVariantsAndDictionaries) {
  // a{sv}, as GetUnitProperties returns: {"ActiveState": <"active">, "NRestarts": <u 3>}.
  Message m = round_trip([](Message& m) {
    m.open('a', "{sv}");
    m.open('e', "sv").append("ActiveState").open('v', "s").append("active").close().close();
    m.open('e', "sv").append("NRestarts").open('v', "u").append(uint32_t{3}).close().close();
    m.close();
  });
  ASSERT_EQ(m.signature(), "a{sv}");
  std::map<std::string, std::string> seen;
  ASSERT_TRUE(m.enter('a', "{sv}"));
  while (m.enter('e', "sv")) {
    std::string key;
    m.read(key);
    std::string contents;
    ASSERT_EQ(m.peek_type(&contents), 'v');
    ASSERT_TRUE(m.enter('v', nullptr));
    if (contents == "s") {
      m.read(seen[key]);
    } else {
      uint32_t n = 0;
      m.read(n);
      seen[key] = "u" + std::to_string(n);
    }
    m.exit();
    m.exit();
  }
  m.exit();
  EXPECT_EQ(seen,
            (std::map<std::string, std::string>{{"ActiveState", "active"}, {"NRestarts", "u3"}}));
}

TEST_F(MessageTest, PeekSkipRewindAndEnd) {
  Message m =
      round_trip([](Message& m) { m.append(int64_t{1}, std::vector<std::string>{"a"}, "end"); });
  EXPECT_EQ(m.peek_type(), 'x');
  m.skip();
  std::string contents;
  EXPECT_EQ(m.peek_type(&contents), 'a');
  EXPECT_EQ(contents, "s");
  m.skip();
  EXPECT_EQ(m.read<std::string>(), std::tuple<std::string>{"end"});
  EXPECT_TRUE(m.at_end());
  EXPECT_EQ(m.peek_type(), '\0');
  EXPECT_FALSE(m.enter('a', "s"));
  m.rewind();
  EXPECT_EQ(m.read<int64_t>(), std::tuple<int64_t>{1});
}

TEST_F(MessageTest, EmptyArrayReadsEmpty) {
  Message m = round_trip([](Message& m) { m.append(Strings{}); });
  EXPECT_EQ(m.read<Strings>(), std::tuple<Strings>{});
  EXPECT_TRUE(m.at_end());
}

TEST_F(MessageTest, WrongTypeThrowsAClearBusError) {
  Message m = round_trip([](Message& m) { m.append(int64_t{0}, 0.0, "op"); });
  try {
    m.read<int64_t, double, int64_t>();
    FAIL() << "no error";
  } catch (const BusError& e) {
    EXPECT_EQ(e.name, "org.freedesktop.DBus.Error.InvalidArgs");
    EXPECT_EQ(std::string(e.what()),
              "Reading 'x' from signal com.example.T.Body on /t (signature 'xds'): found 's'");
  }
}

TEST_F(MessageTest, ReadingPastTheEndThrows) {
  Message m = round_trip([](Message& m) { m.append(true); });
  EXPECT_EQ(m.read<bool>(), std::tuple<bool>{true});
  try {
    m.read<std::string>();
    FAIL() << "no error";
  } catch (const BusError& e) {
    EXPECT_NE(std::string(e.what()).find("found the end of the container"), std::string::npos)
        << e.what();
  }
}

TEST_F(MessageTest, EnteringTheWrongContainerThrows) {
  Message m = round_trip([](Message& m) { m.append(Strings{"a"}); });
  try {
    m.enter('a', "(ss)");
    FAIL() << "no error";
  } catch (const BusError& e) {
    EXPECT_NE(std::string(e.what()).find("container 'a(ss)'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("found 'as'"), std::string::npos) << e.what();
  }
}

TEST_F(MessageTest, StringArrayAcceptsObjectPaths) {
  Message m = round_trip(
      [](Message& m) { m.open('a', "o").append(ObjectPath{"/a"}, ObjectPath{"/b"}).close(); });
  EXPECT_EQ(m.signature(), "ao");
  EXPECT_EQ(m.read<Strings>(), (std::tuple<Strings>{Strings{"/a", "/b"}}));
}

TEST_F(MessageTest, AppendingAnInvalidObjectPathThrows) {
  Bus bus = connect();
  Message m = bus.new_signal("/t", "com.example.T", "Body");
  EXPECT_THROW(m.append(ObjectPath{"not a path"}), BusError);
}

TEST_F(MessageTest, InvalidSignalPathThrows) {
  Bus bus = connect();
  EXPECT_THROW(bus.new_signal("relative", "com.example.T", "Body"), BusError);
}

}  // namespace
}  // namespace corestack::systemd
