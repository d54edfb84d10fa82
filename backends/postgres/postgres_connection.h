// A sql::SqlConnection over libpq. Internal to the PostgreSQL backend.
#ifndef PARLEY_BACKENDS_POSTGRES_POSTGRES_CONNECTION_H_
#define PARLEY_BACKENDS_POSTGRES_POSTGRES_CONNECTION_H_

#include <postgresql/libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "backends/postgres/postgres_wire.h"
#include "backends/postgres/prepared_statements.h"
#include "backends/sql/sql_connection.h"
#include "storage/url.h"

namespace parley {
namespace postgres {

// How to reach the server: the libpq keywords read once from a postgresql://
// URL. Copyable; holds the password, which none of its methods prints.
class PostgresConnectParams {
 public:
  // Reads `url`: its hosts (joined with commas for a multi-host URL), user,
  // password and database, and every query option that is a libpq keyword
  // (as PQconndefaults() lists them: sslmode, connect_timeout,
  // application_name, target_session_attrs, ...). The pool's options and
  // `prepared_statements` are Parley's and do not reach libpq. connect_timeout
  // defaults to 10 s (libpq's default is to wait forever). InvalidArgument
  // naming the option for one that is neither, or for a malformed
  // `prepared_statements`.
  static absl::StatusOr<PostgresConnectParams> FromUrl(const StorageUrl& url);

  // False when the URL says prepared_statements=false: every statement is
  // then sent with its parameters in one round trip (PQexecParams) and
  // nothing is kept on the server, as PgBouncer's transaction mode needs.
  // Left unsaid, it is true, except behind a connection pooler (see
  // BehindPooler), where it is false.
  bool prepared_statements() const { return prepared_statements_; }

  // False when the URL says pipeline=false: every operation then holds a
  // pooled connection, as read-modify-writes always do. Left unsaid, true
  // except behind a connection pooler.
  bool pipeline() const { return pipeline_; }

  // Whether the URL said prepared_statements=... / pipeline=... itself.
  bool prepared_statements_given() const { return prepared_statements_given_; }
  bool pipeline_given() const { return pipeline_given_; }

  // These parameters as a pooler in front of the server needs them: each of
  // prepared_statements and pipeline off unless the URL asked for it.
  PostgresConnectParams ForPooler() const;
  // The connections the pipeline shares among all callers
  // (pipeline_connections, 1 to 64; default 4).
  int pipeline_connections() const { return pipeline_connections_; }

  // The URL as messages may show it (password replaced by ***).
  const std::string& redacted_url() const { return redacted_url_; }

 private:
  friend class PostgresConnection;
  PostgresConnectParams() = default;

  std::vector<std::string> keywords_;
  std::vector<std::string> values_;
  std::string password_;  // only to scrub it from libpq's messages
  std::string redacted_url_;
  bool prepared_statements_ = true;
  bool pipeline_ = true;
  bool prepared_statements_given_ = false;
  bool pipeline_given_ = false;
  int pipeline_connections_ = 4;
};

// One libpq connection. Not thread-safe: one thread at a time (the pool's
// lease guarantees it).
//
// Statements are prepared on first use and kept, by their text, for the
// connection's life (unless prepared_statements=false). Parameters go in
// text format with their types left for the server to infer from the
// statement, as SQLAlchemy's drivers do: text as is, JSON as its exact text
// (a `json` column keeps those bytes), booleans as "true"/"false", integers
// in decimal. Rows are read as text; booleans come back as "t"/"f".
//
// Every session starts with client_encoding UTF8, TimeZone UTC and DateStyle
// ISO, so that text and timestamps read back the same whatever the server's
// defaults.
class PostgresConnection : public sql::SqlConnection {
 public:
  // Connects. Unavailable (with libpq's reason, e.g. a refused connection or
  // a failed password) when the server cannot be reached or refuses us; the
  // message shows the redacted URL and never the password.
  static absl::StatusOr<std::unique_ptr<PostgresConnection>> Open(
      const PostgresConnectParams& params);

  // Connects and sets the session up as Open does, and hands the libpq
  // connection itself to the caller (the pipeline).
  static absl::StatusOr<ConnPtr> OpenNative(
      const PostgresConnectParams& params);

  ~PostgresConnection() override;

  absl::StatusOr<int64_t> Execute(
      absl::string_view sql, absl::Span<const sql::SqlValue> params,
      absl::FunctionRef<absl::Status(const sql::SqlRow&)> on_row) override;
  using sql::SqlConnection::Execute;
  absl::Status ExecuteScript(absl::string_view sql) override;
  bool SupportsCopy() const override { return true; }
  absl::Status CopyRows(absl::string_view table, absl::string_view columns,
                        size_t column_count,
                        absl::Span<const sql::SqlValue> values) override;

  // Sends BeginStatement(mode) (postgres_wire.h): READ COMMITTED for
  // kWrite, a read-only REPEATABLE READ snapshot for kRead.
  absl::Status Begin(sql::TransactionMode mode) override;
  // When the connection is lost while COMMIT is in flight, returns
  // CommitOutcomeUnknownError (storage/status_util.h): the server may have
  // committed. A transaction that already failed is rolled back and
  // reported as Aborted.
  absl::Status Commit() override;
  absl::Status Rollback() override;
  bool InTransaction() const override;

  // True once the connection is unusable (its socket broke, the server
  // ended the session): the pool must close it, never lend it again.
  bool IsBroken() const override;

  // One round trip to the server (an empty query). Unavailable when the
  // connection is broken; it is then IsBroken().
  absl::Status Ping() override;

  // The server process serving this connection, as libpq was told at
  // connect time (behind a pooler, a number the pooler made up).
  int BackendPid() const;

  // True when a connection pooler (PgBouncer, or any proxy that answers the
  // startup itself) stands between us and the server: the process id the
  // startup reported is not the pg_backend_pid() of the session. Behind one,
  // consecutive transactions may run on different server sessions, so
  // server-side prepared statements are not used unless the URL said
  // prepared_statements=true.
  bool behind_pooler() const { return behind_pooler_; }

  // How many statements this connection has prepared on the server.
  int prepared_count() const { return static_cast<int>(prepared_.size()); }

 private:
  PostgresConnection(ConnPtr conn, bool prepared_statements,
                     bool behind_pooler);

  // Runs a parameterless command (BEGIN, COMMIT, ...) in the simple query
  // protocol.
  absl::Status Command(const char* sql, absl::string_view context);

  // The name of the server-side statement for `sql`, preparing it first
  // when needed.
  absl::StatusOr<std::string> Prepared(const std::string& sql, int n_params);

  ConnPtr conn_;  // null only once OpenNative took it
  const bool prepared_statements_;
  const bool behind_pooler_;
  // SQL text -> name of the statement prepared on the server.
  PreparedStatements prepared_{PreparedStatements::kConnectionPrefix};
  // Set by Begin, cleared by Commit/Rollback: what InTransaction() reports
  // once the connection is broken and libpq no longer knows.
  bool begun_ = false;
};

}  // namespace postgres
}  // namespace parley

#endif  // PARLEY_BACKENDS_POSTGRES_POSTGRES_CONNECTION_H_
