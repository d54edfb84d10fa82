// The conformance suite on PostgreSQL: a fresh schema per case, on the
// throwaway server tests/pg_test_server.sh starts (TEST_POSTGRES_URL). Without
// a server every case fails, saying how to start one: never skipped.
#include "backends/postgres/postgres_test_store.h"
#include "gtest/gtest.h"
#include "tests/backend_conformance.h"

namespace parley {
namespace testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Postgres, BackendConformanceTest,
                         ::testing::Values(BackendUnderTest{"postgresql",
                                                            FreshPostgresUrl}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
