// The conformance suite on SQLite (a database file, and :memory:), every
// call going through AsyncStorage (with its writer lane).
#include "gtest/gtest.h"
#include "tests/backend_conformance.h"

namespace parley {
namespace testing {
namespace {

INSTANTIATE_TEST_SUITE_P(
    SqliteAsync, BackendConformanceTest,
    ::testing::Values(
        BackendUnderTest{"sqlite_file_async", FreshSqliteFileUrl, true},
        BackendUnderTest{"sqlite_memory_async", FreshSqliteMemoryUrl, true}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
