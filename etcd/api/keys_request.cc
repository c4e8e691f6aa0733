#include "etcd/api/keys_request.h"

#include <charconv>

#include "etcd/api/form.h"
#include "etcd/store/path.h"

namespace etcd::api {
namespace {

using store::ErrorCode;
using store::StoreError;

StoreError request_error(ErrorCode code, std::string cause) {
  return StoreError{code, std::move(cause), store::EtcdIndex{0}};
}

// Go's strconv.ParseBool.
std::optional<bool> parse_go_bool(const std::string& v) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    return false;
  }
  return std::nullopt;
}

// Go's strconv.ParseUint(v, 10, 64): digits only, no sign, no overflow.
std::optional<uint64_t> parse_go_uint(const std::string& v) {
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return out;
}

bool is_form_content_type(const http::Request& r) {
  const std::string* ct = r.header("Content-Type");
  if (ct == nullptr) return false;
  std::string_view media = *ct;
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return http::iequals(media, "application/x-www-form-urlencoded");
}

// Go's Request.ParseForm: for PUT/POST the form body first, then the query string.
store::StoreResult<Form> read_form(const http::Request& r) {
  Form form;
  if ((r.method == "PUT" || r.method == "POST") && is_form_content_type(r)) {
    if (auto ok = form.parse(r.body); !ok) {
      return request_error(ErrorCode::invalid_form, ok.error().message);
    }
  }
  if (auto ok = form.parse(r.query()); !ok) {
    return request_error(ErrorCode::invalid_form, ok.error().message);
  }
  // Go keeps any bytes and its JSON encoder would turn them into U+FFFD on the way out:
  // refuse them instead of storing what cannot be read back.
  for (const auto& [key, value] : form.pairs()) {
    if (!valid_utf8(key)) return request_error(ErrorCode::invalid_form, "invalid UTF-8 in a field name");
    if (!valid_utf8(value)) {
      return request_error(ErrorCode::invalid_form, "invalid UTF-8 in the value of \"" + key + "\"");
    }
  }
  return form;
}

struct Flags {
  bool recursive = false, sorted = false, wait = false, dir = false, quorum = false;
  bool stream = false, no_value_on_success = false;
};

std::optional<StoreError> read_bool(const Form& form, const char* key, bool& out) {
  const std::string* v = form.first(key);
  if (v == nullptr) return std::nullopt;
  auto parsed = parse_go_bool(*v);
  if (!parsed) {
    return request_error(ErrorCode::invalid_field,
                         std::string("invalid value for \"") + key + "\"");
  }
  out = *parsed;
  return std::nullopt;
}

std::optional<StoreError> read_index(const Form& form, const char* key, uint64_t& out) {
  const std::string* v = form.first(key);
  if (v == nullptr) return std::nullopt;
  auto parsed = parse_go_uint(*v);
  if (!parsed) {
    return request_error(ErrorCode::index_nan, std::string("invalid value for \"") + key + "\"");
  }
  out = *parsed;
  return std::nullopt;
}

std::optional<StoreError> read_flags(const Form& form, Flags& f) {
  for (auto [key, out] : {std::pair{"recursive", &f.recursive}, {"sorted", &f.sorted},
                          {"wait", &f.wait}, {"dir", &f.dir}, {"quorum", &f.quorum},
                          {"stream", &f.stream}}) {
    if (auto e = read_bool(form, key, *out)) return e;
  }
  return std::nullopt;
}

store::StoreResult<std::string> key_path(const http::Request& r) {
  std::string_view raw = r.path().substr(kKeysPrefix.size());
  auto decoded = percent_decode(raw, false);
  if (!decoded) return request_error(ErrorCode::invalid_form, decoded.error().message);
  if (!valid_utf8(*decoded)) return request_error(ErrorCode::invalid_form, "invalid UTF-8 in the key");
  if (has_dot_segment(*decoded)) {
    return request_error(ErrorCode::invalid_field,
                         "\".\" and \"..\" are not allowed as key segments");
  }
  return store::clean_path(*decoded);
}

}  // namespace

