#include "cloud-config/validate.h"

#include "cloud-config/substitute.h"
#include "cloud-config/userdata.h"
#include "cloud-config/validate_rules.h"
#include "cloud-config/validate_schema.h"
#include "cloud-config/yaml_doc.h"

namespace corestack::cloudinit {

Report validate_user_data(const std::string& user_data,
                          const std::map<std::string, std::string>& values) {
  Report report;
  switch (detect_format(user_data)) {
    case Format::CloudConfig:
      break;
    case Format::Unknown:
      report.error(1, "must be \"#cloud-config\" or begin with \"#!\"");
      return report;
    default:
      return report;  // empty, scripts and Ignition configs are not checked
  }
  const Substituted substituted = substitute(user_data, values, /*placeholders=*/true);
  for (const auto& u : substituted.unknown) {
    report.error(u.line,
                 "$" + u.variable + " has no value (no metadata and " + u.env + " is not set)");
  }
  auto parsed = parse_yaml(substituted.text);
  if (auto* error = std::get_if<YamlError>(&parsed)) {
    report.error(error->line, error->message);
    return report;
  }
  const YAML::Node& root = std::get<YAML::Node>(parsed);
  validate_schema(root, report);
  validate_rules(root, report);
  return report;
}

}  // namespace corestack::cloudinit
