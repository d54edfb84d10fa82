// The conformance suite on SQLite: a database file, and :memory:.
#include "gtest/gtest.h"
#include "tests/backend_conformance.h"

namespace parley {
namespace testing {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Sqlite, BackendConformanceTest,
    ::testing::Values(BackendUnderTest{"sqlite_file", FreshSqliteFileUrl},
                      BackendUnderTest{"sqlite_memory", FreshSqliteMemoryUrl}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
