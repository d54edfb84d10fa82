// The conformance suite on the JSON-file backend, every call going through
// AsyncStorage.
#include "gtest/gtest.h"
#include "tests/backend_conformance.h"

namespace parley {
namespace testing {
namespace {

INSTANTIATE_TEST_SUITE_P(JsonAsync, BackendConformanceTest,
                         ::testing::Values(BackendUnderTest{
                             "json_async", FreshJsonUrl, true}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