bool has_dot_segment(std::string_view path) {
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (segment == "." || segment == "..") return true;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return false;
}

store::StoreResult<KeysRequest> parse_keys_request(const http::Request& r, int64_t now_ns) {
  auto form_result = read_form(r);
  if (!form_result) return form_result.error();
  const Form& form = *form_result;
  auto path = key_path(r);
  if (!path) return path.error();

  uint64_t prev_index = 0;
  uint64_t wait_index = 0;
  if (auto e = read_index(form, "prevIndex", prev_index)) return *e;
  if (auto e = read_index(form, "waitIndex", wait_index)) return *e;
  Flags f;
  if (auto e = read_flags(form, f)) return *e;
  const bool is_get = r.method == "GET" || r.method == "HEAD";
  if (f.wait && !is_get) {
    return request_error(ErrorCode::invalid_field, "\"wait\" can only be used with GET requests");
  }
  const std::string* prev_value = form.first("prevValue");
  if (prev_value && prev_value->empty()) {
    return request_error(ErrorCode::prev_value_required, "\"prevValue\" cannot be empty");
  }
  if (auto e = read_bool(form, "noValueOnSuccess", f.no_value_on_success)) return *e;

  std::optional<uint64_t> ttl;
  if (const std::string* t = form.first("ttl"); t && !t->empty()) {
    ttl = parse_go_uint(*t);
    if (!ttl) return request_error(ErrorCode::ttl_nan, "invalid value for \"ttl\"");
    if (*ttl > kTtlMaxSeconds) {
      return request_error(ErrorCode::ttl_nan, "invalid value for \"ttl\": more than " +
                                                   std::to_string(kTtlMaxSeconds) + " seconds");
    }
  }
  std::optional<bool> prev_exist;
  if (const std::string* pe = form.first("prevExist")) {
    prev_exist = parse_go_bool(*pe);
    if (!prev_exist) return request_error(ErrorCode::invalid_field, "invalid value for prevExist");
  }
  bool refresh = false;
  if (const std::string* rf = form.first("refresh")) {
    auto parsed = parse_go_bool(*rf);
    if (!parsed) return request_error(ErrorCode::invalid_field, "invalid value for refresh");
    refresh = *parsed;
    if (refresh && !form.value("value").empty()) {
      return request_error(ErrorCode::refresh_value, "A value was provided on a refresh");
    }
    if (refresh && !ttl) return request_error(ErrorCode::refresh_ttl_required, "No TTL value set");
  }

  KeysRequest out;
  store::Request& req = out.request;
  if (is_get) {
    req.method = store::Method::get;
  } else if (r.method == "PUT") {
    req.method = store::Method::put;
  } else if (r.method == "POST") {
    req.method = store::Method::post;
  } else {
    req.method = store::Method::remove;
  }
  if ((req.method == store::Method::put || req.method == store::Method::post) &&
      path->size() > kKeyBytesMax) {
    // Writes only: a longer key written before the limit can still be read and deleted.
    return request_error(ErrorCode::invalid_field,
                         "key is longer than " + std::to_string(kKeyBytesMax) + " bytes");
  }
  req.path = std::move(path).value();
  req.value = form.value("value");
  req.dir = f.dir;
  req.recursive = f.recursive;
  req.sorted = f.sorted;
  req.prev_exist = prev_exist;
  req.prev_value = prev_value ? *prev_value : std::string();
  req.prev_index = store::EtcdIndex{prev_index};
  req.refresh = refresh;
  req.time_ns = now_ns;
  if (ttl) {
    // kTtlMaxSeconds keeps the product in range; a clock far in the future saturates.
    const auto seconds = static_cast<int64_t>(*ttl);
    req.expiration_ns = now_ns > INT64_MAX - seconds * 1'000'000'000
                            ? INT64_MAX
                            : now_ns + seconds * 1'000'000'000;
  }
  out.head = r.method == "HEAD";
  out.wait = f.wait;
  out.wait_index = store::EtcdIndex{wait_index};
  out.stream = f.stream;
  out.quorum = f.quorum;
  out.no_value_on_success = f.no_value_on_success;
  return out;
}

}  // namespace etcd::api
