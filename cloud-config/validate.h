// `coreos-cloudinit --validate`: everything the validator reports for one user-data blob
// (already gunzipped): the header, variables without a value, YAML syntax, the schema and
// the value rules. Empty input, scripts and Ignition configs validate clean.
#pragma once

#include <map>
#include <string>

#include "cloud-config/report.h"

namespace corestack::cloudinit {

// `values`: the substitution variables' values (substitute.h variable_values()).
Report validate_user_data(const std::string& user_data,
                          const std::map<std::string, std::string>& values);

}  // namespace corestack::cloudinit
