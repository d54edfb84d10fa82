#include "bench/migrate_compare.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/storage.h"
#include "backends/builtin_backends.h"
#include "bench/raw_libpq.h"
#include "cli/workload.h"
#include "storage/backend_registry.h"
#include "storage/migrate.h"
#include "storage/migrate_source.h"
#include "storage/migrate_verify.h"
#include "storage/status_macros.h"

namespace parley {
namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 ? v[v.size() / 2]
                      : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Runs `argv` (no shell), its output to `log`; an error naming the program
// and the log when it fails.
absl::Status RunProgram(const std::vector<std::string>& argv,
                        const std::string& log) {
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    if (std::freopen(log.c_str(), "w", stdout) == nullptr ||
        std::freopen(log.c_str(), "a", stderr) == nullptr) {
      _exit(126);
    }
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    return absl::InternalError(absl::StrCat("waitpid for ", argv[0]));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      argv[0], " failed (",
      WIFEXITED(status) ? absl::StrCat("exit ", WEXITSTATUS(status)) : "killed",
      WIFEXITED(status) && WEXITSTATUS(status) == 127
          ? "; is it installed? bash tests/install_deps.sh"
          : "",
      "); see ", log));
}

class MigrateBench {
 public:
  MigrateBench(std::string dir, std::string server)
      : dir_(std::move(dir)), server_(std::move(server)) {}

  ~MigrateBench() {
    for (const std::string& db : databases_) {
      ExecuteLibpq(server_, absl::StrCat("DROP DATABASE IF EXISTS ", db))
          .IgnoreError();
    }
  }

  absl::StatusOr<std::vector<std::string>> Run(const WorkloadParams& params,
                                               int runs) {
    const std::string json = absl::StrCat("json:", dir_, "/source");
    {
      // Written without fsync: the source is not what is measured.
      ASSIGN_OR_RETURN(std::unique_ptr<Storage> source,
                       Storage::Open(json + "?fsync=false"));
      RETURN_IF_ERROR(LoadUsers(*source, Workload(params), 0, params.users));
      ASSIGN_OR_RETURN(StorageCounts counts, source->Count());
      messages_ = counts.messages;
      std::printf(
          "store: U=%d C=%d E=%d: %lld profiles, %lld subscriptions, "
          "%lld conversations, %lld messages\n",
          params.users, params.conversations_per_user, params.exchanges,
          static_cast<long long>(counts.profiles),
          static_cast<long long>(counts.subscriptions),
          static_cast<long long>(counts.conversations),
          static_cast<long long>(counts.messages));
    }
    for (int run = 0; run < runs; ++run) {
      // json -> postgresql, then the \copy of its rows.
      ASSIGN_OR_RETURN(std::string pg, FreshDatabase());
      RETURN_IF_ERROR(Parley("json -> postgresql", json, pg, /*verify=*/false));
      RETURN_IF_ERROR(PsqlCopy(pg, run));
      // The SQLite file, and what is copied from it.
      const std::string sqlite =
          absl::StrCat("sqlite:///", dir_, "/store_", run, ".db");
      RETURN_IF_ERROR(Parley("json -> sqlite", json, sqlite, false));
      ASSIGN_OR_RETURN(std::string pg2, FreshDatabase());
      RETURN_IF_ERROR(
          Parley("sqlite -> postgresql --verify", sqlite, pg2, true));
      RETURN_IF_ERROR(
          Pgloader(sqlite.substr(std::string("sqlite:///").size())));
      RETURN_IF_ERROR(Parley(
          "postgresql -> sqlite", pg,
          absl::StrCat("sqlite:///", dir_, "/back_", run, ".db"), false));
      RETURN_IF_ERROR(Parley("postgresql -> json", pg,
                             absl::StrCat("json:", dir_, "/back_", run),
                             false));
    }
    return Targets();
  }

 private:
  absl::StatusOr<std::string> FreshDatabase() {
    const std::string db =
        absl::StrCat("parley_migrate_bench_", getpid(), "_", databases_.size());
    RETURN_IF_ERROR(
        ExecuteLibpq(server_, absl::StrCat("CREATE DATABASE ", db)));
    databases_.push_back(db);
    return WithDatabase(server_, db);
  }

  void Record(const std::string& what, double seconds) {
    times_[what].push_back(seconds);
    std::printf("%s: %.2f s, %.0f messages/s\n", what.c_str(), seconds,
                messages_ / std::max(seconds, 1e-9));
    std::fflush(stdout);
  }

