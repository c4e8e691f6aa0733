#include "agents/fleet/api_model.h"

#include <algorithm>
#include <tuple>

#include <nlohmann/json.hpp>

#include "agents/fleet/go_text.h"
#include "agents/fleet/requirements.h"
#include "agents/fleet/unit_name.h"

namespace corestack::fleet {
namespace {

using Json = nlohmann::ordered_json;
using Error = std::string;

// ---- encoding: an object of omitempty fields in declaration (alphabetical) order ----

class ObjectWriter {
 public:
  ObjectWriter& string(std::string_view name, std::string_view value) {
    if (!value.empty()) raw(name, go_json_quote(value));
    return *this;
  }
  ObjectWriter& raw(std::string_view name, std::string_view encoded) {
    out_ += out_.size() > 1 ? "," : "";
    out_ += go_json_quote(name) + ":" + std::string(encoded);
    return *this;
  }
  std::string done() { return out_ + "}"; }

 private:
  std::string out_ = "{";
};

template <typename T, typename F>
std::string encode_list(const std::vector<T>& items, F&& encode_one) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += encode_one(item);
  }
  return out + "]";
}

std::string encode_option(const UnitOption& option) {
  return ObjectWriter()
      .string("name", option.name)
      .string("section", option.section)
      .string("value", option.value)
      .done();
}

// ---- decoding: json.Unmarshal into fleet's schema structs ----

std::string go_json_kind(const Json& v) {
  if (v.is_string()) return "string";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

Error type_error(const Json& v, std::string_view go_struct, std::string_view field,
                 std::string_view go_type) {
  return "json: cannot unmarshal " + go_json_kind(v) + " into Go struct field " +
         std::string(go_struct) + "." + std::string(field) + " of type " + std::string(go_type);
}

Expected<Json, Error> parse(std::string_view text) {
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    return unexpected(Error(text.empty() ? "unexpected end of JSON input" : "invalid JSON"));
  }
  return doc;
}

Expected<void, Error> read_string(const Json& v, std::string& out, std::string_view go_struct,
                                  std::string_view field) {
  if (v.is_null()) return {};
  if (!v.is_string()) return unexpected(type_error(v, go_struct, field, "string"));
  out = v.get<std::string>();
  return {};
}

// Calls `on_field(name, value)` for each member of `v`, an object or null; else a type error.
template <typename F>
Expected<void, Error> for_members(const Json& v, std::string_view go_type, F&& on_field) {
  if (v.is_null()) return {};
  if (!v.is_object()) {
    return unexpected("json: cannot unmarshal " + go_json_kind(v) + " into Go value of type " +
                      std::string(go_type));
  }
  for (const auto& [key, value] : v.items()) {
    if (auto r = on_field(key, value); !r) return r;
  }
  return {};
}

template <typename T, typename F>
Expected<void, Error> read_list(const Json& v, std::vector<T>& out, std::string_view go_struct,
                                std::string_view field, std::string_view go_type, F&& decode_one) {
  if (v.is_null()) return {};
  if (!v.is_array()) return unexpected(type_error(v, go_struct, field, go_type));
  out.clear();
  for (const auto& item : v) {
    T one;
    if (auto r = decode_one(item, one); !r) return r;
    out.push_back(std::move(one));
  }
  return {};
}

Expected<void, Error> decode_option_into(const Json& v, UnitOption& out) {
  return for_members(v, "schema.UnitOption", [&](const std::string& key, const Json& value) {
    if (equal_fold(key, "name")) return read_string(value, out.name, "UnitOption", "name");
    if (equal_fold(key, "section")) return read_string(value, out.section, "UnitOption", "section");
    if (equal_fold(key, "value")) return read_string(value, out.value, "UnitOption", "value");
    return Expected<void, Error>();
  });
}

