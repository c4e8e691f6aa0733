// libFuzzer target: arbitrary bytes as user-data through the validator, then (when it
// parses) the decoder and every renderer. Must never crash, hang or leak; a validator entry
// or an empty config is fine.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cloud-config/apply.h"
#include "cloud-config/decode.h"
#include "cloud-config/render.h"
#include "cloud-config/validate.h"
#include "cloud-config/yaml_doc.h"

using namespace corestack::cloudinit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::map<std::string, std::string> values = {{"private_ipv4", "10.0.0.1"}};
  validate_user_data(text, values);
  auto parsed = parse_yaml(substitute(text, values).text);
  if (auto* root = std::get_if<YAML::Node>(&parsed)) {
    const CloudConfig config = decode_config(*root);
    render_drop_in(config.coreos.etcd2);
    render_drop_in(config.coreos.fleet);
    render_options_env(config.coreos.flannel);
    render_update_conf("GROUP=alpha\nREBOOT_STRATEGY=reboot\n", config.coreos.update);
    render_oem_release(config.coreos.oem);
    units_to_process(config);
  }
  return 0;
}
