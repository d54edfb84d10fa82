// The council benchmark (../shared/WORKLOAD.md) on every backend, sync and
// async, at several worker counts, against raw C-library baselines measured
// in the same run. See BENCHMARK.md.
//
//   bazel run -c opt //bench:council -- --backend=all
//   bazel run -c opt //bench:council -- --backend=json,sqlite --quick
//
// Every store uses its default, durable settings (JSON: fsync on every
// write; SQLite: WAL, synchronous=FULL, BEGIN IMMEDIATE per write;
// PostgreSQL: the server's settings), and so do the baselines.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/async_storage.h"
#include "api/storage.h"
#include "backends/builtin_backends.h"
#include "bench/council_ops.h"
#include "bench/migrate_compare.h"
#include "bench/raw_libpq.h"
#include "bench/raw_sql.h"
#include "bench/raw_sqlite.h"
#include "cli/workload.h"
#include "storage/migrate.h"
#include "storage/migrate_source.h"
#include "storage/migrate_verify.h"
#include "storage/url.h"

ABSL_FLAG(std::string, backend, "all",
          "all, or a comma-separated list of json, sqlite, postgresql");
ABSL_FLAG(int, users, 200, "U: users");
ABSL_FLAG(int, conversations, 10, "C: conversations per user");
ABSL_FLAG(int, exchanges, 3, "E: exchanges per conversation");
ABSL_FLAG(std::string, workers, "1,8,64", "W: worker counts to run");
ABSL_FLAG(uint64_t, seed, 42, "S: seed");
ABSL_FLAG(int, contention_appends, 10,
          "appends per worker in the contention run");
ABSL_FLAG(int64_t, min_read_calls, 5000,
          "a pass of the read or count phase repeats its calls up to at least "
          "this many (0: the phase once), raw baselines alike");
ABSL_FLAG(int, read_passes, 5,
          "passes of the read and count phases, the systems taking turns; "
          "the median pass is printed");
ABSL_FLAG(bool, quick, false,
          "a small run (U=12, C=3, E=2, W=1,8, small listing and migration "
          "stores): a smoke test, not a measurement");
ABSL_FLAG(std::string, dir, "",
          "scratch folder for the stores (default: $TEST_TMPDIR or /tmp)");
ABSL_FLAG(std::string, postgres_url, "",
          "a PostgreSQL server to benchmark on (default: "
          "$TEST_POSTGRES_URL); the role must be allowed to create databases");
ABSL_FLAG(std::string, postgres_options, "",
          "options added to the PostgreSQL store's URL (not the raw "
          "baseline's), e.g. pipeline_connections=4 or pipeline=false");

namespace parley {
namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Config {
  WorkloadParams params;
  std::vector<int> workers;
  std::vector<std::string> backends;
  int contention_appends = 10;
  int64_t min_read_calls = 0;      // RepeatCalls for the read and count phases
  int read_passes = 1;             // and how many passes of them (MedianPass)
  std::vector<int> listing_sizes;  // JSON: other conversations in the store
  int migrate_users = 0;           // the smaller migration store
  std::string dir;
  std::string postgres_url;
  std::string postgres_options;  // for Parley's stores only
};

enum class Mode { kRaw, kSync, kAsync };
const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kRaw:
      return "raw";
    case Mode::kSync:
      return "sync";
    case Mode::kAsync:
      return "async";
  }
  return "?";
}

std::string Thousands(double value) {
  std::string digits = absl::StrFormat("%.0f", value);
  std::string out;
  const int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    out.push_back(digits[i]);
    if ((n - i - 1) % 3 == 0 && i != n - 1) out.push_back(',');
  }
  return out;
}

std::string Figures(const PhaseResult& r) {
  std::string line = absl::StrFormat(
      "%s ops/s (p50 %s us, p99 %s us)", Thousands(r.OpsPerSecond()),
      Thousands(r.QuantileUs(0.5)), Thousands(r.QuantileUs(0.99)));
  if (r.errors > 0) {
    absl::StrAppend(&line, " [", r.errors,
                    " errors; first: ", r.first_error.ToString(), "]");
  }
  return line;
}

