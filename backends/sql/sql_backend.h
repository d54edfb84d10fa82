// A parley::Backend over any SQL database, given a connection source and a
// dialect. backends/sqlite and backends/postgres each supply those two and
// nothing else of the Backend.
#ifndef PARLEY_BACKENDS_SQL_SQL_BACKEND_H_
#define PARLEY_BACKENDS_SQL_SQL_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/sql_dialect.h"
#include "backends/sql/sql_plan.h"
#include "storage/backend.h"

namespace parley {
namespace sql {

// Opens a Backend on `source` and applies `options.schema_policy`:
// kUpgrade migrates the store up to the code's version (creating the schema
// in an empty store, adopting the rewrite's tables); kRefuseOlder returns
// FailedPrecondition for an older store; a store newer than the code is
// FailedPrecondition except under kInspectOnly, where every method but
// those of schema_admin() returns FailedPrecondition until the store is at
// the code's version.
//
// Each method runs as one transaction on a pooled connection (write
// transactions take the write lock at BEGIN); a transaction that fails
// because the database is busy is run again with bounded backoff, so
// callers do not see transient lock errors (on PostgreSQL also a
// serialization failure or deadlock, 40001/40P01, and a connection lost
// before COMMIT). RunInTransaction gives serializable isolation on SQLite
// (one writer at a time); on PostgreSQL its writes run at READ COMMITTED,
// and every read-modify-write locks its rows with SELECT ... FOR UPDATE, so
// concurrent writers of one record queue up rather than overwrite each
// other.
//
// Operations whose statements are known up front (storing, appending,
// deleting, reading a record; see sql_plan.h) run in `runner` when one is
// given (the PostgreSQL pipeline), else on a connection from `source`;
// read-modify-writes, scans, batches and RunInTransaction always hold a
// connection from `source`.
//
// `writes` says how the write transactions of concurrent callers run:
// kEach, each in a transaction of its own (a database of many concurrent
// writers); kGrouped, queued and committed in groups (a database of one
// writer at a time, where every commit waits for its turn and an fsync; see
// group_commit.h). Transactions of RunInTransaction are never grouped.
enum class Writes { kEach, kGrouped };
absl::StatusOr<std::unique_ptr<Backend>> NewSqlBackend(
    std::unique_ptr<SqlConnectionSource> source, const SqlDialect& dialect,
    const BackendOptions& options, std::unique_ptr<PlanRunner> runner = nullptr,
    Writes writes = Writes::kEach);

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_SQL_BACKEND_H_
