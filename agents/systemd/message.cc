#include "agents/systemd/message.h"

#include <cerrno>
#include <utility>

#include "agents/systemd/bus_error.h"

namespace corestack::systemd {
namespace {

constexpr const char* kInvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";

std::string or_empty(const char* s) {
  return s != nullptr ? s : "";
}

std::string type_name(char type) {
  if (type == '\0') return "the end of the container";
  return std::string("'") + type + "'";
}

bool is_string_type(char type) {
  return type == 's' || type == 'o' || type == 'g';
}

}  // namespace

Message Message::adopt(sd_bus_message* message) {
  return Message(message);
}

Message Message::ref(sd_bus_message* message) {
  return Message(sd_bus_message_ref(message));
}

Message::Message(Message&& other) noexcept
    : message_(std::exchange(other.message_, nullptr)),
      replied_(std::exchange(other.replied_, false)) {}

Message& Message::operator=(Message&& other) noexcept {
  if (this != &other) {
    sd_bus_message_unref(message_);
    message_ = std::exchange(other.message_, nullptr);
    replied_ = std::exchange(other.replied_, false);
  }
  return *this;
}

Message::~Message() {
  sd_bus_message_unref(message_);
}

std::string Message::signature() const {
  return or_empty(sd_bus_message_get_signature(message_, 1));
}
std::string Message::interface() const {
  return or_empty(sd_bus_message_get_interface(message_));
}
std::string Message::member() const {
  return or_empty(sd_bus_message_get_member(message_));
}
std::string Message::path() const {
  return or_empty(sd_bus_message_get_path(message_));
}
std::string Message::sender() const {
  return or_empty(sd_bus_message_get_sender(message_));
}
std::string Message::destination() const {
  return or_empty(sd_bus_message_get_destination(message_));
}

bool Message::is_signal(const char* interface, const char* member) const {
  return sd_bus_message_is_signal(message_, interface, member) > 0;
}

bool Message::is_method_call(const char* interface, const char* member) const {
  return sd_bus_message_is_method_call(message_, interface, member) > 0;
}

std::string Message::describe() const {
  if (message_ == nullptr) return "empty message";
  uint8_t type = 0;
  sd_bus_message_get_type(message_, &type);
  std::string kind;
  switch (type) {
    case SD_BUS_MESSAGE_METHOD_CALL:
      kind = "method call ";
      break;
    case SD_BUS_MESSAGE_SIGNAL:
      kind = "signal ";
      break;
    case SD_BUS_MESSAGE_METHOD_RETURN:
      return "method return from " + sender();
    case SD_BUS_MESSAGE_METHOD_ERROR:
      return "error reply from " + sender();
    default:
      return "message";
  }
  return kind + interface() + "." + member() + " on " + path();
}

void Message::throw_mismatch(std::string_view expected, char found,
                             std::string_view found_contents) const {
  const std::string what = found_contents.empty()
                               ? type_name(found)
                               : "'" + std::string(1, found) + std::string(found_contents) + "'";
  throw BusError("Reading " + std::string(expected) + " from " + describe() + " (signature '" +
                     signature() + "'): found " + what,
                 kInvalidArgs, ENXIO);
}

void Message::read_basic(char type, void* out) {
  std::string contents;
  const char found = peek_type(&contents);
  if (found != type) throw_mismatch(type_name(type), found, contents);
  const int r = sd_bus_message_read_basic(message_, type, out);
  if (r < 0) throw_errno("Reading " + type_name(type) + " from " + describe(), r);
}

void Message::read(bool& value) {
  int v = 0;  // sd-bus reads 'b' into an int
  read_basic('b', &v);
  value = v != 0;
}
void Message::read(uint8_t& value) {
  read_basic('y', &value);
}
void Message::read(int32_t& value) {
  read_basic('i', &value);
}
void Message::read(uint32_t& value) {
  read_basic('u', &value);
}
void Message::read(int64_t& value) {
  read_basic('x', &value);
}
void Message::read(uint64_t& value) {
  read_basic('t', &value);
}
void Message::read(double& value) {
  read_basic('d', &value);
}

void Message::read(std::string& value) {
  std::string contents;
  const char found = peek_type(&contents);
  if (!is_string_type(found)) throw_mismatch("a string ('s', 'o' or 'g')", found, contents);
  const char* s = nullptr;
  read_basic(found, &s);
  value = s;
}

void Message::read(std::vector<std::string>& value) {
  std::string contents;
  const char found = peek_type(&contents);
  if (found != 'a' || contents.size() != 1 || !is_string_type(contents[0])) {
    throw_mismatch("a string array ('as' or 'ao')", found, contents);
  }
  enter('a', contents.c_str());
  value.clear();
  while (!at_end())
    read(value.emplace_back());
  exit();
}

bool Message::enter(char type, const char* contents) {
  std::string found_contents;
  const char found = peek_type(&found_contents);
  if (found == '\0') return false;
  const std::string expected = std::string(1, type) + (contents != nullptr ? contents : "");
  if (found != type || (contents != nullptr && found_contents != contents)) {
    throw_mismatch("container '" + expected + "'", found, found_contents);
  }
  const int r = sd_bus_message_enter_container(message_, type, found_contents.c_str());
  if (r < 0) throw_errno("Entering '" + expected + "' in " + describe(), r);
  return r > 0;
}

void Message::exit() {
  const int r = sd_bus_message_exit_container(message_);
  if (r < 0) throw_errno("Leaving a container in " + describe(), r);
}

bool Message::at_end() const {
  const int r = sd_bus_message_at_end(message_, 0);
  if (r < 0) throw_errno("Reading " + describe(), r);
  return r > 0;
}

char Message::peek_type(std::string* contents) const {
  char type = 0;
  const char* c = nullptr;
  const int r = sd_bus_message_peek_type(message_, &type, &c);
  if (r < 0) throw_errno("Reading " + describe(), r);
  if (contents != nullptr) *contents = or_empty(r > 0 ? c : nullptr);
  return r > 0 ? type : '\0';
}

void Message::skip() {
  const int r = sd_bus_message_skip(message_, nullptr);
  if (r < 0) throw_errno("Skipping a value in " + describe(), r);
}

void Message::rewind() {
  const int r = sd_bus_message_rewind(message_, 1);
  if (r < 0) throw_errno("Rewinding " + describe(), r);
}

Message& Message::open(char type, const char* contents) {
  const int r = sd_bus_message_open_container(message_, type, contents);
  if (r < 0) {
    throw_errno(
        "Opening container '" + std::string(1, type) + or_empty(contents) + "' in " + describe(),
        r);
  }
  return *this;
}

Message& Message::close() {
  const int r = sd_bus_message_close_container(message_);
  if (r < 0) throw_errno("Closing a container in " + describe(), r);
  return *this;
}

void Message::append_basic(char type, const void* value) {
  const int r = sd_bus_message_append_basic(message_, type, value);
  if (r < 0) throw_errno("Appending " + type_name(type) + " to " + describe(), r);
}

void Message::append_one(bool value) {
  const int v = value ? 1 : 0;
  append_basic('b', &v);
}

void Message::append_one(const std::vector<std::string>& values) {
  open('a', "s");
  for (const auto& v : values)
    append_basic('s', v.c_str());
  close();
}

}  // namespace corestack::systemd