double PeakRssMb() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // Linux: kilobytes
}

// VmHWM of this process, after ResetPeakRss(): the peak of one stretch.
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }
double PeakRssSinceResetMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      int64_t kb = 0;
      std::vector<std::string> parts =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kb)) {
        return kb / 1024.0;
      }
    }
  }
  return 0;
}

// ---- Stores ----------------------------------------------------------------

// Replaces the database of a postgresql:// URL.
std::string WithOption(const std::string& url, const std::string& option) {
  return absl::StrCat(url, url.find('?') == std::string::npos ? "?" : "&",
                      option);
}

// A fresh, empty store of `backend` for one run: its Parley URL, and what a
// raw baseline connects to.
struct FreshStore {
  std::string url;       // for Storage::Open (with the pool sized to W)
  std::string raw_path;  // SQLite file, or libpq conninfo
};

class Stores {
 public:
  explicit Stores(const Config& config) : config_(config) {}

  absl::StatusOr<FreshStore> Make(const std::string& backend,
                                  const std::string& label, int workers) {
    const std::string name = absl::StrCat(label, "_", ++counter_);
    // One connection per thread, as the raw baselines have, and one spare
    // (once for the writer lane, which no built-in backend has now; kept so
    // that figures stay comparable with the runs in BENCHMARK.md).
    const std::string pool =
        absl::StrCat("pool_size=", workers + 1, "&max_overflow=0");
    if (backend == "json") {
      return FreshStore{absl::StrCat("json:", config_.dir, "/", name), ""};
    }
    if (backend == "sqlite") {
      const std::string path = absl::StrCat(config_.dir, "/", name, ".db");
      return FreshStore{WithOption(absl::StrCat("sqlite:///", path), pool),
                        path};
    }
    if (config_.postgres_url.empty()) {
      return absl::FailedPreconditionError(
          "no PostgreSQL server: set TEST_POSTGRES_URL (eval \"$(bash "
          "tests/pg_test_server.sh start)\") or pass --postgres_url");
    }
    const std::string db = absl::StrCat("parley_bench_", getpid(), "_", name);
    absl::Status created = ExecuteLibpq(config_.postgres_url,
                                        absl::StrCat("CREATE DATABASE ", db));
    if (!created.ok()) return created;
    databases_.push_back(db);
    const std::string url = WithDatabase(config_.postgres_url, db);
    std::string store = WithOption(url, pool);
    if (!config_.postgres_options.empty()) {
      store = WithOption(store, config_.postgres_options);
    }
    return FreshStore{store, url};
  }

  ~Stores() {
    for (const std::string& db : databases_) {
      absl::Status dropped = ExecuteLibpq(
          config_.postgres_url, absl::StrCat("DROP DATABASE IF EXISTS ", db));
      if (!dropped.ok()) {
        std::fprintf(stderr, "%s\n", dropped.ToString().c_str());
      }
    }
  }

 private:
  const Config& config_;
  int counter_ = 0;
  std::vector<std::string> databases_;
};

const char* RawName(const std::string& backend) {
  return backend == "sqlite" ? "raw sqlite3" : "raw libpq";
}

// ---- Runs
// ---------------------------------------------------------------------

struct Key {
  std::string backend;
  Phase phase;
  Mode mode;
  int workers;
  bool operator<(const Key& o) const {
    return std::tie(backend, phase, mode, workers) <
           std::tie(o.backend, o.phase, o.mode, o.workers);
  }
};

