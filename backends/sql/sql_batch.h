// RecordStream's operations (storage/record_stream.h) as multi-row
// statements on one connection, without transaction control: SqlBackend
// wraps each call in the transaction it needs.
//
// Writes are INSERT ... VALUES (...), (...), ... ON CONFLICT (...) DO UPDATE,
// the statement both dialects share; reads are SELECT ... WHERE id IN (...).
// A batch of N records therefore costs a handful of statements per kind, not
// several per record. Statement texts depend on the number of rows, so row
// counts are powers of two (a batch of 100 is 64 + 32 + 4 rows; IN lists are
// padded by repeating their last id): each table needs at most a dozen
// distinct texts, and each text is prepared once per connection and reused.
#ifndef PARLEY_BACKENDS_SQL_SQL_BATCH_H_
#define PARLEY_BACKENDS_SQL_SQL_BATCH_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/sql_dialect.h"
#include "storage/backend.h"

namespace parley {
namespace sql {

// Thread-safe: holds only the dialect.
class SqlBatchRecords {
 public:
  explicit SqlBatchRecords(const SqlDialect& dialect) : dialect_(dialect) {}

  // As RecordStream::PutBatch. REQUIRES a write transaction on `c`.
  absl::Status PutBatch(SqlConnection& c, const RecordBatch& batch) const;

  // As RecordStream::GetBatch. REQUIRES a transaction on `c` (its statements
  // must see one snapshot).
  absl::StatusOr<RecordBatch> GetBatch(SqlConnection& c,
                                       const RecordIds& ids) const;

 private:
  const SqlDialect& dialect_;
};

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_SQL_BATCH_H_
