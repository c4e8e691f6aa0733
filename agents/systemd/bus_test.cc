// Bus against a private dbus-daemon: calls with typed arguments both ways, error replies,
// names, signal subscriptions and their slots.
#include "agents/systemd/bus.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "agents/systemd/testing/bus_fixture.h"

namespace corestack::systemd {
namespace {

using testing::kTestTimeout;
using testing::ServerThread;
using Strings = std::vector<std::string>;

constexpr const char* kName = "com.example.Test";
constexpr const char* kPath = "/com/example/Test";
constexpr const char* kInterface = "com.example.Test";

class BusTest : public testing::PrivateBusTest {};

// Echo(b y i u x t d s o as) returns its arguments; Fail() answers an error; Ignore() does not
// answer; Units() returns a(ssssssouso) like systemd's ListUnits.
void serve_test_object(Bus& bus, std::vector<Slot>& slots) {
  slots.push_back(bus.serve_object(kPath, [](Message& call) {
    if (call.is_method_call(kInterface, "Echo")) {
      auto [b, y, i, u, x, t, d, s, o, as] =
          call.read<bool, uint8_t, int32_t, uint32_t, int64_t, uint64_t, double, std::string,
                    std::string, Strings>();
      reply(call, b, y, i, u, x, t, d, s, ObjectPath{o}, as);
    } else if (call.is_method_call(kInterface, "Fail")) {
      reply_error(call, "com.example.Error.Nope", "nope, not today");
    } else if (call.is_method_call(kInterface, "TakesInt64")) {
      int64_t v = 0;
      call.read(v);  // a wrong argument type throws, which becomes InvalidArgs
      reply(call, v + 1);
    } else if (call.is_method_call(kInterface, "Units")) {
      Message r = new_method_return(call);
      r.open('a', "(ssssssouso)");
      for (const char* unit : {"a.service", "b.service"}) {
        r.open('r', "ssssssouso");
        r.append(unit, "desc", "loaded", "active", "running", "", ObjectPath{"/unit/a"},
                 uint32_t{7}, "start", ObjectPath{"/job/7"});
        r.close();
      }
      r.close();
      send_reply(call, r);
    }
  }));
  bus.request_name(kName);
}

TEST_F(BusTest, CallsAServedObjectWithTypedArgumentsBothWays) {
  ServerThread server(address(), serve_test_object);
  Bus client = connect();
  const Strings list = {"x.service", "", "y.service"};
  Message r = client.call_method(kName, kPath, kInterface, "Echo", true, uint8_t{200}, int32_t{-5},
                                 uint32_t{4000000000u}, int64_t{-1} << 40, uint64_t{1} << 63, 2.5,
                                 "hello", ObjectPath{"/a/b"}, list);
  EXPECT_EQ(r.signature(), "byiuxtdsoas");
  auto [b, y, i, u, x, t, d, s, o, as] = r.read<bool, uint8_t, int32_t, uint32_t, int64_t, uint64_t,
                                                double, std::string, std::string, Strings>();
  EXPECT_TRUE(b);
  EXPECT_EQ(y, 200);
  EXPECT_EQ(i, -5);
  EXPECT_EQ(u, 4000000000u);
  EXPECT_EQ(x, int64_t{-1} << 40);
  EXPECT_EQ(t, uint64_t{1} << 63);
  EXPECT_EQ(d, 2.5);
  EXPECT_EQ(s, "hello");
  EXPECT_EQ(o, "/a/b");
  EXPECT_EQ(as, list);
  EXPECT_TRUE(r.at_end());
}

TEST_F(BusTest, ReadsAStructArrayReply) {
  ServerThread server(address(), serve_test_object);
  Bus client = connect();
  Message r = client.call_method(kName, kPath, kInterface, "Units");
  ASSERT_EQ(r.signature(), "a(ssssssouso)");
  std::vector<std::string> names;
  ASSERT_TRUE(r.enter('a', "(ssssssouso)"));
  while (r.enter('r', "ssssssouso")) {
    std::string name, description, load, active, sub, following, unit_path, job_type, job_path;
    uint32_t job_id = 0;
    r.read(name, description, load, active, sub, following, unit_path, job_id, job_type, job_path);
    EXPECT_EQ(active, "active");
    EXPECT_EQ(job_id, 7u);
    EXPECT_EQ(job_path, "/job/7");
    names.push_back(name);
    r.exit();
  }
  r.exit();
  EXPECT_EQ(names, (Strings{"a.service", "b.service"}));
}

TEST_F(BusTest, ErrorReplySurfacesAsBusErrorWithItsName) {
  ServerThread server(address(), serve_test_object);
  Bus client = connect();
  try {
    client.call_method(kName, kPath, kInterface, "Fail");
    FAIL() << "no error";
  } catch (const BusError& e) {
    EXPECT_EQ(e.name, "com.example.Error.Nope");
    EXPECT_NE(std::string(e.what()).find("nope, not today"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("com.example.Test.Fail"), std::string::npos) << e.what();
  }
}

TEST_F(BusTest, UnansweredCallGetsUnknownMethod) {
  ServerThread server(address(), serve_test_object);
  Bus client = connect();
  try {
    client.call_method(kName, kPath, kInterface, "NoSuchMethod");
    FAIL() << "no error";
  } catch (const BusError& e) {
    EXPECT_EQ(e.name, "org.freedesktop.DBus.Error.UnknownMethod");
  }
}

TEST_F(BusTest, WrongArgumentTypeInAHandlerBecomesInvalidArgs) {
  ServerThread server(address(), serve_test_object);
  Bus client = connect();
  EXPECT_EQ(client.call_method(kName, kPath, kInterface, "TakesInt64", int64_t{41}).read<int64_t>(),
            std::tuple<int64_t>{42});
  try {
    client.call_method(kName, kPath, kInterface, "TakesInt64", "forty-one");
    FAIL() << "no error";
  } catch (const BusError& e) {
    EXPECT_EQ(e.name, "org.freedesktop.DBus.Error.InvalidArgs");
    EXPECT_NE(std::string(e.what()).find("found 's'"), std::string::npos) << e.what();
  }
}

TEST_F(BusTest, CallingANameNobodyOwnsThrowsServiceUnknown) {
  Bus client = connect();
  try {
    client.call_method("com.coreos.update1", "/com/coreos/update1", "com.coreos.update1.Manager",
                       "GetStatus");
    FAIL() << "no error";
  } catch (const BusError& e) {
    EXPECT_EQ(e.name, "org.freedesktop.DBus.Error.ServiceUnknown");
    EXPECT_NE(std::string(e.what()).find("com.coreos.update1"), std::string::npos) << e.what();
  }
}

TEST_F(BusTest, RequestingANameOwnedElsewhereThrows) {
  Bus owner = connect();
  owner.request_name(kName);
  owner.request_name(kName);  // again: fine
  Bus other = connect();
  EXPECT_THROW(other.request_name(kName), BusError);
}

TEST_F(BusTest, ReplyMayBeDeferredByMovingTheCallOut) {
  std::vector<Message> held;  // only touched on the server thread
  ServerThread server(
      address(),
      [&held](Bus& bus, std::vector<Slot>& slots) {
        slots.push_back(
            bus.serve_object(kPath, [&held](Message& call) { held.push_back(std::move(call)); }));
        bus.request_name(kName);
      },
      [&held](Bus&) {
        for (auto& call : held)
          reply(call, "later");
        held.clear();
      });
  Bus client = connect();
  EXPECT_EQ(client.call_method(kName, kPath, kInterface, "Anything").read<std::string>(),
            std::tuple<std::string>{"later"});
}

std::string bus_id(Bus& bus) {
  auto [id] = bus.call_method("org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "GetId")
                  .read<std::string>();
  return id;
}

TEST_F(BusTest, OpenSystemHonoursDbusSystemBusAddress) {
  const char* old = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("DBUS_SYSTEM_BUS_ADDRESS", address().c_str(), 1);
  Bus bus = Bus::open_system();
  if (saved) {
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", saved->c_str(), 1);
  } else {
    ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
  }
  Bus direct = connect();
  EXPECT_EQ(bus_id(bus), bus_id(direct));
}

TEST_F(BusTest, OpenAddressOfADeadSocketThrows) {
  EXPECT_THROW(Bus::open_address("unix:path=" + daemon_->directory() + "/nothing-here"), BusError);
}

struct Received {
  std::vector<std::string> members;
  std::vector<std::string> operations;
};

Slot record(Bus& bus, const std::string& sender, const std::string& member, Received& into) {
  return bus.match_signal(
      sender, "/com/coreos/update1", "com.coreos.update1.Manager", member, [&into](Message& m) {
        into.members.push_back(m.member());
        if (m.signature() == "xdssx") {
          auto [t, p, op, v, n] = m.read<int64_t, double, std::string, std::string, int64_t>();
          into.operations.push_back(op);
        }
      });
}

void emit_status(Bus& bus, const std::string& member, const std::string& op) {
  bus.emit_signal("/com/coreos/update1", "com.coreos.update1.Manager", member, int64_t{0}, 0.0, op,
                  "", int64_t{0});
  bus.flush();
}

TEST_F(BusTest, SignalReachesTheMatchingSubscriptionOnly) {
  Bus emitter = connect();
  Bus listener = connect();
  Received status, all;
  Slot a = record(listener, "", "StatusUpdate", status);
  Slot b = record(listener, "", "", all);
  emit_status(emitter, "SomethingElse", "UPDATE_STATUS_IDLE");
  emit_status(emitter, "StatusUpdate", "UPDATE_STATUS_UPDATED_NEED_REBOOT");
  // One sender's signals arrive in order, so seeing the second means the first was handled.
  ASSERT_TRUE(listener.run_until([&] { return all.members.size() == 2; }, kTestTimeout));
  EXPECT_EQ(status.members, (Strings{"StatusUpdate"}));
  EXPECT_EQ(status.operations, (Strings{"UPDATE_STATUS_UPDATED_NEED_REBOOT"}));
  EXPECT_EQ(all.members, (Strings{"SomethingElse", "StatusUpdate"}));
}

TEST_F(BusTest, MatchesAWellKnownSenderName) {
  Bus owner = connect();
  owner.request_name("com.coreos.update1");
  Bus impostor = connect();
  Bus listener = connect();
  Received got;
  Slot slot = record(listener, "com.coreos.update1", "StatusUpdate", got);
  emit_status(impostor, "StatusUpdate", "UPDATE_STATUS_IDLE");
  // A round trip through the daemon: it has routed the impostor's signal before answering.
  impostor.call_method("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                       "GetId");
  emit_status(owner, "StatusUpdate", "UPDATE_STATUS_UPDATED_NEED_REBOOT");
  ASSERT_TRUE(listener.run_until([&] { return !got.operations.empty(); }, kTestTimeout));
  EXPECT_EQ(got.operations, (Strings{"UPDATE_STATUS_UPDATED_NEED_REBOOT"}));
}

TEST_F(BusTest, MalformedSignalIsDetectedBySignatureAndByReading) {
  Bus emitter = connect();
  Bus listener = connect();
  std::vector<std::string> signatures;
  std::string read_error;
  Slot slot =
      listener.match_signal("", "", "com.coreos.update1.Manager", "StatusUpdate", [&](Message& m) {
        signatures.push_back(m.signature());
        try {
          m.read<int64_t, double, std::string>();
        } catch (const BusError& e) {
          read_error = e.what();
        }
      });
  emitter.emit_signal("/com/coreos/update1", "com.coreos.update1.Manager", "StatusUpdate",
                      "garbage");
  emitter.flush();
  ASSERT_TRUE(listener.run_until([&] { return !signatures.empty(); }, kTestTimeout));
  EXPECT_EQ(signatures, (Strings{"s"}));
  EXPECT_NE(read_error.find("Reading 'x'"), std::string::npos) << read_error;
  EXPECT_NE(read_error.find("found 's'"), std::string::npos) << read_error;
  EXPECT_NE(read_error.find("StatusUpdate"), std::string::npos) << read_error;
}

TEST_F(BusTest, DestroyingTheSlotUnsubscribes) {
  Bus emitter = connect();
  Bus listener = connect();
  Received dropped, kept;
  Slot a = record(listener, "", "StatusUpdate", dropped);
  Slot b = record(listener, "", "StatusUpdate", kept);
  emit_status(emitter, "StatusUpdate", "one");
  ASSERT_TRUE(listener.run_until([&] { return kept.operations.size() == 1; }, kTestTimeout));
  a.reset();
  emit_status(emitter, "StatusUpdate", "two");
  ASSERT_TRUE(listener.run_until([&] { return kept.operations.size() == 2; }, kTestTimeout));
  EXPECT_EQ(dropped.operations, (Strings{"one"}));
  EXPECT_EQ(kept.operations, (Strings{"one", "two"}));
}

TEST_F(BusTest, HandlerMayDestroyItsOwnSlot) {
  Bus emitter = connect();
  Bus listener = connect();
  int calls = 0;
  Slot slot;
  slot = listener.match_signal("", "", "com.coreos.update1.Manager", "StatusUpdate", [&](Message&) {
    slot.reset();
    ++calls;  // reads the closure after the reset: it must still be alive (ASan checks)
  });
  Received kept;
  Slot witness = record(listener, "", "StatusUpdate", kept);
  emit_status(emitter, "StatusUpdate", "one");
  emit_status(emitter, "StatusUpdate", "two");
  ASSERT_TRUE(listener.run_until([&] { return kept.operations.size() == 2; }, kTestTimeout));
  EXPECT_EQ(calls, 1);
}

TEST_F(BusTest, SignalHandlerExceptionPropagatesOutOfProcess) {
  Bus emitter = connect();
  Bus listener = connect();
  Slot slot = listener.match_signal("", "", "com.coreos.update1.Manager", "StatusUpdate",
                                    [](Message&) { throw std::runtime_error("handler broke"); });
  emit_status(emitter, "StatusUpdate", "one");
  try {
    listener.run_until([] { return false; }, kTestTimeout);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "handler broke");
  }
}

TEST_F(BusTest, ProcessThrowsOnceTheDaemonIsGone) {
  Bus bus = connect();
  std::vector<std::string> local;
  Slot slot = bus.match_signal("", "", "org.freedesktop.DBus.Local", "Disconnected",
                               [&](Message& m) { local.push_back(m.member()); });
  daemon_.reset();
  EXPECT_THROW(bus.run_until([] { return false; }, kTestTimeout), BusError);
  EXPECT_EQ(local, (Strings{"Disconnected"}));
}

}  // namespace
}  // namespace corestack::systemd
