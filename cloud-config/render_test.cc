#include "cloud-config/render.h"

#include <gtest/gtest.h>

namespace corestack::cloudinit {
namespace {

TEST(Render, DropInQuotesForSystemd) {
  EXPECT_EQ(render_drop_in({}), "");
  EXPECT_EQ(render_drop_in({{"ETCD_NAME", "node1"}, {"ETCD_PROXY", "on"}}),
            "[Service]\nEnvironment=\"ETCD_NAME=node1\"\nEnvironment=\"ETCD_PROXY=on\"\n");
  EXPECT_EQ(quote_environment({"A", "say \"hi\" \\ 100% %m\nnext"}),
            "Environment=\"A=say \\\"hi\\\" \\\\ 100%% %%m\\nnext\"");
}

TEST(Render, OptionsEnvHasNoTrailingNewline) {
  EXPECT_EQ(render_options_env(
                {{"FLANNELD_ETCD_ENDPOINTS", "http://a:2379"}, {"FLANNELD_IFACE", "eth1"}}),
            "FLANNELD_ETCD_ENDPOINTS=http://a:2379\nFLANNELD_IFACE=eth1");
}

TEST(Render, UpdateConfReplacesFirstMatchAndAppendsSorted) {
  Update u{"etcd-lock", "", "https://u.example/"};
  EXPECT_EQ(
      render_update_conf("GROUP=alpha\nREBOOT_STRATEGY=reboot\nREBOOT_STRATEGY=again\n", u),
      "GROUP=alpha\nREBOOT_STRATEGY=etcd-lock\nREBOOT_STRATEGY=again\nSERVER=https://u.example/\n");
  EXPECT_EQ(render_update_conf("", Update{"off", "beta", ""}), "GROUP=beta\nREBOOT_STRATEGY=off\n");
}

TEST(Render, EnvironmentMerge) {
  EXPECT_EQ(
      merge_environment("# keep\nFOO=1\nCOREOS_PUBLIC_IPV4=old\n",
                        {{"COREOS_PUBLIC_IPV4", "1.1.1.1"}, {"COREOS_PRIVATE_IPV4", "10.0.0.1"}}),
      "# keep\nFOO=1\nCOREOS_PUBLIC_IPV4=1.1.1.1\nCOREOS_PRIVATE_IPV4=10.0.0.1\n");
}

TEST(Render, OemRelease) {
  EXPECT_EQ(render_oem_release({}), "");
  EXPECT_EQ(render_oem_release(
                {{"ID", "rackspace"}, {"NAME", "Rackspace Cloud"}, {"VERSION_ID", "168.0.0"}}),
            "ID=rackspace\nVERSION_ID=168.0.0\nNAME=\"Rackspace "
            "Cloud\"\nHOME_URL=\"\"\nBUG_REPORT_URL=\"\"\n");
}

}  // namespace
}  // namespace corestack::cloudinit
