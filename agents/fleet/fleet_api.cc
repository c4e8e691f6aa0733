#include "agents/fleet/fleet_api.h"

#include <algorithm>

#include "agents/fleet/api_model.h"
#include "agents/fleet/machine_patch.h"
#include "agents/fleet/page_token.h"

namespace corestack::fleet {
namespace {

ApiResponse error(int code, std::string_view message) {
  return {code, encode_error(code, message)};
}

ApiResponse registry_error(const RegistryError& e) {
  return error(500, e.message);
}

bool json_body(const ApiRequest& r) {
  return r.content_types.size() == 1 && r.content_types[0].rfind("application/json", 0) == 0;
}

std::vector<std::string> query_values(const ApiRequest& r, const std::string& key) {
  auto it = r.query.find(key);
  if (it == r.query.end()) return {};
  return {it->second};
}

template <typename T, typename Encode>
ApiResponse page(const ApiRequest& r, uint16_t limit, const std::vector<T>& items, Encode encode) {
  auto token = page_token_from_query(query_values(r, "nextPageToken"), limit);
  if (!token) return error(400, token.error());
  const PageRange range = page_range(items.size(), *token);
  std::vector<T> slice(items.begin() + static_cast<long>(range.begin),
                       items.begin() + static_cast<long>(range.end));
  return {200, encode(slice, range.next ? range.next->encode() : std::string())};
}

}  // namespace

FleetApi::FleetApi(Registry& registry, uint16_t token_limit)
    : registry_(registry), token_limit_(token_limit) {}

ApiResponse FleetApi::handle(const ApiRequest& request) {
  if (!registered_) return error(503, "fleet server unable to communicate with etcd");
  std::string_view path = request.path;
  for (std::string_view prefix : {"/fleet/v1", "/v1-alpha"}) {
    if (path.rfind(prefix, 0) == 0) {
      std::lock_guard lock(mutex_);
      return route(request, path.substr(prefix.size()));
    }
  }
  return error(404, "not found");
}

ApiResponse FleetApi::route(const ApiRequest& r, std::string_view path) {
  const std::string& m = r.method;
  if (path == "/units") return m == "GET" ? list_units(r) : error(405, "only GET supported");
  if (path.rfind("/units/", 0) == 0) {
    const std::string_view name = path.substr(7);
    if (m == "GET") return get_unit(name);
    if (m == "PUT") return put_unit(r, name);
    if (m == "DELETE") return delete_unit(name);
    return error(405, "only GET, PUT and DELETE supported");
  }
  if (path == "/state") return m == "GET" ? list_states(r) : error(405, "only GET supported");
  if (path == "/machines") {
    if (m == "GET") return list_machines(r);
    if (m == "PATCH") return patch_machines(r);
    return error(405, "only GET and PATCH supported");
  }
  if (path.empty() || path == "/") return error(405, "only GET supported");
  return error(404, "not found");
}

RegistryResult<std::vector<ApiUnit>> FleetApi::units() {
  auto jobs = registry_.get_jobs();
  if (!jobs) return unexpected(jobs.error());
  auto files = registry_.get_units();
  if (!files) return unexpected(files.error());
  auto states = registry_.get_unit_states();
  if (!states) return unexpected(states.error());
  std::vector<ApiUnit> out;
  for (const RegistryJob& job : *jobs) {
    auto file = files->find(job.unit_hash);
    if (file == files->end()) continue;  // a job whose unit is gone: fleet skips it too
    const bool published =
        job.target && std::any_of(states->begin(), states->end(), [&](const UnitStateEntry& s) {
          return s.name == job.name && s.machine_id == *job.target;
        });
    const auto job_state =
        job.job_state.empty() ? std::nullopt : std::optional<std::string>(job.job_state);
    out.push_back({job.name, options_of(file->second), std::string(to_string(job.target_state)),
                   std::string(to_string(derive_current_state(job.target, published, job_state))),
                   job.target.value_or(""), job.unschedulable.value_or("")});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

ApiResponse FleetApi::list_units(const ApiRequest& r) {
  auto all = units();
  if (!all) return registry_error(all.error());
  return page(r, token_limit_, *all, encode_unit_page);
}

ApiResponse FleetApi::get_unit(std::string_view name) {
  auto all = units();
  if (!all) return registry_error(all.error());
  for (const ApiUnit& u : *all) {
    if (u.name == name) return {200, encode_unit(u)};
  }
  return error(404, "unit does not exist");
}

ApiResponse FleetApi::put_unit(const ApiRequest& r, std::string_view name) {
  if (!json_body(r)) return error(415, "Content-Type must be application/json");
  auto jobs = registry_.get_jobs();
  if (!jobs) return registry_error(jobs.error());
  std::optional<ExistingJob> existing;
  for (const RegistryJob& job : *jobs) {
    if (job.name == name) existing = ExistingJob{job.unit_hash, job.target_state};
  }
  const PutUnitDecision d = decide_put_unit(name, r.body, existing);
  if (d.action == PutUnitAction::reject) return error(d.status, d.error_message);
  if (d.action == PutUnitAction::set_desired_state) {
    auto set = registry_.set_target_state(d.name, d.desired_state);
    return set ? ApiResponse{204, ""} : registry_error(set.error());
  }
  auto hash = registry_.create_unit(d.unit);
  if (!hash) return registry_error(hash.error());
  auto created = registry_.create_job(d.name, *hash, d.desired_state);
  return created ? ApiResponse{201, ""} : registry_error(created.error());
}

ApiResponse FleetApi::delete_unit(std::string_view name) {
  auto jobs = registry_.get_jobs();
  if (!jobs) return registry_error(jobs.error());
  const bool known =
      std::any_of(jobs->begin(), jobs->end(), [&](const RegistryJob& j) { return j.name == name; });
  if (!known) return error(404, "unit does not exist");
  auto destroyed = registry_.destroy_job(name);
  return destroyed ? ApiResponse{204, ""} : registry_error(destroyed.error());
}

ApiResponse FleetApi::list_states(const ApiRequest& r) {
  auto entries = registry_.get_unit_states();
  if (!entries) return registry_error(entries.error());
  const auto machine = r.query.find("machineID");
  const auto unit = r.query.find("unitName");
  std::vector<ApiUnitState> out;
  for (const UnitStateEntry& e : *entries) {
    if (machine != r.query.end() && e.machine_id != machine->second) continue;
    if (unit != r.query.end() && e.name != unit->second) continue;
    out.push_back({e.name, e.record.unit_hash, e.machine_id, e.record.load_state,
                   e.record.active_state, e.record.sub_state});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) {
    return std::tie(a.name, a.machine_id) < std::tie(b.name, b.machine_id);
  });
  return page(r, token_limit_, out, encode_unit_state_page);
}

ApiResponse FleetApi::list_machines(const ApiRequest& r) {
  auto machines = registry_.get_machines();
  if (!machines) return registry_error(machines.error());
  std::vector<ApiMachine> out;
  for (const MachineRecord& m : *machines) {
    out.push_back({m.state.id, m.state.public_ip, m.metadata});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return page(r, token_limit_, out, encode_machine_page);
}

ApiResponse FleetApi::patch_machines(const ApiRequest& r) {
  if (!json_body(r)) return error(415, "Content-Type must be application/json");
  auto changes = parse_machine_patch(r.body);
  if (!changes) return error(400, changes.error());
  for (const MetadataChange& c : *changes) {
    auto done = c.value ? registry_.set_machine_metadata(c.machine_id, c.key, *c.value)
                        : registry_.delete_machine_metadata(c.machine_id, c.key);
    if (!done) return registry_error(done.error());
  }
  return {204, ""};
}

}  // namespace corestack::fleet