class Council {
 public:
  explicit Council(Config config)
      : config_(std::move(config)),
        workload_(config_.params),
        stores_(config_) {
    const auto start = Clock::now();
    for (Phase phase : kPhases) scripts_[phase] = BuildPhase(phase, workload_);
    for (Phase phase : {Phase::kRead, Phase::kCount}) {
      scripts_[phase] =
          RepeatCalls(std::move(scripts_[phase]), config_.min_read_calls);
    }
    std::printf("workload: U=%d C=%d E=%d S=%llu, generated in %.1f s\n",
                config_.params.users, config_.params.conversations_per_user,
                config_.params.exchanges,
                static_cast<unsigned long long>(config_.params.seed),
                std::chrono::duration<double>(Clock::now() - start).count());
  }

  void Run() {
    for (const std::string& backend : config_.backends) {
      const auto start = Clock::now();
      RunBackend(backend);
      std::printf("%s: done in %.0f s; peak RSS so far %.0f MB\n",
                  backend.c_str(),
                  std::chrono::duration<double>(Clock::now() - start).count(),
                  PeakRssMb());
      std::fflush(stdout);
    }
    Summary();
    std::printf("peak RSS: %.0f MB\n", PeakRssMb());
  }

 private:
  void Print(const std::string& backend, Phase phase, Mode mode, int w,
             const PhaseResult& r) {
    results_[{backend, phase, mode, w}] = r.OpsPerSecond();
    p99_us_[{backend, phase, mode, w}] = r.QuantileUs(0.99);
    std::string line =
        absl::StrCat(backend, " ", PhaseName(phase), " W=", w, " ",
                     mode == Mode::kRaw ? RawName(backend) : ModeName(mode),
                     ": ", Figures(r));
    auto raw = results_.find({backend, phase, Mode::kRaw, w});
    if (mode != Mode::kRaw && raw != results_.end() && raw->second > 0) {
      absl::StrAppend(
          &line, absl::StrFormat(" = %.2fx %s", r.OpsPerSecond() / raw->second,
                                 RawName(backend)));
    }
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }

  void Fail(const std::string& what, const absl::Status& status) {
    std::printf("%s: %s\n", what.c_str(), status.ToString().c_str());
    std::fflush(stdout);
    ++failures_;
  }

  // For each W, the raw baseline, sync and async each get a fresh store,
  // and run phase by phase in lockstep (raw, sync, async for load, then for
  // edit, ...), so that the figures a ratio compares are taken minutes, not
  // tens of minutes, apart on a machine whose disk speed drifts.
  void RunBackend(const std::string& backend) {
    for (int w : config_.workers) {
      std::optional<TargetFactory> raw;
      if (backend != "json") raw = OpenRaw(backend, w);
      std::unique_ptr<Storage> sync = OpenStore(backend, Mode::kSync, w);
      std::unique_ptr<AsyncStorage> async;
      if (std::unique_ptr<Storage> s = OpenStore(backend, Mode::kAsync, w)) {
        AsyncStorageOptions options;
        options.workers = w;
        async = AsyncStorage::Wrap(std::move(s), options);
      }
      for (Phase phase : kPhases) {
        // A phase that only reads runs `read_passes` times, the systems
        // taking turns pass by pass; the others run once.
        const bool reads = phase == Phase::kRead || phase == Phase::kCount;
        const int passes = reads ? config_.read_passes : 1;
        std::map<Mode, std::vector<PhaseResult>> results;
        for (int pass = 0; pass < passes; ++pass) {
          if (raw.has_value() && RawCovers(phase)) {
            results[Mode::kRaw].push_back(
                RunOnThreads(scripts_[phase], w, *raw));
          }
          if (sync != nullptr) {
            Storage* storage = sync.get();
            results[Mode::kSync].push_back(
                RunOnThreads(scripts_[phase], w, [storage]() {
                  return absl::StatusOr<std::unique_ptr<OpTarget>>(
                      StorageTarget(storage));
                }));
          }
          if (async != nullptr) {
            results[Mode::kAsync].push_back(
                RunAsync(scripts_[phase], w, *async));
          }
        }
        for (auto& [mode, runs] : results) {
          Print(backend, phase, mode, w, MedianPass(std::move(runs)));
        }
      }
    }
    Contention(backend);
    if (backend == "json") JsonListing();
    if (backend == "postgresql") Migrate();
  }

