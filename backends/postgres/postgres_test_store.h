// Fresh, empty PostgreSQL stores for tests, on the throwaway server that
// tests/pg_test_server.sh starts and TEST_POSTGRES_URL names.
//
// Each store is a new schema in that database, and its URL carries
// `options=-csearch_path=<schema>`, so every connection of the store sees
// only its own tables: tests never see each other's data, and no database
// needs creating per test.
#ifndef PARLEY_BACKENDS_POSTGRES_POSTGRES_TEST_STORE_H_
#define PARLEY_BACKENDS_POSTGRES_POSTGRES_TEST_STORE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parley {
namespace testing {

// The value of TEST_POSTGRES_URL. FailedPrecondition, saying how to start a
// server, when it is unset or empty.
absl::StatusOr<std::string> TestPostgresUrl();

// Creates a new, empty schema and returns the URL of a store that lives in
// it, with `extra_options` ("pool_size=1&pool_timeout=0.5") added to the
// query. The schema is left behind; the server is throwaway.
absl::StatusOr<std::string> NewPostgresTestStore(
    absl::string_view extra_options = "");

// NewPostgresTestStore() for BackendUnderTest::fresh_url: on error, records
// a test failure with the reason and returns a URL that does not open.
std::string FreshPostgresUrl();

// Which PgBouncer of tests/pgbouncer_test_server.sh a store goes through.
enum class PgBouncerMode { kTransaction, kSession };

// The PgBouncer URL for `mode` (TEST_PGBOUNCER_TRANSACTION_URL or
// TEST_PGBOUNCER_SESSION_URL). FailedPrecondition, saying how to start one,
// when it is unset.
absl::StatusOr<std::string> TestPgBouncerUrl(PgBouncerMode mode);

// A fresh store reached through PgBouncer. PgBouncer refuses the startup
// `options` that NewPostgresTestStore uses for the search_path, so each
// store is instead a new role (made on the server TEST_POSTGRES_URL names)
// whose own schema is its default search_path (ALTER ROLE ... SET), which
// the server applies to every session PgBouncer opens for that role. The
// URL is the PgBouncer URL with that role and its password, and
// `extra_options` added.
absl::StatusOr<std::string> NewPgBouncerTestStore(
    PgBouncerMode mode, absl::string_view extra_options = "");

// NewPgBouncerTestStore for BackendUnderTest::fresh_url.
std::string FreshPgBouncerTransactionUrl();
std::string FreshPgBouncerSessionUrl();

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_BACKENDS_POSTGRES_POSTGRES_TEST_STORE_H_
