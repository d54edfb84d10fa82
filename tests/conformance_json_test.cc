// The conformance suite on the JSON-file backend.
#include "gtest/gtest.h"
#include "tests/backend_conformance.h"

namespace parley {
namespace testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Json, BackendConformanceTest,
                         ::testing::Values(BackendUnderTest{"json",
                                                            FreshJsonUrl}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
