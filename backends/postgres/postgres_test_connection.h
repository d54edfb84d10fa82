// Opens a PostgresConnection straight from a URL, for this package's tests.
#ifndef PARLEY_BACKENDS_POSTGRES_POSTGRES_TEST_CONNECTION_H_
#define PARLEY_BACKENDS_POSTGRES_POSTGRES_TEST_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/postgres/postgres_backend.h"
#include "backends/postgres/postgres_connection.h"
#include "backends/sql/sql_connection.h"
#include "storage/url.h"

namespace parley {
namespace testing {

inline absl::StatusOr<std::unique_ptr<postgres::PostgresConnection>>
ConnectForTest(absl::string_view url_text) {
  absl::StatusOr<StorageUrl> url = PostgresBackendType().ParseUrl(url_text);
  if (!url.ok()) return url.status();
  absl::StatusOr<postgres::PostgresConnectParams> params =
      postgres::PostgresConnectParams::FromUrl(*url);
  if (!params.ok()) return params.status();
  return postgres::PostgresConnection::Open(*params);
}

// The single text value the query yields (the first column of its first
// row), or NotFound when it yields no row.
inline absl::StatusOr<std::string> QueryText(
    sql::SqlConnection& connection, absl::string_view query,
    absl::Span<const sql::SqlValue> params = {}) {
  std::string value;
  bool found = false;
  absl::StatusOr<int64_t> ran =
      connection.Execute(query, params, [&](const sql::SqlRow& row) {
        if (!found) value = row.IsNull(0) ? "NULL" : row.Text(0);
        found = true;
        return absl::OkStatus();
      });
  if (!ran.ok()) return ran.status();
  if (!found) return absl::NotFoundError("no row");
  return value;
}

// Ends the server process behind `pid` and waits (up to 5 s) until it has
// exited, as an administrator's pg_terminate_backend or a crash would.
inline absl::Status TerminateBackend(sql::SqlConnection& admin, int pid) {
  absl::StatusOr<std::string> done =
      QueryText(admin, "SELECT pg_terminate_backend($1::int, 5000)",
                {sql::SqlValue::Int64(pid)});
  if (!done.ok()) return done.status();
  if (*done != "t") return absl::InternalError("pg_terminate_backend failed");
  return absl::OkStatus();
}

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_BACKENDS_POSTGRES_POSTGRES_TEST_CONNECTION_H_
