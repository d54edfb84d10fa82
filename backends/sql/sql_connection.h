// The connection interface the shared SQL layer runs on, after SOCI's
// session_backend: each database library (SQLite, libpq) implements
// SqlConnection once, and everything above it (schema, records, the Backend)
// is written once in backends/sql/.
//
// Statements are prepared once per connection (cached by their text) and
// always take bound parameters: values are never spliced into SQL.
#ifndef PARLEY_BACKENDS_SQL_SQL_CONNECTION_H_
#define PARLEY_BACKENDS_SQL_SQL_CONNECTION_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace parley {
namespace sql {

// One bound parameter. Text is referenced, not copied: it must outlive the
// Execute call it is passed to.
class SqlValue {
 public:
  enum class Kind { kNull, kText, kJson, kInt64, kBool };

  static SqlValue Null() { return SqlValue(Kind::kNull); }
  static SqlValue Text(absl::string_view text) {
    SqlValue v(Kind::kText);
    v.text_ = text;
    return v;
  }
  // JSON text for a column whose declared type is JSON. A connection may
  // need to bind it specially to keep its bytes (see the SQLite backend).
  static SqlValue Json(absl::string_view text) {
    SqlValue v(Kind::kJson);
    v.text_ = text;
    return v;
  }
  static SqlValue Int64(int64_t value) {
    SqlValue v(Kind::kInt64);
    v.int_ = value;
    return v;
  }
  static SqlValue Bool(bool value) {
    SqlValue v(Kind::kBool);
    v.int_ = value ? 1 : 0;
    return v;
  }
  // Text when `has`, else NULL (proto3 `optional` fields).
  static SqlValue OptionalText(bool has, absl::string_view text) {
    return has ? Text(text) : Null();
  }
  static SqlValue OptionalJson(bool has, absl::string_view text) {
    return has ? Json(text) : Null();
  }

  Kind kind() const { return kind_; }
  absl::string_view text() const { return text_; }
  int64_t int64() const { return int_; }
  bool boolean() const { return int_ != 0; }

 private:
  explicit SqlValue(Kind kind) : kind_(kind) {}
  Kind kind_;
  absl::string_view text_;
  int64_t int_ = 0;
};

// The current row of a running statement; valid only inside the row
// callback. Columns are numbered from 0.
class SqlRow {
 public:
  virtual ~SqlRow() = default;
  virtual bool IsNull(int column) const = 0;
  // The column as text (numbers in their text form); empty for NULL.
  virtual std::string Text(int column) const = 0;
  // The same text stored into `*out` (reusing its buffer), for readers that
  // fill a record's fields in place; a connection may skip the temporary.
  virtual void TextInto(int column, std::string* out) const {
    *out = Text(column);
  }
  // The text without a copy where the connection can lend it (valid until
  // the row moves on), else copied into `*scratch` and viewed there.
  virtual absl::string_view TextView(int column, std::string* scratch) const {
    TextInto(column, scratch);
    return *scratch;
  }
  virtual int64_t Int64(int column) const = 0;
  virtual bool Bool(int column) const = 0;
};

enum class TransactionMode {
  // A read-only snapshot.
  kRead,
  // Takes the write lock at BEGIN, so no later statement can fail for a
  // writer that committed in between (SQLite: BEGIN IMMEDIATE).
  kWrite,
};

// A connection to one database. Not thread-safe: one thread at a time uses
// it, which the connection source's lease guarantees.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  // Runs the statement `sql` (placeholders in the dialect's form) with
  // `params` bound to ?1, ?2, ..., calling `on_row` for each row it yields;
  // stops at and returns the first error `on_row` returns. Returns the
  // number of rows the statement changed. The statement is prepared on first
  // use and kept for the connection's lifetime.
  virtual absl::StatusOr<int64_t> Execute(
      absl::string_view sql, absl::Span<const SqlValue> params,
      absl::FunctionRef<absl::Status(const SqlRow&)> on_row) = 0;

  // Runs one or more statements without parameters and without caching
  // them (DDL).
  virtual absl::Status ExecuteScript(absl::string_view sql) = 0;

  virtual absl::Status Begin(TransactionMode mode) = 0;
  virtual absl::Status Commit() = 0;
  // Rolls back the open transaction; OK when none is open.
  virtual absl::Status Rollback() = 0;
  virtual bool InTransaction() const = 0;

