#include "agents/systemd/bus.h"

#include <poll.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <ctime>
#include <exception>
#include <string>
#include <utility>

namespace corestack::systemd {
namespace detail {

struct BusState {
  std::exception_ptr handler_exception;  // the first one since the last process()
};

}  // namespace detail
namespace {

using detail::BusState;
using SteadyClock = std::chrono::steady_clock;

const char* or_null(const std::string& s) {
  return s.empty() ? nullptr : s.c_str();
}

uint64_t to_usec(std::chrono::microseconds d) {
  return d.count() <= 0 ? 0 : static_cast<uint64_t>(d.count());
}

std::string call_context(const std::string& verb, const Message& m) {
  return verb + " " + m.destination() + " " + m.path() + " " + m.interface() + "." + m.member();
}

struct ErrorHolder {
  ErrorHolder() = default;
  ErrorHolder(const ErrorHolder&) = delete;
  ErrorHolder& operator=(const ErrorHolder&) = delete;
  ~ErrorHolder() { sd_bus_error_free(&error); }
  sd_bus_error error = SD_BUS_ERROR_NULL;
};

// Heap-held so the pointer sd-bus keeps as userdata survives moves of Bus and Slot; freed by
// the slot's destroy callback.
struct Handler {
  std::function<void(Message&)> fn;
  BusState* state;
};

void destroy_handler(void* userdata) {
  delete static_cast<Handler*>(userdata);
}

int on_signal(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* handler = static_cast<Handler*>(userdata);
  try {
    Message message = Message::ref(m);
    handler->fn(message);
  } catch (...) {
    // Exceptions must not unwind through sd-bus (C); process() rethrows it.
    if (!handler->state->handler_exception) {
      handler->state->handler_exception = std::current_exception();
    }
  }
  return 0;  // other matches see the signal too
}

void answer_unanswered(Message& call, const char* name, const std::string& text) {
  if (call && !call.replied()) reply_error(call, name, text);
}

int on_method_call(sd_bus_message* m, void* userdata, sd_bus_error*) {
  uint8_t type = 0;
  if (sd_bus_message_get_type(m, &type) < 0 || type != SD_BUS_MESSAGE_METHOD_CALL) return 0;
  auto* handler = static_cast<Handler*>(userdata);
  Message call = Message::ref(m);
  try {
    try {
      handler->fn(call);
    } catch (const BusError& e) {
      answer_unanswered(call, e.name.c_str(), e.what());
      return 1;
    } catch (const std::exception& e) {
      answer_unanswered(call, SD_BUS_ERROR_FAILED, e.what());
      return 1;
    }
    // A moved-out call (empty here) is answered later by whoever took it.
    answer_unanswered(call, SD_BUS_ERROR_UNKNOWN_METHOD,
                      "Unknown method " + call.member() + " or interface " + call.interface() +
                          " on " + call.path());
    return 1;
  } catch (...) {
    return -EIO;  // could not even send the error: sd-bus replies with this errno
  }
}

}  // namespace

Bus::Bus(sd_bus* bus) : bus_(bus), state_(std::make_unique<BusState>()) {}

Bus::Bus(Bus&& other) noexcept
    : bus_(std::exchange(other.bus_, nullptr)), state_(std::move(other.state_)) {}

Bus& Bus::operator=(Bus&& other) noexcept {
  if (this != &other) {
    sd_bus_flush_close_unref(bus_);
    bus_ = std::exchange(other.bus_, nullptr);
    state_ = std::move(other.state_);
  }
  return *this;
}

Bus::~Bus() {
  sd_bus_flush_close_unref(bus_);
}

Bus Bus::open_system() {
  sd_bus* bus = nullptr;
  const int r = sd_bus_open_system(&bus);
  if (r < 0) throw_errno("Connecting to the system bus", r);
  return Bus(bus);
}

Bus Bus::open_address(const std::string& address) {
  sd_bus* raw = nullptr;
  int r = sd_bus_new(&raw);
  if (r < 0) throw_errno("Creating a bus connection", r);
  Bus bus(raw);
  const std::string context = "Connecting to the bus at " + address;
  if ((r = sd_bus_set_address(raw, address.c_str())) < 0) throw_errno(context, r);
  if ((r = sd_bus_set_bus_client(raw, 1)) < 0) throw_errno(context, r);
  if ((r = sd_bus_start(raw)) < 0) throw_errno(context, r);
  return bus;
}

Message Bus::new_method_call(const std::string& destination, const std::string& path,
                             const std::string& interface, const std::string& member) {
  sd_bus_message* m = nullptr;
  const int r = sd_bus_message_new_method_call(bus_, &m, or_null(destination), path.c_str(),
                                               or_null(interface), member.c_str());
  if (r < 0) {
    throw_errno("Creating method call " + destination + " " + path + " " + interface + "." + member,
                r);
  }
  return Message::adopt(m);
}

Message Bus::call(Message& method_call, std::chrono::microseconds timeout) {
  ErrorHolder error;
  sd_bus_message* reply = nullptr;
  const int r = sd_bus_call(bus_, method_call.get(), to_usec(timeout), &error.error, &reply);
  if (r == -ETIMEDOUT && !sd_bus_error_is_set(&error.error)) {
    throw_errno(call_context("Calling", method_call) + " (no reply within " +
                    std::to_string(timeout.count() / 1000) + " ms)",
                r);
  }
  if (r < 0) throw_error(call_context("Calling", method_call), error.error, r);
  return Message::adopt(reply);
}

Message Bus::new_signal(const std::string& path, const std::string& interface,
                        const std::string& member) {
  sd_bus_message* m = nullptr;
  const int r =
      sd_bus_message_new_signal(bus_, &m, path.c_str(), interface.c_str(), member.c_str());
  if (r < 0) throw_errno("Creating signal " + interface + "." + member + " on " + path, r);
  return Message::adopt(m);
}

void Bus::send(Message& message) {
  const int r = sd_bus_send(bus_, message.get(), nullptr);
  if (r < 0) throw_errno("Sending " + message.describe(), r);
}

void Bus::flush() {
  const int r = sd_bus_flush(bus_);
  if (r < 0) throw_errno("Flushing the bus connection", r);
}

Slot Bus::match_signal(const std::string& sender, const std::string& path,
                       const std::string& interface, const std::string& member,
                       std::function<void(Message&)> handler) {
  auto owned = std::make_unique<Handler>(Handler{std::move(handler), state_.get()});
  sd_bus_slot* slot = nullptr;
  const int r = sd_bus_match_signal(bus_, &slot, or_null(sender), or_null(path), or_null(interface),
                                    or_null(member), on_signal, owned.get());
  if (r < 0) {
    throw_errno("Subscribing to signal " + interface + "." + member + " from '" + sender +
                    "' on '" + path + "'",
                r);
  }
  sd_bus_slot_set_destroy_callback(slot, destroy_handler);
  owned.release();
  return Slot(slot);
}

void Bus::request_name(const std::string& name) {
  const int r = sd_bus_request_name(bus_, name.c_str(), 0);
  if (r == -EALREADY) return;
  if (r == -EEXIST) throw_errno("Requesting bus name " + name + " (another connection owns it)", r);
  if (r < 0) throw_errno("Requesting bus name " + name, r);
}

Slot Bus::serve_object(const std::string& path, std::function<void(Message&)> handler) {
  auto owned = std::make_unique<Handler>(Handler{std::move(handler), state_.get()});
  sd_bus_slot* slot = nullptr;
  const int r = sd_bus_add_object(bus_, &slot, path.c_str(), on_method_call, owned.get());
  if (r < 0) throw_errno("Serving object " + path, r);
  sd_bus_slot_set_destroy_callback(slot, destroy_handler);
  owned.release();
  return Slot(slot);
}

void Bus::rethrow_handler_exception() {
  if (state_->handler_exception)
    std::rethrow_exception(std::exchange(state_->handler_exception, {}));
}

bool Bus::process() {
  const int r = sd_bus_process(bus_, nullptr);
  rethrow_handler_exception();
  if (r < 0) throw_errno("Processing the bus connection", r);
  return r > 0;
}

void Bus::wait(std::chrono::microseconds timeout) {
  const int r = sd_bus_wait(bus_, to_usec(timeout));
  if (r < 0 && r != -EINTR) throw_errno("Waiting on the bus connection", r);
}

void Bus::run_for(std::chrono::microseconds duration) {
  const auto deadline = SteadyClock::now() + duration;
  for (;;) {
    while (process()) {
    }
    const auto now = SteadyClock::now();
    if (now >= deadline) return;
    wait(std::chrono::duration_cast<std::chrono::microseconds>(deadline - now));
  }
}

bool Bus::run_until(const std::function<bool()>& done, std::chrono::microseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (process()) continue;
    const auto now = SteadyClock::now();
    if (now >= deadline) return done();
    wait(std::chrono::duration_cast<std::chrono::microseconds>(deadline - now));
  }
}

