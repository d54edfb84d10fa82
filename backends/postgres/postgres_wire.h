// What the PostgreSQL connection and the pipeline both send and read:
// Parley's parameters in libpq's text format, and libpq's results as
// sql::SqlRows. Internal to the PostgreSQL backend.
#ifndef PARLEY_BACKENDS_POSTGRES_POSTGRES_WIRE_H_
#define PARLEY_BACKENDS_POSTGRES_POSTGRES_WIRE_H_

#include <postgresql/libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "backends/sql/sql_connection.h"

namespace parley {
namespace postgres {

// The owners of libpq's objects: nothing in the backend calls PQfinish or
// PQclear by hand.
struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// The BEGIN that opens a transaction of `mode`. kWrite: BEGIN (READ
// COMMITTED; the shared SQL locks rows it will rewrite with FOR UPDATE).
// kRead: BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY, one snapshot for
// every statement of the transaction.
const char* BeginStatement(sql::TransactionMode mode);

// True for a result that reports success (command, rows, empty query).
bool IsOkResult(const PGresult* result);

// How many rows the command of `result` changed (PQcmdTuples), 0 when it
// does not say.
int64_t ChangedRows(const PGresult* result);

// Appends `value` to `out` as a field of COPY's text format: backslash,
// newline, carriage return and tab escaped, NULL as \N, booleans as t/f,
// integers in decimal. InvalidArgument when a text holds a NUL byte, which
// PostgreSQL text cannot hold.
absl::Status AppendCopyField(const sql::SqlValue& value, std::string* out);

// Parameters in libpq's text format: text and JSON as their bytes,
// booleans as "true"/"false", integers in decimal, NULL as a null pointer.
// `values()` stays valid as long as this object.
class TextParams {
 public:
  // InvalidArgument when a text holds a NUL byte: PostgreSQL text cannot
  // hold one, and libpq would silently cut the value short there.
  absl::Status Encode(absl::Span<const sql::SqlValue> params);
  const char* const* values() const { return values_.data(); }
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::string> texts_;
  std::vector<const char*> values_;
};

// Row `row` of a result of text columns; booleans read from "t"/"f".
class PostgresRow : public sql::SqlRow {
 public:
  PostgresRow(const PGresult* result, int row) : result_(result), row_(row) {}

  bool IsNull(int column) const override;
  std::string Text(int column) const override;
  int64_t Int64(int column) const override;
  bool Bool(int column) const override;

 private:
  const PGresult* const result_;
  const int row_;
};

}  // namespace postgres
}  // namespace parley

#endif  // PARLEY_BACKENDS_POSTGRES_POSTGRES_WIRE_H_
