// The text of every file cloudinit generates (reference cloudinit.md §2.1–2.8), pure
// functions of the config and of the files they merge into.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cloud-config/config.h"

namespace corestack::cloudinit {

// "[Service]\nEnvironment=\"K=V\"\n..." or "" when `env` is empty. Each value is quoted for
// systemd: `\` and `"` backslash-escaped, newlines as \n, `%` doubled so a value is never
// taken for a specifier (unlike coreos-cloudinit, which wrote values raw).
std::string render_drop_in(const std::vector<EnvVar>& env);
std::string quote_environment(const EnvVar& var);

// /run/flannel/options.env: KEY=value lines joined by \n, no trailing newline, as the
// reference writes it.
std::string render_options_env(const std::vector<EnvVar>& env);

// /etc/coreos/update.conf from `existing` (the current file, or the stock one): the first line
// starting with each configured key is replaced by KEY=value, the rest appended sorted.
std::string render_update_conf(const std::string& existing, const Update& update);

// /etc/environment: `existing` with KEY=value lines replaced for keys in `values`; the rest of
// `values` appended in key order.
std::string merge_environment(const std::string& existing,
                              const std::map<std::string, std::string>& values);

// /etc/oem-release: ID, VERSION_ID, then NAME, HOME_URL, BUG_REPORT_URL quoted; "" without ID.
std::string render_oem_release(const std::vector<EnvVar>& oem);

}  // namespace corestack::cloudinit
