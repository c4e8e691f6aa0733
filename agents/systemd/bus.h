// Bus: one sd-bus connection to a message bus (the system bus, or any address, which is how
// tests use a private dbus-daemon: testing/private_bus.h). It calls methods, emits and
// subscribes to signals, owns names and serves objects, and runs its own small event loop.
// Every failure throws BusError (bus_error.h); an exception thrown by a signal handler
// propagates out of the process()/run_*() call that dispatched it. When the bus daemon goes
// away, process() throws (sd-bus first delivers org.freedesktop.DBus.Local.Disconnected to
// matches on that interface).
//
// Threading: not thread-safe; one Bus per thread. Handlers run inside process() on that thread.
// A Bus must not be used in a child after fork().
#pragma once

#include <systemd/sd-bus.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agents/systemd/bus_error.h"
#include "agents/systemd/message.h"
#include "agents/systemd/slot.h"

namespace corestack::systemd {

namespace detail {
struct BusState;  // what handlers share with their Bus across moves (bus.cc)
}

class Bus {
 public:
  static constexpr std::chrono::microseconds kDefaultCallTimeout = std::chrono::seconds(25);

  // The system bus; sd-bus honours DBUS_SYSTEM_BUS_ADDRESS (tests point it at a private bus).
  static Bus open_system();
  // A bus client (Hello sent) on `address`, e.g. "unix:path=/tmp/x/bus".
  static Bus open_address(const std::string& address);

  Bus(Bus&& other) noexcept;
  Bus& operator=(Bus&& other) noexcept;
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;
  ~Bus();  // flushes queued messages, then closes

  Message new_method_call(const std::string& destination, const std::string& path,
                          const std::string& interface, const std::string& member);
  // Sends `method_call` and blocks for its reply, for at most `timeout`. An error reply throws
  // BusError with the reply's error name (timeout: org.freedesktop.DBus.Error.Timeout or
  // NoReply). Signals arriving meanwhile are queued for the next process().
  Message call(Message& method_call, std::chrono::microseconds timeout = kDefaultCallTimeout);
  template <class... A>
  Message call_method(const std::string& destination, const std::string& path,
                      const std::string& interface, const std::string& member, const A&... args) {
    Message m = new_method_call(destination, path, interface, member);
    m.append(args...);
    return call(m);
  }

  Message new_signal(const std::string& path, const std::string& interface,
                     const std::string& member);
  template <class... A>
  void emit_signal(const std::string& path, const std::string& interface, const std::string& member,
                   const A&... args) {
    Message m = new_signal(path, interface, member);
    m.append(args...);
    send(m);
  }
  // Queues `message` (sealing it); flush() or the event loop writes it out.
  void send(Message& message);
  // Blocks until every queued message is written to the socket.
  void flush();

  // Calls `handler` for every signal matching all non-empty fields. `sender` may be a unique
  // or a well-known name. The match is installed on the bus daemon before this returns, so
  // signals sent afterwards are seen. Unsubscribes when the Slot goes.
  Slot match_signal(const std::string& sender, const std::string& path,
                    const std::string& interface, const std::string& member,
                    std::function<void(Message&)> handler);

  // Owns `name`; throws (org.freedesktop.DBus.Error.FileExists-ish) when another connection
  // owns it. Owning it already is fine.
  void request_name(const std::string& name);
  // Calls `handler` for every method call to `path` (any interface). The handler answers with
  // reply()/reply_error() below; if it returns without answering, the caller gets
  // UnknownMethod; a BusError it throws becomes an error reply with that name, any other
  // exception org.freedesktop.DBus.Error.Failed. To answer later, move the call out of the
  // Message& and reply to it afterwards.
  Slot serve_object(const std::string& path, std::function<void(Message& call)> handler);

  // One step: reads, dispatches or writes at most one message. True if it did something.
  bool process();
  // Blocks until the connection has something to do, for at most `timeout`.
  void wait(std::chrono::microseconds timeout);
  // Processes everything, waiting for more, until `duration` has passed.
  void run_for(std::chrono::microseconds duration);
  // Processes until done() holds (checked before waiting and after every step) or `timeout`
  // passes; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::microseconds timeout);

  // For an external poll(2) loop: wait on fd() for poll_events(), at most poll_timeout_ms()
  // (-1: no deadline), then call process() until it returns false.
  int fd() const;
  short poll_events() const;
  int poll_timeout_ms() const;

  std::string unique_name() const;  // e.g. ":1.42"
  sd_bus* get() const { return bus_; }

 private:
  explicit Bus(sd_bus* bus);
  void rethrow_handler_exception();

  sd_bus* bus_ = nullptr;
  std::unique_ptr<detail::BusState> state_;
};

// Answering a method call from a serve_object() handler (or later, for a moved-out call).
// new_method_return() + send_reply() build a reply by hand (e.g. with open()/close());
// reply() appends `results` in one go. A call flagged no-reply-expected is only marked
// answered (new_method_return() then returns an empty Message).
Message new_method_return(const Message& call);
void send_reply(Message& call, Message& reply);
template <class... A>
void reply(Message& call, const A&... results) {
  Message r = new_method_return(call);
  if (r) r.append(results...);
  send_reply(call, r);
}
// `name` e.g. "org.freedesktop.DBus.Error.InvalidArgs", `text` the human-readable message.
void reply_error(Message& call, const std::string& name, const std::string& text);

}  // namespace corestack::systemd