  // A fresh store for `mode` at `w` workers, or null (reported).
  std::unique_ptr<Storage> OpenStore(const std::string& backend, Mode mode,
                                     int w) {
    const std::string what =
        absl::StrCat(backend, " W=", w, " ", ModeName(mode));
    absl::StatusOr<FreshStore> store =
        stores_.Make(backend, absl::StrCat(ModeName(mode), "_w", w), w);
    if (!store.ok()) {
      Fail(what, store.status());
      return nullptr;
    }
    if (mode == Mode::kRaw) raw_path_ = store->raw_path;
    absl::StatusOr<std::unique_ptr<Storage>> opened = Storage::Open(store->url);
    if (!opened.ok()) {
      Fail(what, opened.status());
      return nullptr;
    }
    return *std::move(opened);
  }

  // A fresh store whose schema Storage::Open created, for the baseline to
  // take over: one connection per thread.
  std::optional<TargetFactory> OpenRaw(const std::string& backend, int w) {
    if (OpenStore(backend, Mode::kRaw, w) == nullptr) return std::nullopt;
    const std::string raw_path = raw_path_;
    return TargetFactory(
        [backend, raw_path]() -> absl::StatusOr<std::unique_ptr<OpTarget>> {
          absl::StatusOr<std::unique_ptr<RawConnection>> c =
              backend == "sqlite" ? OpenRawSqlite(raw_path)
                                  : OpenRawLibpq(raw_path);
          if (!c.ok()) return c.status();
          return RawSqlTarget(*std::move(c),
                              /*row_locks=*/backend != "sqlite");
        });
  }