  // parley migrate SOURCE -> DEST (with --verify's record-by-record check
  // when `verify`); the clock runs over both.
  absl::Status Parley(const std::string& what, const std::string& from,
                      const std::string& to, bool verify) {
    ASSIGN_OR_RETURN(StorageUrl from_url, ParseDatabaseUrl(from));
    ASSIGN_OR_RETURN(StorageUrl to_url, ParseDatabaseUrl(to));
    const auto start = Clock::now();
    ASSIGN_OR_RETURN(std::unique_ptr<Backend> source_backend,
                     OpenSourceStore(from_url, OpenBackend));
    std::unique_ptr<RecordSource> source =
        BackendRecordSource(*source_backend, "source");
    ASSIGN_OR_RETURN(
        MigrationStats stats,
        MigrateInto(*source, to_url, OpenBackend, MigrateOptions()));
    if (stats.messages_written != messages_) {
      return absl::InternalError(
          absl::StrCat(what, ": ", stats.messages_written,
                       " messages written of ", messages_));
    }
    if (verify) {
      ASSIGN_OR_RETURN(std::unique_ptr<Backend> dest_backend,
                       OpenBackend(to_url, BackendOptions()));
      std::unique_ptr<RecordSource> dest =
          BackendRecordSource(*dest_backend, "destination");
      ASSIGN_OR_RETURN(VerifyReport report,
                       VerifyStores(*source, *dest, VerifyOptions()));
      if (!report.clean(false)) {
        return absl::DataLossError(
            absl::StrCat(what, ": ", report.differences(), " differences"));
      }
    }
    Record(what, Seconds(start));
    return absl::OkStatus();
  }

  // The rows Parley stored in `pg`, exported with \copy and loaded with
  // \copy into a fresh database whose schema Parley created: only the load
  // is timed, in one transaction (-1), as migrate's is.
  absl::Status PsqlCopy(const std::string& pg, int run) {
    static const char* const kTables[] = {"users", "subscriptions",
                                          "conversations", "messages"};
    std::vector<std::string> out = {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                                    pg};
    std::vector<std::string> in = out;
    ASSIGN_OR_RETURN(std::string dest, FreshDatabase());
    in[5] = dest;
    in.push_back("-1");
    for (const char* table : kTables) {
      const std::string file = absl::StrCat(dir_, "/", table, "_", run, ".tsv");
      out.insert(out.end(),
                 {"-c", absl::StrCat("\\copy ", table, " TO '", file, "'")});
      in.insert(in.end(),
                {"-c", absl::StrCat("\\copy ", table, " FROM '", file, "'")});
    }
    RETURN_IF_ERROR(RunProgram(out, dir_ + "/psql_export.log"));
    { ASSIGN_OR_RETURN(std::unique_ptr<Storage> s, Storage::Open(dest)); }
    const auto start = Clock::now();
    RETURN_IF_ERROR(RunProgram(in, dir_ + "/psql_copy.log"));
    Record("psql \\copy (same rows, one transaction)", Seconds(start));
    return absl::OkStatus();
  }

  absl::Status Pgloader(const std::string& file) {
    ASSIGN_OR_RETURN(std::string dest, FreshDatabase());
    const auto start = Clock::now();
    RETURN_IF_ERROR(
        RunProgram({"pgloader", "--quiet", "--root-dir", dir_ + "/pgloader",
                    absl::StrCat("sqlite://", file), dest},
                   dir_ + "/pgloader.log"));
    Record("pgloader sqlite -> postgresql", Seconds(start));
    return absl::OkStatus();
  }

  double Rate(const std::string& what) {
    const double t = Median(times_[what]);
    return t > 0 ? messages_ / t : 0;
  }

  static std::string Target(const std::string& name, double ratio,
                            double at_least) {
    return absl::StrFormat("target %s: %.2fx (target %.2fx) %s", name, ratio,
                           at_least, ratio >= at_least ? "MET" : "MISSED");
  }

  std::vector<std::string> Targets() {
    std::printf("medians of %zu runs (messages/s):\n",
                times_.begin()->second.size());
    for (const auto& [what, times] : times_) {
      std::printf("  %-45s %8.0f  (%.2f s)\n", what.c_str(), Rate(what),
                  Median(times));
    }
    const double json_pg = Rate("json -> postgresql");
    return {
        Target("migrate json -> postgresql vs psql \\copy of the same rows",
               json_pg / Rate("psql \\copy (same rows, one transaction)"), 0.8),
        Target("migrate sqlite -> postgresql --verify vs pgloader",
               Rate("sqlite -> postgresql --verify") /
                   Rate("pgloader sqlite -> postgresql"),
               1.0),
        Target("migrate postgresql -> sqlite vs json -> postgresql",
               Rate("postgresql -> sqlite") / json_pg, 1.0),
        Target("migrate postgresql -> json vs json -> postgresql",
               Rate("postgresql -> json") / json_pg, 1.0),
    };
  }

  const std::string dir_;
  const std::string server_;
  int64_t messages_ = 0;
  std::vector<std::string> databases_;
  std::map<std::string, std::vector<double>> times_;
};

}  // namespace

absl::StatusOr<std::vector<std::string>> CompareMigrations(
    const std::string& dir, const std::string& server,
    const WorkloadParams& params, int runs) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(absl::StrCat("cannot create ", dir));
  }
  MigrateBench bench(dir, server);
  return bench.Run(params, std::max(1, runs));
}

}  // namespace bench
}  // namespace parley
