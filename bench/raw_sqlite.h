// The raw sqlite3 baseline: a RawConnection straight over the C API.
#ifndef PARLEY_BENCH_RAW_SQLITE_H_
#define PARLEY_BENCH_RAW_SQLITE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bench/raw_sql.h"

namespace parley {
namespace bench {

// Opens `path` with the SQLite backend's settings (WAL, synchronous=FULL,
// foreign_keys=ON, busy_timeout 5000 ms, extended result codes) and
// prepares every statement once. BEGIN IMMEDIATE for writes, BEGIN DEFERRED
// for reads, as the backend. REQUIRES: the store's tables exist.
absl::StatusOr<std::unique_ptr<RawConnection>> OpenRawSqlite(
    const std::string& path);

}  // namespace bench
}  // namespace parley

#endif  // PARLEY_BENCH_RAW_SQLITE_H_
