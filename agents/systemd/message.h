// Message: an owned reference to one sd_bus_message (a method call, reply, signal or error),
// with typed reading and writing. Reading walks the body in order; a value of the wrong type
// throws BusError (InvalidArgs) naming what was expected, what was found and the message's
// signature, so a caller can validate untrusted signals field by field or compare
// `signature()` first. Containers (arrays 'a', structs 'r', variants 'v', dict entries 'e')
// are entered and exited explicitly, e.g. a(ssssssouso):
//   m.enter('a', "(ssssssouso)"); while (m.enter('r', "ssssssouso")) { m.read(...); m.exit(); }
//   m.exit();
// Move-only: the read position lives in the sd_bus_message, so copies would share it.
// Threading: like the Bus it came from, one thread at a time.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace corestack::systemd {

// A string to append as an object path ('o') rather than as 's'.
struct ObjectPath {
  std::string value;
};

class Message {
 public:
  Message() = default;
  // Takes over one reference the caller holds (e.g. from sd_bus_message_new_*).
  static Message adopt(sd_bus_message* message);
  // Adds a reference of its own (e.g. a message sd-bus lends to a callback).
  static Message ref(sd_bus_message* message);

  Message(Message&& other) noexcept;
  Message& operator=(Message&& other) noexcept;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message();

  sd_bus_message* get() const { return message_; }
  explicit operator bool() const { return message_ != nullptr; }

  // Header fields; empty when absent. signature() is the whole body's, e.g. "xdssx".
  std::string signature() const;
  std::string interface() const;
  std::string member() const;
  std::string path() const;
  std::string sender() const;
  std::string destination() const;
  bool is_signal(const char* interface, const char* member) const;
  bool is_method_call(const char* interface, const char* member) const;
  // For errors: "signal com.coreos.update1.Manager.StatusUpdate on /com/coreos/update1".
  std::string describe() const;

  // Reading the next value. std::string accepts 's', 'o' and 'g'; the vector 'as', 'ao'.
  void read(bool& value);
  void read(uint8_t& value);
  void read(int32_t& value);
  void read(uint32_t& value);
  void read(int64_t& value);
  void read(uint64_t& value);
  void read(double& value);
  void read(std::string& value);
  void read(std::vector<std::string>& value);
  template <class A, class B, class... Rest>
  void read(A& a, B& b, Rest&... rest) {
    read(a);
    read(b, rest...);
  }
  // auto [t, p, op, version, size] = m.read<int64_t, double, std::string, std::string, int64_t>();
  template <class... T>
  std::tuple<T...> read() {
    std::tuple<T...> values;
    std::apply([&](auto&... v) { (read(v), ...); }, values);
    return values;
  }

  // Enters the next value, a container of `type` ('a', 'r', 'v', 'e') whose contents have
  // signature `contents` (nullptr: any). Returns false, entering nothing, when the current
  // container has no more values (the end of an array's elements). Throws on a mismatch.
  bool enter(char type, const char* contents);
  // Leaves the innermost entered container; an array must have been read to its end.
  void exit();
  // True when the current container (or the body) has no more values.
  bool at_end() const;
  // The next value's type code, and its contents for containers; '\0' at the end.
  char peek_type(std::string* contents = nullptr) const;
  // Skips the next complete value, whatever its type.
  void skip();
  // Back to the body's first value.
  void rewind();

  // Writing (before the message is sent). Integers pick their D-Bus type from the C++ type:
  // int32_t 'i', uint32_t 'u', int64_t 'x', uint64_t 't', uint8_t 'y'; strings are 's'.
  template <class... A>
  Message& append(const A&... values) {
    (append_one(values), ...);
    return *this;
  }
  // Opens a container, e.g. open('a', "(sb)") then open('r', "sb") per element.
  Message& open(char type, const char* contents);
  Message& close();

  // Whether reply()/reply_error() (bus.h) answered this method call.
  bool replied() const { return replied_; }

 private:
  explicit Message(sd_bus_message* message) : message_(message) {}
  void read_basic(char type, void* out);
  [[noreturn]] void throw_mismatch(std::string_view expected, char found,
                                   std::string_view found_contents = {}) const;
  void append_basic(char type, const void* value);

  void append_one(bool value);
  void append_one(uint8_t value) { append_basic('y', &value); }
  void append_one(int32_t value) { append_basic('i', &value); }
  void append_one(uint32_t value) { append_basic('u', &value); }
  void append_one(int64_t value) { append_basic('x', &value); }
  void append_one(uint64_t value) { append_basic('t', &value); }
  void append_one(double value) { append_basic('d', &value); }
  void append_one(const char* value) { append_basic('s', value); }
  void append_one(const std::string& value) { append_basic('s', value.c_str()); }
  void append_one(std::string_view value) { append_one(std::string(value)); }
  void append_one(const ObjectPath& value) { append_basic('o', value.value.c_str()); }
  void append_one(const std::vector<std::string>& values);

  friend void send_reply(Message& call, Message& reply);

  sd_bus_message* message_ = nullptr;
  bool replied_ = false;
};

}  // namespace corestack::systemd
