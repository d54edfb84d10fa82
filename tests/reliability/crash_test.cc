// Crash safety: a writer process is SIGKILLed at random moments (seeded)
// while it creates conversations and appends messages, and restarted. After
// every kill the store must open, read clean, and hold every write the
// writer acknowledged (and at most the one write in flight), exactly once,
// in order; on a JSON store no record file may be partial. On PostgreSQL
// the killed process is the client: the check waits until the server has
// ended its sessions, since a COMMIT it sent may land until then.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/storage.h"
#include "gtest/gtest.h"
#include "tests/reliability/crash_workload.h"
#include "tests/reliability/reliability_backends.h"
#include "tests/reliability/store_files.h"
#include "tests/reliability/subprocess.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

constexpr int kKills = 100;
// After its first write the writer runs this long (uniformly drawn) before
// it is killed: long enough for some writes, random enough that kills land
// in every phase of one.
constexpr int kMinRunMicros = 0;
constexpr int kMaxRunMicros = 30'000;

uint32_t Seed() {
  uint32_t seed = 20251204;
  if (const char* text = std::getenv("RELIABILITY_SEED")) {
    if (!absl::SimpleAtoi(text, &seed)) seed = 20251204;
  }
  return seed;
}

class CrashTest : public ::testing::TestWithParam<ReliabilityBackend> {};

TEST_P(CrashTest, KilledWriterLosesNoAcknowledgedWrite) {
  std::string url, folder;
  GetParam().fresh(&url, &folder);
  const std::string writer = RunfilePath("tests/reliability/writer");
  const uint32_t seed = Seed();
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> run_micros(kMinRunMicros, kMaxRunMicros);

  int64_t next = 0;  // the first op not known to be in the store
  int64_t acknowledged = 0;
  int in_flight_found = 0;
  int kills = 0;
  int max_temp_files = 0;
  for (int round = 0; round <= kKills; ++round) {
    const bool last_round = round == kKills;
    Subprocess process({writer, "crash", url, absl::StrCat(next)});
    ASSERT_TRUE(process.started());
    std::vector<std::string> lines;
    if (last_round) {
      // The writer must go on after the last kill: wait for 10 writes.
      const absl::Time deadline = absl::Now() + absl::Seconds(60);
      while (lines.size() < 10 && absl::Now() < deadline &&
             process.ReadLinesUntil(absl::Now() + absl::Milliseconds(50),
                                    &lines)) {
      }
      ASSERT_GE(lines.size(), 10u) << "the writer did not continue";
    } else {
      // Kill at a random moment after the writer's first write, so that the
      // kills land inside the stream of writes rather than in start-up.
      const absl::Time give_up = absl::Now() + absl::Seconds(30);
      while (
          lines.empty() && absl::Now() < give_up &&
          process.ReadLinesUntil(absl::Now() + absl::Milliseconds(1), &lines)) {
      }
      process.ReadLinesUntil(
          absl::Now() + absl::Microseconds(run_micros(random)), &lines);
    }
    process.Kill();
    while (process.ReadLinesUntil(absl::InfiniteFuture(), &lines)) {
    }
    if (!last_round) ++kills;
    if (GetParam().await_clients_gone) {
      ASSERT_THAT(GetParam().await_clients_gone(url), IsOk())
          << "round " << round;
    }

    // Acknowledgements come in op order, from `next` on.
    int64_t last_acked = next - 1;
    for (const std::string& line : lines) {
      int64_t op = -1;
      absl::string_view text = line;
      ASSERT_TRUE(absl::ConsumePrefix(&text, "ack ") &&
                  absl::SimpleAtoi(text, &op))
          << line;
      ASSERT_EQ(op, last_acked + 1) << "acknowledgements out of order";
      last_acked = op;
      ++acknowledged;
    }

    // Every acknowledged write is there; the one in flight may be.
    absl::StatusOr<std::unique_ptr<Storage>> storage = Storage::Open(url);
    ASSERT_THAT(storage, IsOk()) << "round " << round;
    absl::StatusOr<bool> in_flight = CrashOpApplied(**storage, last_acked + 1);
    ASSERT_THAT(in_flight, IsOk()) << "round " << round;
    const int64_t last = *in_flight ? last_acked + 1 : last_acked;
    if (*in_flight) ++in_flight_found;
    ASSERT_THAT(CheckCrashStore(**storage, last), IsOk())
        << "round " << round << ", seed " << seed << ", acknowledged up to op "
        << last_acked;

    if (GetParam().name == "json") {
      RecordFileScan scan = ScanRecordFiles(folder);
      ASSERT_TRUE(scan.bad.empty())
          << "round " << round << ": " << absl::StrJoin(scan.bad, "\n");
      max_temp_files = std::max(max_temp_files, scan.temp_files);
    }
    next = last + 1;
  }
  EXPECT_GT(acknowledged, kKills) << "the writer hardly ran between kills";
  std::printf(
      "RELIABILITY crash %s: %d kills, %lld acknowledged writes, 0 lost, "
      "%d unacknowledged in-flight writes found whole, seed %u\n",
      GetParam().name.c_str(), kills, static_cast<long long>(acknowledged),
      in_flight_found, seed);
  if (GetParam().name == "json") {
    std::printf(
        "RELIABILITY crash json: 0 partial record files; at most %d "
        "temporary files left by kills\n",
        max_temp_files);
  }
}

#ifdef PARLEY_CRASH_TEST_THROUGH_PGBOUNCER
// //tests/reliability:crash_pgbouncer_test: the same kills, PostgreSQL
// reached through PgBouncer (tests/pgbouncer_test_server.sh) in both modes.
INSTANTIATE_TEST_SUITE_P(
    PgBouncer, CrashTest,
    ::testing::Values(PgBouncerReliabilityBackend(PgBouncerMode::kTransaction),
                      PgBouncerReliabilityBackend(PgBouncerMode::kSession)),
    [](const auto& info) { return info.param.name; });
#else
INSTANTIATE_TEST_SUITE_P(Backends, CrashTest,
                         ::testing::Values(JsonReliabilityBackend(),
                                           SqliteReliabilityBackend(),
                                           PostgresReliabilityBackend()),
                         [](const auto& info) { return info.param.name; });
#endif

}  // namespace
}  // namespace testing
}  // namespace parley
