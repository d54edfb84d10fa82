// The conformance suite on the JSON-file backend.
#include "gtest/gtest.h"
#include "tests/backend_conformance.h"

namespace parley {
namespace testing {
namespace {

std::string JsonStore() { return "json:" + FreshTempDir("json_store"); }

INSTANTIATE_TEST_SUITE_P(Json, BackendConformanceTest,
                         ::testing::Values(BackendUnderTest{"json", JsonStore}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