Expected<void, Error> decode_unit_into(const Json& v, ApiUnit& out) {
  return for_members(v, "schema.Unit", [&](const std::string& key, const Json& value) {
    if (equal_fold(key, "currentState")) {
      return read_string(value, out.current_state, "Unit", "currentState");
    }
    if (equal_fold(key, "desiredState")) {
      return read_string(value, out.desired_state, "Unit", "desiredState");
    }
    if (equal_fold(key, "machineID")) {
      return read_string(value, out.machine_id, "Unit", "machineID");
    }
    if (equal_fold(key, "name")) return read_string(value, out.name, "Unit", "name");
    if (equal_fold(key, "unschedulableReason")) {
      return read_string(value, out.unschedulable_reason, "Unit", "unschedulableReason");
    }
    if (equal_fold(key, "options")) {
      return read_list(value, out.options, "Unit", "options", "[]*schema.UnitOption",
                       decode_option_into);
    }
    return Expected<void, Error>();
  });
}

Expected<void, Error> decode_state_into(const Json& v, ApiUnitState& out) {
  return for_members(v, "schema.UnitState", [&](const std::string& key, const Json& value) {
    constexpr std::string_view kStruct = "UnitState";
    if (equal_fold(key, "hash")) return read_string(value, out.hash, kStruct, "hash");
    if (equal_fold(key, "machineID")) {
      return read_string(value, out.machine_id, kStruct, "machineID");
    }
    if (equal_fold(key, "name")) return read_string(value, out.name, kStruct, "name");
    if (equal_fold(key, "systemdActiveState")) {
      return read_string(value, out.systemd_active_state, kStruct, "systemdActiveState");
    }
    if (equal_fold(key, "systemdLoadState")) {
      return read_string(value, out.systemd_load_state, kStruct, "systemdLoadState");
    }
    if (equal_fold(key, "systemdSubState")) {
      return read_string(value, out.systemd_sub_state, kStruct, "systemdSubState");
    }
    return Expected<void, Error>();
  });
}

Expected<void, Error> decode_metadata(const Json& v, std::map<std::string, std::string>& out) {
  if (v.is_null()) return {};
  if (!v.is_object()) return unexpected(type_error(v, "Machine", "metadata", "map[string]string"));
  for (const auto& [key, value] : v.items()) {
    if (!value.is_string() && !value.is_null()) {
      return unexpected("json: cannot unmarshal " + go_json_kind(value) +
                        " into Go value of type string");
    }
    out[key] = value.is_null() ? "" : value.get<std::string>();
  }
  return {};
}

Expected<void, Error> decode_machine_into(const Json& v, ApiMachine& out) {
  return for_members(v, "schema.Machine", [&](const std::string& key, const Json& value) {
    if (equal_fold(key, "id")) return read_string(value, out.id, "Machine", "id");
    if (equal_fold(key, "metadata")) return decode_metadata(value, out.metadata);
    if (equal_fold(key, "primaryIP")) {
      return read_string(value, out.primary_ip, "Machine", "primaryIP");
    }
    return Expected<void, Error>();
  });
}

// A page: `list_field` holds the items, nextPageToken the token.
template <typename Page, typename T, typename F>
Expected<Page, Error> decode_page(std::string_view json, std::string_view go_type,
                                  std::string_view list_field, std::string_view item_type,
                                  std::vector<T> Page::*items, F&& decode_one) {
  auto doc = parse(json);
  if (!doc) return unexpected(doc.error());
  Page page;
  auto r = for_members(*doc, go_type, [&](const std::string& key, const Json& value) {
    if (equal_fold(key, "nextPageToken")) {
      return read_string(value, page.next_page_token, go_type.substr(7), "nextPageToken");
    }
    if (equal_fold(key, list_field)) {
      return read_list(value, page.*items, go_type.substr(7), list_field, item_type, decode_one);
    }
    return Expected<void, Error>();
  });
  if (!r) return unexpected(r.error());
  return page;
}

}  // namespace

std::string encode_unit(const ApiUnit& unit) {
  ObjectWriter w;
  w.string("currentState", unit.current_state)
      .string("desiredState", unit.desired_state)
      .string("machineID", unit.machine_id)
      .string("name", unit.name);
  if (!unit.options.empty()) w.raw("options", encode_list(unit.options, encode_option));
  w.string("unschedulableReason", unit.unschedulable_reason);
  return w.done();
}

