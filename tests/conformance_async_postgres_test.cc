// The conformance suite on PostgreSQL, every call going through
// AsyncStorage. Needs TEST_POSTGRES_URL (tests/pg_test_server.sh); never
// skipped.
#include "backends/postgres/postgres_test_store.h"
#include "gtest/gtest.h"
#include "tests/backend_conformance.h"

namespace parley {
namespace testing {
namespace {

INSTANTIATE_TEST_SUITE_P(PostgresAsync, BackendConformanceTest,
                         ::testing::Values(BackendUnderTest{
                             "postgresql_async", FreshPostgresUrl, true}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
