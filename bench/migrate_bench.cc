// Migration speed beside psql \copy and pgloader: see migrate_compare.h.
//
//   bazel run -c opt //bench:migrate_bench -- --users=200 --runs=3
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "bench/migrate_compare.h"
#include "cli/workload.h"
#include "storage/status_macros.h"

ABSL_FLAG(int, users, 200, "U: users (WORKLOAD.md: 200)");
ABSL_FLAG(int, conversations, 10, "C: conversations per user");
ABSL_FLAG(int, exchanges, 3, "E: exchanges per conversation");
ABSL_FLAG(int, runs, 3, "runs of every system; medians are printed");
ABSL_FLAG(std::string, postgres_url, "",
          "the server (default $TEST_POSTGRES_URL)");

namespace parley {
namespace bench {
namespace {

absl::Status Main() {
  std::string server = absl::GetFlag(FLAGS_postgres_url);
  if (server.empty() && std::getenv("TEST_POSTGRES_URL") != nullptr) {
    server = std::getenv("TEST_POSTGRES_URL");
  }
  if (server.empty()) {
    return absl::FailedPreconditionError(
        "no PostgreSQL server: set TEST_POSTGRES_URL (eval \"$(bash "
        "tests/pg_test_server.sh start)\") or pass --postgres_url");
  }
  std::string tmpl = "/tmp/parley_migrate_bench_XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::UnavailableError("cannot create a folder in /tmp");
  }
  WorkloadParams params;
  params.users = absl::GetFlag(FLAGS_users);
  params.conversations_per_user = absl::GetFlag(FLAGS_conversations);
  params.exchanges = absl::GetFlag(FLAGS_exchanges);
  std::printf("stores in %s\n", tmpl.c_str());
  ASSIGN_OR_RETURN(
      std::vector<std::string> targets,
      CompareMigrations(tmpl, server, params, absl::GetFlag(FLAGS_runs)));
  for (const std::string& line : targets) std::printf("%s\n", line.c_str());
  return absl::OkStatus();
}

}  // namespace
}  // namespace bench
}  // namespace parley

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Status status = parley::bench::Main();
  if (!status.ok()) {
    std::fprintf(stderr, "migrate_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
