#include "backends/postgres/postgres_error.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "backends/sql/sql_connection.h"

namespace parley {
namespace postgres {
namespace {

// The messages of a login the server refused: a wrong password, a role that
// does not exist, no pg_hba.conf entry, or a server that wants a password
// none was given for.
bool IsLoginRefused(absl::string_view message) {
  for (absl::string_view refused :
       {"password authentication failed", "no pg_hba.conf entry",
        "authentication failed for user", "fe_sendauth: no password supplied",
        "does not exist (SQLSTATE 28", "role \""}) {
    if (absl::StrContains(message, refused)) return true;
  }
  return false;
}

// libpq's messages for a TLS connection its own settings refuse: a server
// certificate no trusted CA signed, one for another host name, a CA file that
// is missing, or a server without TLS when sslmode requires it. Like a wrong
// password, retrying never heals these: the URL or the server must change.
bool IsTlsRefused(absl::string_view message) {
  for (absl::string_view refused :
       {"certificate verify failed", "does not match host name",
        "root certificate file", "server does not support SSL",
        "could not get server's host name from server certificate",
        "SSL error: tlsv1 alert unknown ca", "could not read root certificate",
        "could not load private key", "certificate present, but not"}) {
    if (absl::StrContains(message, refused)) return true;
  }
  return false;
}

// The server has no connection left for us (53300, which libpq reports
// without its SQLSTATE at connect time): max_connections, the slots kept for
// superusers, or the role's or database's CONNECTION LIMIT. Checked before
// IsLoginRefused, whose `role "` would otherwise take "too many connections
// for role" for a refused login: this one heals once a connection closes.
bool IsOutOfConnections(absl::string_view message) {
  for (absl::string_view full :
       {"too many connections", "sorry, too many clients already",
        "remaining connection slots are reserved"}) {
    if (absl::StrContains(message, full)) return true;
  }
  return false;
}

// Class 08 connection_exception, 57P01 admin_shutdown, 57P02 crash_shutdown,
// 57P03 cannot_connect_now: the session is gone or never was.
bool IsConnectionState(absl::string_view state) {
  return state.substr(0, 2) == "08" || state == "57P01" || state == "57P02" ||
         state == "57P03";
}

absl::StatusCode CodeForSqlState(absl::string_view state) {
  const absl::string_view sqlstate_class = state.substr(0, 2);
  if (state == "23505") return absl::StatusCode::kAlreadyExists;
  if (state == "28P01" || state == "28000") {
    return absl::StatusCode::kPermissionDenied;
  }
  if (IsConnectionState(state)) return absl::StatusCode::kUnavailable;
  if (state == "40001" || state == "40P01") return absl::StatusCode::kAborted;
  if (sqlstate_class == "53") return absl::StatusCode::kResourceExhausted;
  if (state == "57014") return absl::StatusCode::kDeadlineExceeded;
  if (sqlstate_class == "42") return absl::StatusCode::kInternal;
  if (sqlstate_class == "22") return absl::StatusCode::kInvalidArgument;
  if (state == "XX001" || state == "XX002") return absl::StatusCode::kDataLoss;
  return absl::StatusCode::kUnknown;
}

// libpq's own messages span lines ("server closed the connection
// unexpectedly\n\tThis probably means ...\n") and end with a newline: one
// line, trimmed, reads better inside a Status.
std::string OneLine(absl::string_view text) {
  std::vector<absl::string_view> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) lines.push_back(line);
  }
  return absl::StrJoin(lines, "; ");
}

}  // namespace

absl::Status PostgresStatus(const PGresult* result_or_null, const PGconn* conn,
                            absl::string_view context) {
  const char* state = nullptr;
  const char* primary = nullptr;
  if (result_or_null != nullptr) {
    state = PQresultErrorField(result_or_null, PG_DIAG_SQLSTATE);
    primary = PQresultErrorField(result_or_null, PG_DIAG_MESSAGE_PRIMARY);
  }
  std::string message;
  if (primary != nullptr && *primary != '\0') {
    message = OneLine(primary);
  } else if (result_or_null != nullptr &&
             *PQresultErrorMessage(result_or_null) != '\0') {
    message = OneLine(PQresultErrorMessage(result_or_null));
  } else {
    message = OneLine(PQerrorMessage(conn));
  }
  if (message.empty()) message = "unknown error";

  // libpq reports a lost connection, an out-of-memory and a protocol error
  // with no SQLSTATE (libpqxx notes the same): only the connection's state
  // tells the first apart.
  const bool has_state = state != nullptr && *state != '\0';
  absl::StatusCode code = absl::StatusCode::kUnknown;
  if (has_state) {
    code = CodeForSqlState(state);
    // A data exception's primary message may quote the offending value
    // ('invalid input syntax for type integer: "abc"'); values never go
    // into a Status, so keep only the part before the quote.
    if (absl::string_view(state).substr(0, 2) == "22") {
      const size_t colon = message.find(": ");
      if (colon != std::string::npos) message.resize(colon);
    }
  }
  if (PQstatus(conn) == CONNECTION_BAD &&
      (!has_state || code == absl::StatusCode::kUnknown)) {
    // libpq gives a refused login no SQLSTATE either; its text is the
    // server's (28P01, 28000) or libpq's own. Retrying never heals it.
    code = IsOutOfConnections(message) ? absl::StatusCode::kResourceExhausted
           : IsLoginRefused(message)   ? absl::StatusCode::kPermissionDenied
           : IsTlsRefused(message)     ? absl::StatusCode::kFailedPrecondition
                                       : absl::StatusCode::kUnavailable;
  }
  if (has_state) absl::StrAppend(&message, " (SQLSTATE ", state, ")");
  absl::Status status(code, absl::StrCat(context, ": postgresql: ", message));
  // A serialization failure or deadlock undid the whole transaction, and a
  // lost connection took its transaction with it: either way nothing was
  // applied, and running the transaction again on another connection is
  // what the caller would do (see PostgresConnection::Commit for the one
  // loss that is not like this).
  if (code == absl::StatusCode::kAborted ||
      code == absl::StatusCode::kUnavailable) {
    status = sql::MarkRetryable(std::move(status));
  }
  return status;
}

absl::string_view SqlState(const PGresult* result) {
  if (result == nullptr) return "";
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return state == nullptr ? "" : state;
}

bool IsConnectionLoss(const PGresult* result, const PGconn* conn) {
  return PQstatus(conn) == CONNECTION_BAD ||
         IsConnectionState(SqlState(result));
}

bool IsStalePreparedStatement(const PGresult* result) {
  const absl::string_view state = SqlState(result);
  return state == "26000" || state == "0A000";
}

absl::Status PrepareStatus(const PGresult* result, const PGconn* conn,
                           absl::string_view context) {
  absl::Status status = PostgresStatus(result, conn, context);
  if (SqlState(result) == "42P05") {
    // Another client's statement of that name on this server session:
    // only a transaction-mode pooler shares a session like that.
    return absl::FailedPreconditionError(absl::StrCat(
        status.message(),
        "; a pooler in transaction mode (PgBouncer) shares server sessions "
        "between clients: remove prepared_statements=true from the URL"));
  }
  return status;
}

absl::Status PipelinedStatementStatus(const PGresult* result,
                                      const PGconn* conn,
                                      absl::string_view context) {
  absl::Status status = PostgresStatus(result, conn, context);
  if (IsStalePreparedStatement(result) || SqlState(result) == "25P02") {
    return sql::MarkRetryable(absl::AbortedError(status.message()));
  }
  return status;
}

}  // namespace postgres
}  // namespace parley
