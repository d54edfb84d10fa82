#include "storage/python_values.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "storage/json_value.h"

namespace parley {
namespace {

JsonValue Parse(const std::string& text) { return *ParseJson(text); }

TEST(PythonValuesTest, TruthinessIsPythons) {
  for (const char* falsy :
       {"null", "false", "0", "-0", "0.0", "-0.0", "0e5", "\"\"", "[]", "{}"}) {
    EXPECT_FALSE(PythonTruthy(Parse(falsy))) << falsy;
  }
  for (const char* truthy :
       {"true", "1", "-1", "0.5", "1e-300", "NaN", "Infinity", "-Infinity",
        "\"0\"", "\"false\"", "[0]", "{\"a\":0}", "18446744073709551617"}) {
    EXPECT_TRUE(PythonTruthy(Parse(truthy))) << truthy;
  }
}

TEST(PythonValuesTest, AddOneKeepsPythonsTypes) {
  // Each pair is `x` and what Python's json.dumps(json.loads(x) + 1) gives.
  const std::pair<const char*, const char*> cases[] = {
      {"0", "1"},
      {"-1", "0"},
      {"-0", "1"},
      {"-10", "-9"},
      {"41", "42"},
      {"9223372036854775807", "9223372036854775808"},
      {"18446744073709551616", "18446744073709551617"},
      {"99999999999999999999", "100000000000000000000"},
      {"-100000000000000000000", "-99999999999999999999"},
      {"2.0", "3.0"},
      {"1.75", "2.75"},
      {"0.1", "1.1"},
      {"-0.0", "1.0"},
      {"5e-324", "1.0"},
      {"1e16", "1e+16"},
      {"1e+16", "1e+16"},
      {"10000000000000002.0", "1.0000000000000004e+16"},
      {"1e308", "1e+308"},
      {"1.5e-7", "1.00000015"},
      {"-2.5", "-1.5"},
      {"123456789012345678.0", "1.2345678901234568e+17"},
      {"NaN", "NaN"},
      {"Infinity", "Infinity"},
      {"-Infinity", "-Infinity"},
      {"1e400", "Infinity"},
      {"true", "2"},
      {"false", "1"},
  };
  for (const auto& [in, out] : cases) {
    absl::StatusOr<JsonValue> sum = PythonAddOne(Parse(in), "report_cycle");
    ASSERT_TRUE(sum.ok()) << in << ": " << sum.status();
    EXPECT_EQ(WriteCompactJson(*sum), out) << in;
  }
}

TEST(PythonValuesTest, AddOneRefusesWhatPythonRaisedTypeErrorFor) {
  for (const char* bad : {"null", "\"3\"", "[]", "{}"}) {
    absl::StatusOr<JsonValue> sum = PythonAddOne(Parse(bad), "report_cycle");
    EXPECT_EQ(sum.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(sum.status().message().find("report_cycle"), std::string::npos);
  }
}

TEST(PythonValuesTest, FloatReprIsPythons) {
  EXPECT_EQ(PythonFloatRepr(1e-5), "1e-05");
  EXPECT_EQ(PythonFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(PythonFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(PythonFloatRepr(1e22), "1e+22");
  EXPECT_EQ(PythonFloatRepr(123.456), "123.456");
  EXPECT_EQ(PythonFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(PythonFloatRepr(1.5e-7), "1.5e-07");
  EXPECT_EQ(PythonFloatRepr(1e100), "1e+100");
}

}  // namespace
}  // namespace parley
