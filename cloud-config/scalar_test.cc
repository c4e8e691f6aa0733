#include "cloud-config/scalar.h"

#include <gtest/gtest.h>

#include "cloud-config/yaml_doc.h"

namespace corestack::cloudinit {
namespace {

ScalarType type_of(const std::string& yaml) {
  return resolve_scalar(std::get<YAML::Node>(parse_yaml("v: " + yaml))["v"]);
}

TEST(Scalar, PlainScalarsResolveAsYaml11) {
  EXPECT_EQ(type_of("on"), ScalarType::Bool);
  EXPECT_EQ(type_of("off"), ScalarType::Bool);
  EXPECT_EQ(type_of("yes"), ScalarType::Bool);
  EXPECT_EQ(type_of("0644"), ScalarType::Int);
  EXPECT_EQ(type_of("0x1F"), ScalarType::Int);
  EXPECT_EQ(type_of("1.5"), ScalarType::Float);
  EXPECT_EQ(type_of("1e3"), ScalarType::Float);
  EXPECT_EQ(type_of("~"), ScalarType::Null);
  EXPECT_EQ(type_of(""), ScalarType::Null);
  EXPECT_EQ(type_of("inf"), ScalarType::String);
  EXPECT_EQ(type_of("etcd-lock"), ScalarType::String);
  EXPECT_EQ(type_of("Sun 4:00"), ScalarType::String);
}

TEST(Scalar, QuotedScalarsAreStrings) {
  EXPECT_EQ(type_of("'on'"), ScalarType::String);
  EXPECT_EQ(type_of("\"0644\""), ScalarType::String);
  EXPECT_EQ(type_of("!!str 12"), ScalarType::String);
}

TEST(Scalar, RawTextIsKept) {
  auto node = std::get<YAML::Node>(parse_yaml("a: off\nb: 0644\n"));
  EXPECT_EQ(node["a"].Scalar(), "off");
  EXPECT_EQ(node["b"].Scalar(), "0644");
}

TEST(Scalar, Numbers) {
  EXPECT_EQ(parse_yaml_int("0644"), 420);
  EXPECT_EQ(parse_yaml_int("-12"), -12);
  EXPECT_EQ(parse_yaml_int("1_000"), 1000);
  EXPECT_EQ(parse_yaml_int("0b101"), 5);
  EXPECT_FALSE(parse_yaml_int("08"));
  EXPECT_FALSE(parse_yaml_int("12a"));
  EXPECT_FALSE(parse_yaml_float("nan"));
  EXPECT_DOUBLE_EQ(*parse_yaml_float(".5"), 0.5);
}

TEST(Scalar, FloatsFormatLikeGo) {
  EXPECT_EQ(format_float(1.5), "1.5");
  EXPECT_EQ(format_float(2), "2");
  EXPECT_EQ(format_float(100000), "100000");
  EXPECT_EQ(format_float(1e21), "1e+21");
  EXPECT_EQ(format_float(0.00001), "1e-05");
  EXPECT_EQ(format_float(0.0001), "0.0001");
}

}  // namespace
}  // namespace corestack::cloudinit
