// The conformance suite on SQLite: a database file, and :memory:.
#include "gtest/gtest.h"
#include "tests/backend_conformance.h"

namespace parley {
namespace testing {
namespace {

std::string SqliteFile() {
  return "sqlite:///" + FreshTempDir("sqlite_store") + "/parley.db";
}
std::string SqliteMemory() { return "sqlite:///:memory:"; }

INSTANTIATE_TEST_SUITE_P(
    Sqlite, BackendConformanceTest,
    ::testing::Values(BackendUnderTest{"sqlite_file", SqliteFile},
                      BackendUnderTest{"sqlite_memory", SqliteMemory}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
