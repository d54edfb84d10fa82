// Parley's SQL schema and its ordered migrations, written once for every
// dialect.
//
// Version 1 is the rewrite's four tables exactly (users, subscriptions,
// conversations, messages; see API.md), so a store the rewrite created is
// adopted by recording version 1, and an empty store gets the same tables
// before migrating up: new and adopted stores end identical. Later versions
// add columns (never drop one) and backfill them. The version lives in
// table parley_schema_version, one row per applied migration.
#ifndef PARLEY_BACKENDS_SQL_SCHEMA_H_
#define PARLEY_BACKENDS_SQL_SCHEMA_H_

#include "absl/status/statusor.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/sql_dialect.h"
#include "storage/backend.h"

namespace parley {
namespace sql {

// The newest schema version this code knows.
inline constexpr int kCodeSchemaVersion = 3;

// Reads where the store's schema stands: 0 for an empty store, -1 for the
// rewrite's tables without a version table. FailedPrecondition when only
// some of the rewrite's tables exist. Runs in the caller's transaction, if
// any.
absl::StatusOr<SchemaStatus> ReadSchemaStatus(SqlConnection& connection,
                                              const SqlDialect& dialect);

// Applies every pending migration in order, each in its own write
// transaction that first takes the dialect's schema lock and re-reads the
// version, so that of two processes upgrading at once only one runs each
// migration. FailedPrecondition when the stored schema is newer than the
// code. REQUIRES: `connection` is not in a transaction.
absl::StatusOr<SchemaStatus> UpgradeSchema(SqlConnection& connection,
                                           const SqlDialect& dialect);

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_SCHEMA_H_
