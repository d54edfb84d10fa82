// The conformance suite on PostgreSQL through PgBouncer 1.18, in transaction
// mode and in session mode (tests/pgbouncer_test_server.sh), with Parley's
// default URL options: a fresh role and schema per case. Without PgBouncer
// every case fails, saying how to start it: never skipped.
#include "backends/postgres/postgres_test_store.h"
#include "gtest/gtest.h"
#include "tests/backend_conformance.h"

namespace parley {
namespace testing {
namespace {

INSTANTIATE_TEST_SUITE_P(
    PgBouncer, BackendConformanceTest,
    ::testing::Values(
        BackendUnderTest{"pgbouncer_transaction", FreshPgBouncerTransactionUrl},
        BackendUnderTest{"pgbouncer_session", FreshPgBouncerSessionUrl}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
