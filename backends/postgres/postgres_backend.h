// The PostgreSQL backend: postgresql://user:password@host:port/database,
// also written postgres://, postgresql+asyncpg:// or postgresql+psycopg2://
// (SQLAlchemy's driver forms), and multi-host
// postgresql://h1:5432,h2:5433/db?target_session_attrs=read-write.
//
// URL options:
//   pool_size, max_overflow, pool_timeout, pool_recycle, pool_pre_ping
//       the connection pool, with SQLAlchemy's meaning and defaults (see
//       backends/sql/pool_options.h)
//   prepared_statements=false
//       send each statement with its parameters in one round trip instead
//       of preparing it once per connection; for PgBouncer in transaction
//       mode, where a prepared statement does not survive the transaction
//   pipeline=false, pipeline_connections=N (1..64, default 4)
//       by default the operations whose statements are known up front
//       (create, save, append, delete, get, list, count) share N connections
//       in libpq's pipeline mode (postgres_pipeline.h): each call's
//       statements go out without waiting for earlier calls' answers, so many
//       callers need few connections and few round trips. Read-modify-writes
//       (updates, toggles, RunInTransaction) use the pool. pipeline=false
//       sends everything through the pool.
//   any libpq connection keyword (sslmode, connect_timeout, application_name,
//   target_session_attrs, options, ...)
//       passed to libpq as given; connect_timeout defaults to 10 s
// Any other option is InvalidArgument naming it.
#ifndef PARLEY_BACKENDS_POSTGRES_POSTGRES_BACKEND_H_
#define PARLEY_BACKENDS_POSTGRES_POSTGRES_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "storage/backend.h"
#include "storage/backend_type.h"
#include "storage/url.h"

namespace parley {

// Opens the PostgreSQL database `url` names and applies
// `options.schema_policy` (see backends/sql/sql_backend.h). InvalidArgument
// for an unknown or malformed option; Unavailable when the server cannot be
// reached or refuses the credentials (the message shows the URL redacted,
// never the password); FailedPrecondition for a schema the policy refuses.
//
// Isolation: each write runs in a READ COMMITTED transaction that locks the
// rows it rewrites (SELECT ... FOR UPDATE); multi-statement reads run in one
// REPEATABLE READ snapshot. A serialization failure, a deadlock or a
// connection lost before COMMIT is retried on another connection. A
// connection lost during COMMIT is reported as Unknown, with
// IsCommitOutcomeUnknown() true (api/storage.h):
// the write may or may not have been applied.
absl::StatusOr<std::unique_ptr<Backend>> OpenPostgresBackend(
    const StorageUrl& url, const BackendOptions& options);

// The backend's declaration: schemes, URL form, pool options.
const BackendType& PostgresBackendType();

}  // namespace parley

#endif  // PARLEY_BACKENDS_POSTGRES_POSTGRES_BACKEND_H_
