// Everything the shared SQL layer needs to know about one SQL dialect, in one
// place, with both dialects side by side so they can be compared line by
// line. The statements themselves are written once (schema.cc,
// sql_records.cc) with SQLite-style numbered placeholders (?1, ?2, ...);
// Rewrite() turns them into the dialect's form.
#ifndef PARLEY_BACKENDS_SQL_SQL_DIALECT_H_
#define PARLEY_BACKENDS_SQL_SQL_DIALECT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace parley {
namespace sql {

struct SqlDialect {
  // "sqlite" or "postgresql", for messages.
  absl::string_view name;

  // Numbered placeholders: '?' gives ?1 (SQLite), '$' gives $1 (libpq).
  char placeholder_prefix;

  // Type names for the columns Parley adds (the rewrite's own columns keep
  // the SQLAlchemy type names both databases accept: BOOLEAN, TIMESTAMP,
  // JSON, INTEGER, VARCHAR(n), TEXT).
  absl::string_view bigint_type;

  // The current UTC time as the rewrite's timestamp columns hold it, for the
  // columns the contract has no key for (messages.created_at,
  // conversations.updated_at, users.updated_at).
  absl::string_view now_expression;

  // One row when table ?1 exists in the current schema.
  absl::string_view table_exists_query;

  // Run first inside each migration's transaction so that two processes
  // cannot run the same migration. Empty for SQLite, whose BEGIN IMMEDIATE
  // already admits one writer at a time.
  absl::string_view schema_lock_statement;

  // Appended to the SELECT of a read-modify-write, so that two writers of
  // the same row queue up (SQLite: the write transaction already excludes
  // every other writer).
  absl::string_view for_update;

  // Makes ORDER BY on ids byte order (the JSON store sorts file names that
  // way); PostgreSQL would otherwise use the database's locale collation.
  absl::string_view byte_order_collation;

  // "ALTER TABLE $0 ALTER COLUMN $1 TYPE $2", or empty when the dialect does
  // not enforce declared lengths (SQLite ignores VARCHAR(36)), in which case
  // the widening steps of migration 2 are skipped.
  absl::string_view alter_column_type;

  // `sql` with every ?N placeholder in this dialect's form. The statements
  // this is applied to contain no '?' inside string literals.
  std::string Rewrite(absl::string_view sql) const {
    if (placeholder_prefix == '?') return std::string(sql);
    std::string out(sql);
    for (char& c : out) {
      if (c == '?') c = placeholder_prefix;
    }
    return out;
  }
};

inline const SqlDialect& SqliteDialect() {
  static constexpr SqlDialect kDialect = {
      /*name=*/"sqlite",
      /*placeholder_prefix=*/'?',
      /*bigint_type=*/"INTEGER",
      /*now_expression=*/"strftime('%Y-%m-%d %H:%M:%f', 'now')",
      /*table_exists_query=*/
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
      /*schema_lock_statement=*/"",
      /*for_update=*/"",
      /*byte_order_collation=*/"",
      /*alter_column_type=*/"",
  };
  return kDialect;
}

// For the PostgreSQL backend (libpq).
inline const SqlDialect& PostgresDialect() {
  static constexpr SqlDialect kDialect = {
      /*name=*/"postgresql",
      /*placeholder_prefix=*/'$',
      /*bigint_type=*/"BIGINT",
      /*now_expression=*/"(now() AT TIME ZONE 'utc')",
      /*table_exists_query=*/
      "SELECT 1 FROM information_schema.tables "
      "WHERE table_schema = current_schema() AND table_name = ?1",
      // An arbitrary constant naming Parley's schema lock; the lock ends with
      // the transaction.
      /*schema_lock_statement=*/"SELECT pg_advisory_xact_lock(7083974455)",
      /*for_update=*/" FOR UPDATE",
      /*byte_order_collation=*/" COLLATE \"C\"",
      /*alter_column_type=*/"ALTER TABLE $0 ALTER COLUMN $1 TYPE $2",
  };
  return kDialect;
}

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_SQL_DIALECT_H_
