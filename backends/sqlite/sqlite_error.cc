#include "backends/sqlite/sqlite_error.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "backends/sql/sql_connection.h"

namespace parley {
namespace sqlite {
namespace {

absl::StatusCode CodeFor(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
      return absl::StatusCode::kAlreadyExists;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return absl::StatusCode::kFailedPrecondition;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
      return absl::StatusCode::kUnavailable;
    case SQLITE_SCHEMA:
      return absl::StatusCode::kAborted;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::StatusCode::kDataLoss;
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return absl::StatusCode::kPermissionDenied;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return absl::StatusCode::kInvalidArgument;
    case SQLITE_INTERRUPT:
      return absl::StatusCode::kCancelled;
  }
  return absl::StatusCode::kInternal;
}

}  // namespace

absl::Status SqliteStatus(sqlite3* db, int rc, absl::string_view context) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) {
    return absl::OkStatus();
  }
  // The connection's message describes the latest failure on it, which is
  // `rc` unless the caller passes a code from elsewhere.
  const char* message = db != nullptr && sqlite3_extended_errcode(db) == rc
                            ? sqlite3_errmsg(db)
                            : sqlite3_errstr(rc);
  absl::Status status(CodeFor(rc),
                      context.empty()
                          ? absl::StrCat("sqlite: ", message)
                          : absl::StrCat(context, ": sqlite: ", message));
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED ||
      primary == SQLITE_SCHEMA) {
    status = sql::MarkRetryable(std::move(status));
  }
  return status;
}

}  // namespace sqlite
}  // namespace parley