  // All workers append to the same 10 conversations; every message must be
  // there, each worker's in its order.
  void Contention(const std::string& backend) {
    const int w =
        *std::max_element(config_.workers.begin(), config_.workers.end());
    for (Mode mode : {Mode::kSync, Mode::kAsync}) {
      const std::string what =
          absl::StrCat(backend, " contention W=", w, " ", ModeName(mode));
      absl::StatusOr<FreshStore> store =
          stores_.Make(backend, absl::StrCat("contention_", ModeName(mode)), w);
      if (!store.ok()) return Fail(what, store.status());
      absl::StatusOr<std::unique_ptr<Storage>> opened =
          Storage::Open(store->url);
      if (!opened.ok()) return Fail(what, opened.status());
      std::vector<std::string> ids;
      for (int i = 0; i < 10; ++i) {
        ids.push_back(absl::StrFormat("hot-%02d", i));
        absl::Status created =
            (*opened)->CreateConversation(ids.back(), "contended").status();
        if (!created.ok()) return Fail(what, created);
      }
      const Script script = BuildContention(ids, w, config_.contention_appends);
      PhaseResult r;
      Storage* storage = opened->get();
      std::unique_ptr<AsyncStorage> async;
      if (mode == Mode::kSync) {
        r = RunOnThreads(script, w, [storage]() {
          return absl::StatusOr<std::unique_ptr<OpTarget>>(
              StorageTarget(storage));
        });
      } else {
        AsyncStorageOptions options;
        options.workers = w;
        async = AsyncStorage::Wrap(*std::move(opened), options);
        r = RunAsync(script, w, *async);
      }
      // Check through a Storage of its own once the writers are done.
      async.reset();
      opened->reset();
      absl::StatusOr<std::unique_ptr<Storage>> check =
          Storage::Open(store->url);
      if (!check.ok()) return Fail(what, check.status());
      int64_t found = 0;
      int64_t out_of_order = 0;
      for (const std::string& id : ids) {
        absl::StatusOr<std::optional<Conversation>> c =
            (*check)->GetConversation(id);
        if (!c.ok() || !c->has_value()) {
          return Fail(what, c.ok() ? absl::NotFoundError(id) : c.status());
        }
        std::map<int, int> last;  // worker -> last index seen
        for (const Message& m : (**c).messages()) {
          ++found;
          int t = 0;
          int i = 0;
          std::vector<std::string> parts = absl::StrSplit(m.content(), ':');
          if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &t) ||
              !absl::SimpleAtoi(parts[1], &i)) {
            ++out_of_order;
            continue;
          }
          auto it = last.find(t);
          if (it != last.end() && it->second >= i) ++out_of_order;
          last[t] = i;
        }
      }
      const int64_t expected = int64_t{w} * config_.contention_appends;
      const bool ok = found == expected && out_of_order == 0 && r.errors == 0;
      std::printf(
          "%s contention W=%d %s: %s; %lld of %lld messages found, %lld out "
          "of order: %s\n",
          backend.c_str(), w, ModeName(mode), Figures(r).c_str(),
          static_cast<long long>(found), static_cast<long long>(expected),
          static_cast<long long>(out_of_order),
          ok ? "no message lost" : "MESSAGES LOST");
      std::fflush(stdout);
      if (!ok) ++failures_;
    }
  }

  // Listing one user's conversations as the store around it grows.
  void JsonListing() {
    const std::string dir = absl::StrCat(config_.dir, "/json_listing");
    // Filling the store is not what is measured: it is written without
    // fsync. The listing is timed on a store opened with the defaults.
    absl::StatusOr<std::unique_ptr<Storage>> filler =
        Storage::Open(absl::StrCat("json:", dir, "?fsync=false"));
    if (!filler.ok()) return Fail("json listing", filler.status());
    for (int c = 0; c < config_.params.conversations_per_user; ++c) {
      absl::Status s =
          (*filler)
              ->CreateConversation(absl::StrCat("mine-", c), "listing_user")
              .status();
      if (!s.ok()) return Fail("json listing", s);
    }
    int others = 0;
    std::vector<double> p50s;
    for (int size : config_.listing_sizes) {
      for (; others < size; ++others) {
        absl::Status s =
            (*filler)
                ->CreateConversation(absl::StrFormat("other-%06d", others),
                                     absl::StrCat("other_", others % 97))
                .status();
        if (!s.ok()) return Fail("json listing", s);
      }
      absl::StatusOr<std::unique_ptr<Storage>> storage =
          Storage::Open(absl::StrCat("json:", dir));
      if (!storage.ok()) return Fail("json listing", storage.status());
      Script script(1);
      for (int i = 0; i < 200; ++i) {
        Op op;
        op.kind = OpKind::kListConversations;
        op.user_id = "listing_user";
        script[0].push_back(op);
      }
      Storage* s = storage->get();
      const TargetFactory target = [s]() {
        return absl::StatusOr<std::unique_ptr<OpTarget>>(StorageTarget(s));
      };
      // Right after writes, the index cannot trust the folder's mtime (the
      // backend's 50 ms racy window) and lists the folder on every call.
      PhaseResult racy = RunOnThreads(script, 1, target);
      // Once the folder has been quiet for longer, it answers from its
      // index; the first listing after the pause refreshes it.
      absl::SleepFor(absl::Milliseconds(120));
      s->ListConversations("listing_user").status().IgnoreError();
      PhaseResult quiet = RunOnThreads(script, 1, target);
      p50s.push_back(quiet.QuantileUs(0.5));
      std::printf(
          "json list_conversations of one user (%d conversations) among %d "
          "other conversations: %s; within 50 ms of a write: %s\n",
          config_.params.conversations_per_user, size, Figures(quiet).c_str(),
          Figures(racy).c_str());
      std::fflush(stdout);
    }
    if (p50s.size() >= 2 && p50s.front() > 0) {
      listing_ratio_ = p50s.back() / p50s.front();
    }
  }

  // json -> postgresql with storage/migrate.h, on a store of U users and
  // one of 4U: messages/s and peak RSS of each, verified record by record.
  void Migrate() {
    for (int factor : {1, 4}) {
      const int users = config_.migrate_users * factor;
      const std::string what =
          absl::StrCat("migrate json -> postgresql (", users, " users)");
      const std::string dir =
          absl::StrCat(config_.dir, "/migrate_source_", users);
      {
        // The source is written without fsync: not what is measured.
        absl::StatusOr<std::unique_ptr<Storage>> source =
            Storage::Open(absl::StrCat("json:", dir, "?fsync=false"));
        if (!source.ok()) return Fail(what, source.status());
        WorkloadParams params = config_.params;
        params.users = users;
        absl::Status loaded = LoadUsers(**source, Workload(params), 0, users);
        if (!loaded.ok()) return Fail(what, loaded);
      }
      absl::StatusOr<FreshStore> dest =
          stores_.Make("postgresql", absl::StrCat("migrate_", users), 1);
      if (!dest.ok()) return Fail(what, dest.status());
      absl::StatusOr<StorageUrl> source_url =
          ParseDatabaseUrl(absl::StrCat("json:", dir));
      absl::StatusOr<StorageUrl> dest_url = ParseDatabaseUrl(dest->raw_path);
      if (!source_url.ok() || !dest_url.ok()) {
        return Fail(what,
                    source_url.ok() ? dest_url.status() : source_url.status());
      }
      absl::StatusOr<std::unique_ptr<Backend>> source_backend =
          OpenSourceStore(*source_url, OpenBackend);
      if (!source_backend.ok()) return Fail(what, source_backend.status());
      std::unique_ptr<RecordSource> source =
          BackendRecordSource(**source_backend, "json source");
      ResetPeakRss();
      const auto start = Clock::now();
      absl::StatusOr<MigrationStats> stats =
          MigrateInto(*source, *dest_url, OpenBackend, MigrateOptions());
      const double seconds =
          std::chrono::duration<double>(Clock::now() - start).count();
      const double rss = PeakRssSinceResetMb();
      if (!stats.ok()) return Fail(what, stats.status());
      absl::StatusOr<std::unique_ptr<Backend>> dest_backend =
          OpenBackend(*dest_url, BackendOptions());
      if (!dest_backend.ok()) return Fail(what, dest_backend.status());
      std::unique_ptr<RecordSource> dest_source =
          BackendRecordSource(**dest_backend, "postgresql destination");
      absl::StatusOr<VerifyReport> report =
          VerifyStores(*source, *dest_source, VerifyOptions());
      if (!report.ok()) return Fail(what, report.status());
      const double rate = stats->messages_written / std::max(seconds, 1e-9);
      std::printf(
          "%s: %lld records, %s messages/s, peak RSS %.0f MB, verify: %s\n",
          what.c_str(), static_cast<long long>(stats->records_written()),
          Thousands(rate).c_str(), rss,
          report->clean(false)
              ? "identical"
              : absl::StrCat(report->differences(), " DIFFERENCES").c_str());
      std::fflush(stdout);
      migrate_rss_.push_back(rss);
      migrate_rate_.push_back(rate);
    }
    // The same workload's store moved by Parley beside psql \copy and
    // pgloader (bench/migrate_compare.h), one run each.
    absl::StatusOr<std::vector<std::string>> targets =
        CompareMigrations(absl::StrCat(config_.dir, "/compare"),
                          config_.postgres_url, config_.params, /*runs=*/1);
    if (!targets.ok()) return Fail("migration comparison", targets.status());
    migration_targets_ = *std::move(targets);
  }

  double Get(const std::string& backend, Phase phase, Mode mode, int w) {
    auto it = results_.find({backend, phase, mode, w});
    return it == results_.end() ? 0 : it->second;
  }

  void Target(const std::string& name, double value, double target) {
    if (value <= 0) {
      std::printf("target %s: not measured\n", name.c_str());
      return;
    }
    std::printf("target %s: %.2fx (target %.1fx) %s\n", name.c_str(), value,
                target, value >= target ? "MET" : "MISSED");
  }

  void Summary() {
    std::printf("---- targets\n");
    for (int w : config_.workers) {
      // Load at 0.8x; reads and counts at 0.9x (issue 15).
      for (Phase phase : {Phase::kLoad, Phase::kRead, Phase::kCount}) {
        for (Mode mode : {Mode::kSync, Mode::kAsync}) {
          const double raw = Get("sqlite", phase, Mode::kRaw, w);
          const double got = Get("sqlite", phase, mode, w);
          Target(absl::StrCat("sqlite ", PhaseName(phase), " W=", w, " ",
                              ModeName(mode), " vs raw sqlite3"),
                 raw > 0 ? got / raw : 0, phase == Phase::kLoad ? 0.8 : 0.9);
        }
      }
    }
    const int wmax =
        *std::max_element(config_.workers.begin(), config_.workers.end());
    const int wmin =
        *std::min_element(config_.workers.begin(), config_.workers.end());
    // SQLite has one writer at a time: more threads cannot write faster,
    // but they must not write slower either.
    for (int w : config_.workers) {
      if (w == wmin) continue;
      for (Phase phase :
           {Phase::kLoad, Phase::kEdit, Phase::kBilling, Phase::kDelete}) {
        for (Mode mode : {Mode::kSync, Mode::kAsync}) {
          const double one = Get("sqlite", phase, mode, wmin);
          const double many = Get("sqlite", phase, mode, w);
          const std::string name =
              absl::StrCat("sqlite ", PhaseName(phase), " ", ModeName(mode),
                           " W=", w, " vs W=", wmin);
          Target(name + " throughput", one > 0 ? many / one : 0, 0.8);
          const auto p99 = [&](int workers) {
            auto it = p99_us_.find({"sqlite", phase, mode, workers});
            return it == p99_us_.end() ? 0.0 : it->second;
          };
          if (p99(wmin) > 0 && p99(w) > 0) {
            const double growth = p99(w) / p99(wmin);
            std::printf(
                "target %s p99: %.1fx of W=%d's (target at most "
                "10x) %s\n",
                name.c_str(), growth, wmin, growth <= 10 ? "MET" : "MISSED");
          }
        }
      }
    }
    const double pg_sync = Get("postgresql", Phase::kLoad, Mode::kSync, wmin);
    const double pg_async = Get("postgresql", Phase::kLoad, Mode::kAsync, wmax);
    const double pg_raw = Get("postgresql", Phase::kLoad, Mode::kRaw, wmax);
    Target(absl::StrCat("postgresql load async W=", wmax, " vs sync W=", wmin),
           pg_sync > 0 ? pg_async / pg_sync : 0, 5);
    Target(absl::StrCat("postgresql load async W=", wmax,
                        " vs raw libpq W=", wmax),
           pg_raw > 0 ? pg_async / pg_raw : 0, 0.8);
    if (listing_ratio_ > 0) {
      std::printf(
          "target json listing flat (p50 at %d / p50 at %d other "
          "conversations): %.2fx (target about 1x) %s\n",
          config_.listing_sizes.back(), config_.listing_sizes.front(),
          listing_ratio_, listing_ratio_ < 1.5 ? "MET" : "MISSED");
    }
    for (const std::string& line : migration_targets_) {
      std::printf("%s\n", line.c_str());
    }
    if (migrate_rss_.size() == 2) {
      std::printf(
          "target migrate json -> postgresql flat as the store grows 4x: "
          "peak RSS %.0f -> %.0f MB, %s -> %s messages/s\n",
          migrate_rss_[0], migrate_rss_[1], Thousands(migrate_rate_[0]).c_str(),
          Thousands(migrate_rate_[1]).c_str());
    }
    if (failures_ > 0) std::printf("%d runs FAILED (see above)\n", failures_);
  }

  const Config config_;
  const Workload workload_;
  Stores stores_;
  std::map<Phase, Script> scripts_;
  std::map<Key, double> results_;
  std::map<Key, double> p99_us_;
  std::string raw_path_;  // of the store OpenStore last made for kRaw
  double listing_ratio_ = 0;
  std::vector<std::string> migration_targets_;  // CompareMigrations' lines
  std::vector<double> migrate_rss_;
  std::vector<double> migrate_rate_;
  int failures_ = 0;
};