int Bus::fd() const {
  const int r = sd_bus_get_fd(bus_);
  if (r < 0) throw_errno("Getting the bus connection's fd", r);
  return r;
}

short Bus::poll_events() const {
  const int r = sd_bus_get_events(bus_);
  if (r < 0) throw_errno("Getting the bus connection's poll events", r);
  return static_cast<short>(r);
}

int Bus::poll_timeout_ms() const {
  uint64_t until_usec = 0;  // absolute, CLOCK_MONOTONIC
  const int r = sd_bus_get_timeout(bus_, &until_usec);
  if (r < 0) throw_errno("Getting the bus connection's timeout", r);
  if (until_usec == UINT64_MAX) return -1;
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const uint64_t now_usec =
      static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
  if (until_usec <= now_usec) return 0;
  const uint64_t ms = (until_usec - now_usec + 999) / 1000;
  return ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
}

std::string Bus::unique_name() const {
  const char* name = nullptr;
  const int r = sd_bus_get_unique_name(bus_, &name);
  if (r < 0) throw_errno("Getting the bus connection's unique name", r);
  return name;
}

Message new_method_return(const Message& call) {
  if (sd_bus_message_get_expect_reply(call.get()) <= 0) return Message();
  sd_bus_message* m = nullptr;
  const int r = sd_bus_message_new_method_return(call.get(), &m);
  if (r < 0) throw_errno("Creating the reply to " + call.describe(), r);
  return Message::adopt(m);
}

void send_reply(Message& call, Message& reply) {
  if (reply) {
    const int r = sd_bus_send(nullptr, reply.get(), nullptr);
    if (r < 0) throw_errno("Replying to " + call.describe(), r);
  }
  call.replied_ = true;
}

void reply_error(Message& call, const std::string& name, const std::string& text) {
  Message reply;
  if (sd_bus_message_get_expect_reply(call.get()) <= 0) {
    send_reply(call, reply);
    return;
  }
  sd_bus_message* m = nullptr;
  const sd_bus_error error = SD_BUS_ERROR_MAKE_CONST(name.c_str(), text.c_str());
  const int r = sd_bus_message_new_method_error(call.get(), &m, &error);
  if (r < 0) throw_errno("Creating error reply " + name + " to " + call.describe(), r);
  reply = Message::adopt(m);
  send_reply(call, reply);
}

}  // namespace corestack::systemd