std::string encode_unit_state(const ApiUnitState& state) {
  return ObjectWriter()
      .string("hash", state.hash)
      .string("machineID", state.machine_id)
      .string("name", state.name)
      .string("systemdActiveState", state.systemd_active_state)
      .string("systemdLoadState", state.systemd_load_state)
      .string("systemdSubState", state.systemd_sub_state)
      .done();
}

std::string encode_machine(const ApiMachine& machine) {
  ObjectWriter w;
  w.string("id", machine.id);
  if (!machine.metadata.empty()) {
    ObjectWriter m;
    for (const auto& [k, v] : machine.metadata)
      m.raw(k, go_json_quote(v));
    w.raw("metadata", m.done());
  }
  return w.string("primaryIP", machine.primary_ip).done();
}

std::string encode_unit_page(const std::vector<ApiUnit>& units, std::string_view next_page_token) {
  ObjectWriter w;
  w.string("nextPageToken", next_page_token);
  if (!units.empty()) w.raw("units", encode_list(units, encode_unit));
  return w.done();
}

std::string encode_unit_state_page(const std::vector<ApiUnitState>& states,
                                   std::string_view next_page_token) {
  ObjectWriter w;
  w.string("nextPageToken", next_page_token);
  if (!states.empty()) w.raw("states", encode_list(states, encode_unit_state));
  return w.done();
}

std::string encode_machine_page(const std::vector<ApiMachine>& machines,
                                std::string_view next_page_token) {
  ObjectWriter w;
  if (!machines.empty()) w.raw("machines", encode_list(machines, encode_machine));
  return w.string("nextPageToken", next_page_token).done();
}

std::string encode_error(int code, std::string_view message) {
  return "{\"error\":{\"code\":" + std::to_string(code) + ",\"message\":" + go_json_quote(message) +
         "}}";
}

Expected<ApiUnit, std::string> decode_unit(std::string_view json) {
  auto doc = parse(json);
  if (!doc) return unexpected(doc.error());
  ApiUnit unit;
  if (auto r = decode_unit_into(*doc, unit); !r) return unexpected(r.error());
  return unit;
}

Expected<UnitPage, std::string> decode_unit_page(std::string_view json) {
  return decode_page(json, "schema.UnitPage", "units", "[]*schema.Unit", &UnitPage::units,
                     decode_unit_into);
}

Expected<UnitStatePage, std::string> decode_unit_state_page(std::string_view json) {
  return decode_page(json, "schema.UnitStatePage", "states", "[]*schema.UnitState",
                     &UnitStatePage::states, decode_state_into);
}

Expected<MachinePage, std::string> decode_machine_page(std::string_view json) {
  return decode_page(json, "schema.MachinePage", "machines", "[]*schema.Machine",
                     &MachinePage::machines, decode_machine_into);
}

namespace {

template <typename T>
std::vector<T> page_of(const std::vector<T>& all, const PageToken& token, std::string& next) {
  PageRange range = page_range(all.size(), token);
  next = range.next ? range.next->encode() : "";
  auto first = all.begin() + static_cast<std::ptrdiff_t>(range.begin);
  return std::vector<T>(first, first + static_cast<std::ptrdiff_t>(range.end - range.begin));
}

}  // namespace

std::string encode_unit_list(const std::vector<ApiUnit>& all, const PageToken& token) {
  std::string next;
  auto page = page_of(all, token, next);
  return encode_unit_page(page, next);
}

std::string encode_unit_state_list(const std::vector<ApiUnitState>& all, const PageToken& token) {
  std::string next;
  auto page = page_of(all, token, next);
  return encode_unit_state_page(page, next);
}

std::string encode_machine_list(const std::vector<ApiMachine>& all, const PageToken& token) {
  std::string next;
  auto page = page_of(all, token, next);
  return encode_machine_page(page, next);
}

std::vector<ApiUnitState> select_unit_states(std::vector<ApiUnitState> all,
                                             std::string_view machine_id,
                                             std::string_view unit_name) {
  std::erase_if(all, [&](const ApiUnitState& s) {
    return (!machine_id.empty() && s.machine_id != machine_id) ||
           (!unit_name.empty() && s.name != unit_name);
  });
  std::stable_sort(all.begin(), all.end(), [](const ApiUnitState& a, const ApiUnitState& b) {
    return std::tie(a.name, a.machine_id) < std::tie(b.name, b.machine_id);
  });
  return all;
}

