// The raw libpq baseline: a RawConnection straight over libpq.
#ifndef PARLEY_BENCH_RAW_LIBPQ_H_
#define PARLEY_BENCH_RAW_LIBPQ_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bench/raw_sql.h"

namespace parley {
namespace bench {

// Connects with the libpq connection string `conninfo` (a postgresql://
// URL without Parley's own options) and prepares every statement once
// (PQprepare; PQexecPrepared per call, parameters as text). Transactions are
// BEGIN / COMMIT, the rows a write reads locked with FOR UPDATE, as the
// backend does.
absl::StatusOr<std::unique_ptr<RawConnection>> OpenRawLibpq(
    const std::string& conninfo);

// Runs one unprepared statement (CREATE DATABASE, DROP DATABASE) on a
// connection of its own.
absl::Status ExecuteLibpq(const std::string& conninfo, const std::string& sql);

// The postgresql:// URL `url` with its database replaced by `db`.
std::string WithDatabase(const std::string& url, const std::string& db);

}  // namespace bench
}  // namespace parley

#endif  // PARLEY_BENCH_RAW_LIBPQ_H_
