// The SQLite backend: sqlite:///relative.db, sqlite:////absolute.db,
// sqlite:///:memory:.
//
// Schemes sqlite, sqlite+aiosqlite, sqlite+pysqlite (SQLAlchemy's driver
// forms; same meaning). An empty path ("sqlite://") is ":memory:".
//
// URL options (beyond the pool's pool_size, max_overflow, pool_timeout;
// pool_recycle and pool_pre_ping are refused: a file connection does not go
// stale):
//   busy_timeout_ms=N   how long a statement waits for another connection's
//                       lock before the transaction is retried (default
//                       5000; SQLite's own default 0 fails at once)
//   synchronous=full|normal|off   PRAGMA synchronous (default full: a
//                       committed transaction survives power loss)
// Any other option is InvalidArgument naming it.
#ifndef PARLEY_BACKENDS_SQLITE_SQLITE_BACKEND_H_
#define PARLEY_BACKENDS_SQLITE_SQLITE_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "storage/backend.h"
#include "storage/backend_type.h"
#include "storage/url.h"

namespace parley {

// Opens (creating when absent) the SQLite database `url` names and applies
// `options.schema_policy` (see backends/sql/sql_backend.h). InvalidArgument
// for an unknown or malformed option; Unavailable when the file cannot be
// opened; FailedPrecondition for a schema the policy refuses.
absl::StatusOr<std::unique_ptr<Backend>> OpenSqliteBackend(
    const StorageUrl& url, const BackendOptions& options);

// The backend's declaration: schemes, options, traits (writes serialized).
const BackendType& SqliteBackendType();

}  // namespace parley

#endif  // PARLEY_BACKENDS_SQLITE_SQLITE_BACKEND_H_
