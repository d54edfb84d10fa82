// Migration speed beside what users would run instead, on one store in one
// run (issue 15, part 3):
//
//   json -> postgresql     parley migrate (MigrateInto, then VerifyStores)
//   psql \copy             the same rows, exported from that database, loaded
//                          into a fresh one with the same schema: the ceiling
//   json -> sqlite         parley, making the SQLite file for the next two
//   sqlite -> postgresql   parley, verified record by record
//   pgloader               the same SQLite file into a fresh database
//   postgresql -> sqlite   parley
//   postgresql -> json     parley
//
// Each run is timed from start to end (Parley's verify included where it
// says so); rates are the store's messages per second. Every store is
// durable (Parley's defaults; the PostgreSQL server should run with fsync
// on, as the README's command starts it).
//
// Run by //bench:council (once, in its postgresql part) and by
//   bazel run -c opt //bench:migrate_bench -- --users=200 --runs=3
#ifndef PARLEY_BENCH_MIGRATE_COMPARE_H_
#define PARLEY_BENCH_MIGRATE_COMPARE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/workload.h"

namespace parley {
namespace bench {

// Writes the workload store of `params` in `dir`, runs every system `runs`
// times on the server `server` (a postgresql:// URL; one fresh database
// each), prints each run and the medians, and returns the target lines
// ("target ...: 0.57x (target 0.80x) MISSED"). Needs psql and pgloader.
absl::StatusOr<std::vector<std::string>> CompareMigrations(
    const std::string& dir, const std::string& server,
    const WorkloadParams& params, int runs);

}  // namespace bench
}  // namespace parley

#endif  // PARLEY_BENCH_MIGRATE_COMPARE_H_
