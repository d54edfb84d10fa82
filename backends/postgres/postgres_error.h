// The one place a libpq error becomes an absl::Status in the PostgreSQL
// backend (after libpqxx's src/result.cxx, which maps SQLSTATEs the same
// way).
#ifndef PARLEY_BACKENDS_POSTGRES_POSTGRES_ERROR_H_
#define PARLEY_BACKENDS_POSTGRES_POSTGRES_ERROR_H_

#include <postgresql/libpq-fe.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parley {
namespace postgres {

// Returns a Status for the failed libpq call described by `context` ("insert
// conversation", "connect to postgresql://bob:***@db/chat"), reading the
// SQLSTATE and primary message of `result_or_null` when there is one, else
// the connection's last error. The message is
// "context: postgresql: <primary message> (SQLSTATE xxxxx)"; it never
// carries a statement's parameters, the server's DETAIL (which quotes row
// values) or the connection string. The code says what the caller should do
// next:
//   23505 unique_violation                        AlreadyExists
//   class 08, 57P01 admin_shutdown, 57P02
//   crash_shutdown, 57P03 cannot_connect_now,
//   or no SQLSTATE and the connection is broken   Unavailable (retry the call)
//   40001 serialization_failure, 40P01 deadlock   Aborted (retry the
//                                                 transaction)
//   class 53 insufficient resources               ResourceExhausted
//   57014 query_canceled (statement_timeout)      DeadlineExceeded
//   class 42 syntax error or access rule          Internal (a bug in our SQL)
//   class 22 data exception                       InvalidArgument
//   XX001 data_corrupted, XX002 index_corrupted   DataLoss
//   anything else                                 Unknown
// Aborted and Unavailable statuses are marked sql::MarkRetryable: the
// transaction they ended left nothing behind and may be run again (on
// another connection).
// REQUIRES: `conn` is not null.
absl::Status PostgresStatus(const PGresult* result_or_null, const PGconn* conn,
                            absl::string_view context);

// A COMMIT whose connection was lost before its answer came is reported with
// CommitOutcomeUnknownError (storage/status_util.h), never a plain failure.

// The SQLSTATE decisions the connection and the pipeline take beyond the
// Status code. Every one reads `result` (null: no SQLSTATE).

// The result's SQLSTATE, or "" for none.
absl::string_view SqlState(const PGresult* result);

// A connection this failure ended: the server said so (class 08, 57P01..3),
// or libpq found the socket closed.
// REQUIRES: `conn` is not null.
bool IsConnectionLoss(const PGresult* result, const PGconn* conn);

// The server no longer has the prepared statement the result's command
// named (26000: a pooler gave us another session) or its plan went stale
// after a schema change (0A000 "cached plan must not change result type"):
// prepare it again. Nothing of the failed command was applied.
bool IsStalePreparedStatement(const PGresult* result);

// PostgresStatus for a failed PQprepare, except that 42P05
// duplicate_prepared_statement (another client's statement of that name on
// this server session, which only a transaction-mode pooler shares) is
// FailedPrecondition, saying to remove prepared_statements=true from the URL.
absl::Status PrepareStatus(const PGresult* result, const PGconn* conn,
                           absl::string_view context);

// PostgresStatus for a statement of a pipelined plan, except that two
// failures which left nothing applied and heal when the plan runs again are
// a retryable Aborted: a stale prepared statement (see
// IsStalePreparedStatement), and 25P02 in_failed_sql_transaction (sent
// behind a failed snapshot read, before its ROLLBACK).
absl::Status PipelinedStatementStatus(const PGresult* result,
                                      const PGconn* conn,
                                      absl::string_view context);

}  // namespace postgres
}  // namespace parley

#endif  // PARLEY_BACKENDS_POSTGRES_POSTGRES_ERROR_H_