  // Bulk loading: whether CopyRows works on this connection.
  virtual bool SupportsCopy() const { return false; }

  // Loads rows into `table` (its `columns`, comma-separated) in one bulk
  // transfer inside the open transaction (PostgreSQL: COPY ... FROM
  // STDIN), with the meaning of an INSERT of those rows: constraints and
  // triggers apply, and a failure leaves the transaction failed. `values`
  // holds the rows one after another, `column_count` values each.
  // Unimplemented unless SupportsCopy().
  virtual absl::Status CopyRows(absl::string_view table,
                                absl::string_view columns, size_t column_count,
                                absl::Span<const SqlValue> values) {
    (void)table;
    (void)columns;
    (void)column_count;
    (void)values;
    return absl::UnimplementedError("this connection has no bulk copy");
  }

  // True once the connection is known to be unusable (its server went away,
  // its socket broke); a connection source discards it instead of lending it
  // again.
  virtual bool IsBroken() const { return false; }

  // Checks that the connection still works (PostgreSQL: one round trip), for
  // a pool's pool_pre_ping; an error means it must not be lent. OK by
  // default: a connection that cannot go stale (a SQLite file) needs no
  // check.
  virtual absl::Status Ping() { return absl::OkStatus(); }

  // Execute for statements whose rows are not read.
  absl::StatusOr<int64_t> Execute(absl::string_view sql,
                                  absl::Span<const SqlValue> params) {
    return Execute(sql, params, [](const SqlRow&) { return absl::OkStatus(); });
  }
};

// Marks an error after which the whole transaction may simply be run again
// (the database was busy, or a serialization failure): each connection's
// error mapping sets it, and SqlBackend retries such transactions with
// bounded backoff. Annotate() keeps it.
inline constexpr absl::string_view kRetryablePayloadUrl =
    "type.parley.dev/sql.retryable";
inline absl::Status MarkRetryable(absl::Status status) {
  status.SetPayload(kRetryablePayloadUrl, absl::Cord("1"));
  return status;
}
inline bool IsRetryable(const absl::Status& status) {
  return status.GetPayload(kRetryablePayloadUrl).has_value();
}

class SqlConnectionSource;

// A connection lent by a SqlConnectionSource. Move-only; gives the
// connection back in its destructor, rolled back first when it comes back
// inside a transaction (so an early return can never leave one open).
class SqlConnectionLease {
 public:
  SqlConnectionLease(SqlConnection* connection, SqlConnectionSource* source)
      : connection_(connection), source_(source) {}
  SqlConnectionLease(SqlConnectionLease&& other) noexcept
      : connection_(std::exchange(other.connection_, nullptr)),
        source_(std::exchange(other.source_, nullptr)) {}
  SqlConnectionLease& operator=(SqlConnectionLease&& other) noexcept;
  SqlConnectionLease(const SqlConnectionLease&) = delete;
  SqlConnectionLease& operator=(const SqlConnectionLease&) = delete;
  ~SqlConnectionLease() { GiveBack(); }

  SqlConnection& operator*() const { return *connection_; }
  SqlConnection* operator->() const { return connection_; }
  SqlConnection* get() const { return connection_; }

 private:
  void GiveBack();

  SqlConnection* connection_;
  SqlConnectionSource* source_;
};

// Where a SqlBackend gets its connections: a pool of them, or one shared
// connection (SQLite's :memory:). Thread-safe.
class SqlConnectionSource {
 public:
  virtual ~SqlConnectionSource() = default;

  // A connection for the caller's exclusive use until the lease ends.
  // ResourceExhausted when none became free within the source's timeout;
  // the connection's own error when opening a new one fails.
  virtual absl::StatusOr<SqlConnectionLease> Acquire() = 0;

 protected:
  SqlConnectionLease MakeLease(SqlConnection* connection) {
    return SqlConnectionLease(connection, this);
  }

 private:
  friend class SqlConnectionLease;
  // Takes back a connection lent by Acquire (never inside a transaction).
  // `healthy` is false when rolling back failed: the source should close it.
  virtual void Release(SqlConnection* connection, bool healthy) = 0;
};

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_SQL_CONNECTION_H_
