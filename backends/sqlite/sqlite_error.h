// SQLite result codes -> absl::Status: the one place this backend maps them.
#ifndef PARLEY_BACKENDS_SQLITE_SQLITE_ERROR_H_
#define PARLEY_BACKENDS_SQLITE_SQLITE_ERROR_H_

#include <sqlite3.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parley {
namespace sqlite {

// The status for result code `rc` (extended codes are used when `db` has them
// on): "context: sqlite: <message>", where the message is `db`'s error
// message when it describes `rc`, else sqlite3_errstr(rc). SQLite's messages
// name tables, columns and constraints, never bound values.
//   SQLITE_OK, SQLITE_ROW, SQLITE_DONE          OK
//   CONSTRAINT_PRIMARYKEY, CONSTRAINT_UNIQUE    AlreadyExists
//   other CONSTRAINT (foreign key, not null)    FailedPrecondition
//   BUSY, LOCKED                                Unavailable, retryable
//   SCHEMA                                      Aborted, retryable
//   CORRUPT, NOTADB                             DataLoss
//   FULL, NOMEM                                 ResourceExhausted
//   CANTOPEN, IOERR                             Unavailable
//   PERM, READONLY, AUTH                        PermissionDenied
//   TOOBIG, RANGE, MISMATCH                     InvalidArgument
//   INTERRUPT                                   Cancelled
//   anything else (ERROR, MISUSE, ...)          Internal
// `db` may be null (a failed open).
absl::Status SqliteStatus(sqlite3* db, int rc, absl::string_view context);

}  // namespace sqlite
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQLITE_SQLITE_ERROR_H_
