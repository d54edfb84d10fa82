// The raw baselines' side of the benchmark: the statements the SQL backends
// run for each call of the load, read and count phases, written out by hand
// (after backends/sql/sql_records.cc and record_rows.cc) and issued straight
// through the C library, prepared once per connection, with no record
// mapping, JSON checking or contract logic in between. What Parley costs on
// top of these is what the benchmark's ratios show.
//
// The tables are the backend's own: a baseline runs on a store that
// Storage::Open created (and so on the same schema, indexes and settings).
#ifndef PARLEY_BENCH_RAW_SQL_H_
#define PARLEY_BENCH_RAW_SQL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/council_ops.h"

namespace parley {
namespace bench {

enum class Stmt {
  kEnsureUser,
  kUpsertProfile,
  kSelectSubscription,
  kUpsertSubscription,
  kInsertConversation,
  kLockConversation,
  kAppendMessage,
  kListUser,
  kSelectConversation,
  kSelectMessages,
  kCountUser,
  kCountActive,
};
inline constexpr int kStmtCount = 12;

// The statement in SQLite's form: ?N placeholders, `NOW()` for the current
// UTC time as the backend writes it, ` FOR UPDATE` where PostgreSQL needs
// the row lock. `now` and `for_update` are the dialect's replacements.
std::string StmtText(Stmt stmt, const std::string& now,
                     const std::string& for_update, char placeholder);

struct RawParam {
  enum class Kind { kNull, kText, kInt, kBool };
  Kind kind = Kind::kNull;
  std::string text;
  int64_t number = 0;

  static RawParam Null() { return RawParam(); }
  static RawParam Text(std::string t) {
    RawParam p;
    p.kind = Kind::kText;
    p.text = std::move(t);
    return p;
  }
  static RawParam Int(int64_t n) {
    RawParam p;
    p.kind = Kind::kInt;
    p.number = n;
    return p;
  }
  static RawParam Bool(bool b) {
    RawParam p;
    p.kind = Kind::kBool;
    p.number = b ? 1 : 0;
    return p;
  }
};

// Every column of every row, as text (NULL as "").
using RawRows = std::vector<std::vector<std::string>>;

// One connection of a C library. Not thread-safe: one per thread.
class RawConnection {
 public:
  virtual ~RawConnection() = default;
  virtual absl::StatusOr<RawRows> Exec(Stmt stmt,
                                       const std::vector<RawParam>& params) = 0;
  // `write`: a transaction that writes (SQLite: BEGIN IMMEDIATE).
  virtual absl::Status Begin(bool write) = 0;
  virtual absl::Status Commit() = 0;
  virtual absl::Status Rollback() = 0;
};

// An OpTarget making the load, read and count calls on `connection` with
// the backend's statements, one transaction per call as the backend does.
// Other calls are Unimplemented. `row_locks`: the database locks rows
// (PostgreSQL), so an append first locks its conversation, as the backend
// does; SQLite's write transaction already excludes other writers.
std::unique_ptr<OpTarget> RawSqlTarget(
    std::unique_ptr<RawConnection> connection, bool row_locks);

// Whether RawSqlTarget covers every call of the phase.
bool RawCovers(Phase phase);

}  // namespace bench
}  // namespace parley

#endif  // PARLEY_BENCH_RAW_SQL_H_