std::optional<std::string> decode_error_message(std::string_view json) {
  Json doc = Json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  auto error = doc.find("error");
  if (error == doc.end() || !error->is_object()) return std::nullopt;
  auto message = error->find("message");
  if (message == error->end() || !message->is_string()) return std::string();
  return message->get<std::string>();
}

UnitFile unit_file_of(const ApiUnit& unit) {
  return UnitFile(unit.options);
}

std::vector<UnitOption> options_of(const UnitFile& file) {
  return file.options();
}

JobState derive_current_state(const std::optional<std::string>& target, bool target_published_state,
                              const std::optional<std::string>& job_state_machine) {
  if (!target || target->empty() || !target_published_state) return JobState::inactive;
  if (!job_state_machine || *job_state_machine != *target) return JobState::loaded;
  return JobState::launched;
}

// ---- PUT /units/<name> ----

namespace {

PutUnitDecision reject(int status, std::string name, std::string message) {
  PutUnitDecision d;
  d.status = status;
  d.name = std::move(name);
  d.error_message = std::move(message);
  return d;
}

// desiredState from the body; `fallback` when absent.
Expected<JobState, Error> desired_state_of(const ApiUnit& body, JobState fallback) {
  if (body.desired_state.empty()) return fallback;
  auto state = parse_job_state(body.desired_state);
  if (!state) return unexpected("invalid desiredState " + go_quote(body.desired_state));
  return *state;
}

PutUnitDecision decide_create(const ApiUnit& body, const UnitFile& unit, JobState fallback) {
  if (auto checked = check_unit(unit, body.name); !checked) {
    return reject(400, body.name, checked.error());
  }
  auto desired = desired_state_of(body, fallback);
  if (!desired) return reject(400, body.name, desired.error());
  if (auto ok = check_activatable(body.name, *desired); !ok) {
    return reject(400, body.name, ok.error());
  }
  PutUnitDecision d;
  d.status = 201;
  d.action = PutUnitAction::create;
  d.name = body.name;
  d.unit = unit;
  d.desired_state = *desired;
  return d;
}

PutUnitDecision decide_update(const ApiUnit& body) {
  if (body.desired_state.empty()) {
    return reject(409, body.name, "must provide DesiredState to update existing unit");
  }
  auto desired = desired_state_of(body, JobState::inactive);
  if (!desired) return reject(400, body.name, desired.error());
  if (auto ok = check_activatable(body.name, *desired); !ok) {
    return reject(400, body.name, ok.error());
  }
  PutUnitDecision d;
  d.status = 204;
  d.action = PutUnitAction::set_desired_state;
  d.name = body.name;
  d.desired_state = *desired;
  return d;
}

}  // namespace

PutUnitDecision decide_put_unit(std::string_view url_name, std::string_view body,
                                const std::optional<ExistingJob>& existing) {
  auto decoded = decode_unit(body);
  if (!decoded) {
    return reject(400, std::string(url_name), "unable to decode body: " + decoded.error());
  }
  ApiUnit unit = std::move(*decoded);
  if (unit.name.empty()) unit.name = std::string(url_name);
  if (unit.name != url_name) {
    return reject(400, std::string(url_name),
                  "name in URL " + go_quote(url_name) + " differs from unit name in request body " +
                      go_quote(unit.name));
  }
  if (auto ok = validate_unit_name(unit.name); !ok) return reject(400, unit.name, ok.error());
  UnitFile file = unit_file_of(unit);
  if (!existing) {
    if (unit.options.empty()) {
      return reject(409, unit.name, "unit does not exist and options field empty");
    }
    return decide_create(unit, file, JobState::inactive);
  }
  // New contents under an existing name replace the unit (fleetctl --replace); the job keeps
  // its desired state unless the body gives one.
  if (!unit.options.empty() && file.hash() != existing->hash) {
    return decide_create(unit, file, existing->desired);
  }
  return decide_update(unit);
}

}  // namespace corestack::fleet