absl::StatusOr<Config> ReadFlags() {
  Config config;
  config.params.users = absl::GetFlag(FLAGS_users);
  config.params.conversations_per_user = absl::GetFlag(FLAGS_conversations);
  config.params.exchanges = absl::GetFlag(FLAGS_exchanges);
  config.params.seed = absl::GetFlag(FLAGS_seed);
  config.contention_appends = absl::GetFlag(FLAGS_contention_appends);
  config.min_read_calls = absl::GetFlag(FLAGS_min_read_calls);
  config.read_passes = std::max(1, absl::GetFlag(FLAGS_read_passes));
  std::string workers = absl::GetFlag(FLAGS_workers);
  config.listing_sizes = {500, 2000, 8000};
  config.migrate_users = config.params.users / 4;
  if (absl::GetFlag(FLAGS_quick)) {
    config.params.users = 12;
    config.params.conversations_per_user = 3;
    config.params.exchanges = 2;
    workers = "1,8";
    config.contention_appends = 5;
    config.min_read_calls = 0;
    config.read_passes = 1;
    config.listing_sizes = {50, 200, 800};
    config.migrate_users = 4;
  }
  for (absl::string_view w : absl::StrSplit(workers, ',', absl::SkipEmpty())) {
    int n = 0;
    if (!absl::SimpleAtoi(w, &n) || n < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("--workers: not a worker count: ", w));
    }
    config.workers.push_back(n);
  }
  if (config.workers.empty() || config.params.users < 1) {
    return absl::InvalidArgumentError("need --users >= 1 and --workers");
  }
  const std::string backend = absl::GetFlag(FLAGS_backend);
  for (absl::string_view b : absl::StrSplit(backend, ',', absl::SkipEmpty())) {
    if (b == "all") {
      config.backends = {"json", "sqlite", "postgresql"};
      break;
    }
    if (b != "json" && b != "sqlite" && b != "postgresql") {
      return absl::InvalidArgumentError(absl::StrCat("--backend: ", b));
    }
    config.backends.emplace_back(b);
  }
  std::string dir = absl::GetFlag(FLAGS_dir);
  if (dir.empty()) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string tmpl = absl::StrCat(dir, "/parley_council_XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot create a folder in ", dir));
  }
  config.dir = tmpl;
  config.postgres_url = absl::GetFlag(FLAGS_postgres_url);
  config.postgres_options = absl::GetFlag(FLAGS_postgres_options);
  if (config.postgres_url.empty()) {
    const char* url = std::getenv("TEST_POSTGRES_URL");
    if (url != nullptr) config.postgres_url = url;
  }
  return config;
}

}  // namespace
}  // namespace bench
}  // namespace parley

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<parley::bench::Config> config = parley::bench::ReadFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "council: %s\n", config.status().ToString().c_str());
    return 2;
  }
  std::printf("stores in %s; durable defaults on every backend and baseline\n",
              config->dir.c_str());
  const std::string dir = config->dir;
  parley::bench::Council(*std::move(config)).Run();
  const std::string cleanup = absl::StrCat("rm -rf '", dir, "'");
  if (std::system(cleanup.c_str()) != 0) {
    std::fprintf(stderr, "council: could not remove %s\n", dir.c_str());
  }
  return 0;
}
