// Failover: a primary and a hot standby (tests/pg_failover_pair.sh,
// streaming replication, durable), Parley on
// postgresql://P1,P2/db?target_session_attrs=read-write. Under load (threads
// appending through the pipeline and through the pool), the primary's
// postmaster is SIGKILLed and the standby promoted (pg_ctl promote). Then:
//  - no call hangs: each ends within pool_timeout + connect_timeout + slack,
//    failing with Unavailable / ResourceExhausted / commit outcome unknown;
//  - the pool and the pipeline move to the new primary by themselves, no
//    reopen: every thread succeeds again; the time from promotion to the
//    first successful write is printed;
//  - synchronous replication: every acknowledged append is on the promoted
//    server, record by record: 0 lost, 0 duplicated, order kept; a failed
//    append is there only if its error said the commit outcome was unknown;
//  - asynchronous replication: the same checks, except that lost
//    acknowledged appends are counted and printed (the deployment's choice);
//  - a store whose URL lists only the old primary fails at once with
//    Unavailable naming the refused connection.
// And `parley migrate` into a primary killed mid-copy leaves the promoted
// server without any of the copy (one transaction), and a rerun against it
// completes and verifies.
// The pair is started and stopped by the test itself (a guard stops it
// however the test ends); it runs as the server's user, so the test is local.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/storage.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/reliability/store_files.h"
#include "tests/reliability/subprocess.h"
#include "tests/reliability/write_audit.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace parley {
namespace testing {
namespace {

using ::testing::HasSubstr;

constexpr int kThreadsPerStore = 2;  // a pipelined store and a pooled one
constexpr absl::Duration kPoolTimeout = absl::Seconds(2);
constexpr absl::Duration kConnectTimeout = absl::Seconds(2);
constexpr absl::Duration kSlack = absl::Seconds(2);
constexpr absl::Duration kBeforeKill = absl::Seconds(1);
constexpr absl::Duration kAfterPromote = absl::Seconds(3);
constexpr absl::Duration kPause = absl::Milliseconds(5);
constexpr int kMaxCallsPerThread = 5000;
constexpr absl::Duration kScriptTimeout = absl::Seconds(90);

struct ScriptResult {
  absl::Status status;
  std::vector<std::string> lines;
};

ScriptResult RunPairScript(const std::string& folder,
                           std::vector<std::string> args) {
  std::vector<std::string> argv = {
      "/usr/bin/env", absl::StrCat("PG_FAILOVER_DIR=", folder), "/bin/bash",
      RunfilePath("tests/pg_failover_pair.sh")};
  argv.insert(argv.end(), args.begin(), args.end());
  ScriptResult result;
  Subprocess script(argv);
  if (!script.started()) {
    result.status = absl::InternalError("pg_failover_pair.sh: not started");
    return result;
  }
  const absl::Time deadline = absl::Now() + kScriptTimeout;
  while (absl::Now() < deadline &&
         script.ReadLinesUntil(deadline, &result.lines)) {
  }
  if (absl::Now() >= deadline) {
    script.Kill();
    result.status = absl::DeadlineExceededError(
        absl::StrCat("pg_failover_pair.sh ", absl::StrJoin(args, " "),
                     ": still running after 90 s"));
    return result;
  }
  const int status = script.Wait();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result.status = absl::InternalError(
        absl::StrCat("pg_failover_pair.sh ", absl::StrJoin(args, " "),
                     ": wait status ", status, " (its log is above)"));
  }
  return result;
}

// The value of `export NAME='value'` among the script's lines.
std::string Exported(const std::vector<std::string>& lines,
                     absl::string_view name) {
  const std::string prefix = absl::StrCat("export ", name, "='");
  for (absl::string_view line : lines) {
    if (absl::ConsumePrefix(&line, prefix) && absl::ConsumeSuffix(&line, "'")) {
      return std::string(line);
    }
  }
  return "";
}

class PairGuard {
 public:
  explicit PairGuard(std::string folder) : folder_(std::move(folder)) {}
  ~PairGuard() {
    ScriptResult stopped = RunPairScript(folder_, {"stop"});
    EXPECT_TRUE(stopped.status.ok()) << stopped.status;
  }

 private:
  const std::string folder_;
};

struct Call {
  int seq = 0;
  absl::Time start;
  absl::Time end;
  absl::Status status;
};

std::string Text(int writer, int seq) {
  return absl::StrCat("w", writer, "-s", seq);
}

void FailOver(bool synchronous) {
  const std::string mode = synchronous ? "sync" : "async";
  const std::string folder =
      absl::StrCat("/tmp/parley-pg-failover-", getpid(), "-", mode);
  PairGuard guard(folder);
  ScriptResult started = RunPairScript(folder, {"start", mode});
  ASSERT_TRUE(started.status.ok()) << started.status;
  const std::string url = Exported(started.lines, "FAILOVER_URL");
  const std::string primary_url =
      Exported(started.lines, "FAILOVER_PRIMARY_URL");
  const std::string standby_url =
      Exported(started.lines, "FAILOVER_STANDBY_URL");
  ASSERT_FALSE(url.empty() || primary_url.empty() || standby_url.empty())
      << absl::StrJoin(started.lines, "\n");

  const std::string common =
      absl::StrCat("&pool_size=2&max_overflow=2&pool_timeout=",
                   absl::ToDoubleSeconds(kPoolTimeout), "&pool_pre_ping=true",
                   "&connect_timeout=", absl::ToInt64Seconds(kConnectTimeout));
  // Writer w uses stores[w / kThreadsPerStore]: 0 the pipeline, 1 the pool.
  std::vector<std::unique_ptr<Storage>> stores;
  for (const char* options : {"", "&pipeline=false"}) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage,
                         Storage::Open(url + common + options));
    stores.push_back(std::move(storage));
  }
  const int writers_n = 2 * kThreadsPerStore;
  for (int w = 0; w < writers_n; ++w) {
    ASSERT_THAT(stores[w / kThreadsPerStore]->CreateConversation(
                    absl::StrCat("fo-", w), "u1", "monthly"),
                IsOk());
  }

  std::vector<std::vector<Call>> calls(writers_n);
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < writers_n; ++w) {
    writers.emplace_back([&, w] {
      Storage* storage = stores[w / kThreadsPerStore].get();
      const std::string id = absl::StrCat("fo-", w);
      for (int seq = 0; seq < kMaxCallsPerThread && !stop.load(); ++seq) {
        Call call;
        call.seq = seq;
        call.start = absl::Now();
        call.status = storage->AddUserMessage(id, Text(w, seq));
        call.end = absl::Now();
        calls[w].push_back(std::move(call));
        absl::SleepFor(kPause);
      }
    });
  }
  absl::SleepFor(kBeforeKill);
  ScriptResult killed = RunPairScript(folder, {"kill-primary"});
  const absl::Time kill_time = absl::Now();
  ScriptResult promoted = RunPairScript(folder, {"promote"});
  const absl::Time promote_time = absl::Now();
  absl::SleepFor(kAfterPromote);
  stop = true;
  for (std::thread& writer : writers) writer.join();
  ASSERT_TRUE(killed.status.ok()) << killed.status;
  ASSERT_TRUE(promoted.status.ok()) << promoted.status;

  // Fail fast, with a code that says retry; every writer recovers.
  int64_t total = 0, acknowledged = 0;
  std::map<std::string, int64_t> errors;
  absl::Duration slowest;
  absl::Duration first_write = absl::InfiniteDuration();
  std::vector<std::string> bad;
  for (int w = 0; w < writers_n; ++w) {
    bool recovered = false;
    for (const Call& call : calls[w]) {
      ++total;
      slowest = std::max(slowest, call.end - call.start);
      if (call.end - call.start > kPoolTimeout + kConnectTimeout + kSlack) {
        bad.push_back(
            absl::StrCat(Text(w, call.seq), " took ",
                         absl::FormatDuration(call.end - call.start)));
      }
      if (call.status.ok()) {
        ++acknowledged;
        if (call.start >= promote_time) {
          recovered = true;
          first_write = std::min(first_write, call.end - promote_time);
        }
      } else {
        ++errors[absl::StatusCodeToString(call.status.code())];
        if (!absl::IsUnavailable(call.status) &&
            !absl::IsResourceExhausted(call.status) &&
            !IsCommitOutcomeUnknown(call.status)) {
          bad.push_back(absl::StrCat(Text(w, call.seq), ": unexpected error ",
                                     call.status.ToString()));
        }
      }
    }
    EXPECT_TRUE(recovered) << "writer " << w << " ("
                           << (w < kThreadsPerStore ? "pipeline" : "pool")
                           << ") never wrote again after the promotion";
  }
  EXPECT_TRUE(bad.empty()) << absl::StrJoin(bad, "\n");

  // Record by record, on the promoted server alone.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> promoted_store,
                       Storage::Open(standby_url + "?connect_timeout=2"));
  WriteAudit audit;
  for (int w = 0; w < writers_n; ++w) {
    ASSERT_OK_AND_ASSIGN(
        std::optional<Conversation> conversation,
        promoted_store->GetConversation(absl::StrCat("fo-", w)));
    ASSERT_TRUE(conversation.has_value());
    AuditWriter(*conversation, absl::StrCat("w", w, "-s"), calls[w], &audit);
  }
  const int64_t lost = audit.lost, duplicated = audit.duplicated,
                reordered = audit.reordered,
                unknown_stored = audit.unknown_stored;
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(reordered, 0);
  if (synchronous) {
    EXPECT_EQ(lost, 0) << "synchronous replication lost writes";
  }

  // Only the old primary: a clear error, at once.
  const absl::Time before_old = absl::Now();
  absl::StatusOr<std::unique_ptr<Storage>> old =
      Storage::Open(primary_url + "?connect_timeout=2&pool_timeout=2");
  const absl::Duration old_took = absl::Now() - before_old;
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), absl::StatusCode::kUnavailable)
      << old.status();
  EXPECT_THAT(std::string(old.status().message()),
              HasSubstr("Connection refused"));
  EXPECT_LE(old_took, kConnectTimeout + kSlack);

  std::vector<std::string> error_counts;
  for (const auto& [code, n] : errors) {
    error_counts.push_back(absl::StrCat(n, " ", code));
  }
  std::printf(
      "RELIABILITY failover postgresql (%s replication): primary SIGKILLed "
      "and standby promoted (promote took %.3f s) under %d writers (%d "
      "through the pipeline, %d through the pool): %lld calls, %lld "
      "acknowledged, %lld lost, %lld duplicated, %lld reordered; errors: %s; "
      "slowest call %.3f s; first successful write %.3f s after the "
      "promotion; %lld failed calls with unknown commit outcome found on the "
      "new primary; old-primary-only URL refused in %.3f s\n",
      mode.c_str(), absl::ToDoubleSeconds(promote_time - kill_time), writers_n,
      kThreadsPerStore, kThreadsPerStore, static_cast<long long>(total),
      static_cast<long long>(acknowledged), static_cast<long long>(lost),
      static_cast<long long>(duplicated), static_cast<long long>(reordered),
      error_counts.empty() ? "none" : absl::StrJoin(error_counts, ", ").c_str(),
      absl::ToDoubleSeconds(slowest), absl::ToDoubleSeconds(first_write),
      static_cast<long long>(unknown_stored), absl::ToDoubleSeconds(old_took));
}

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs the CLI to its end (at most 120 s).
CliResult RunCli(std::vector<std::string> args) {
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1",
                                   RunfilePath("cli/parley")};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess process(argv);
  std::vector<std::string> lines;
  const absl::Time deadline = absl::Now() + absl::Seconds(120);
  while (absl::Now() < deadline && process.ReadLinesUntil(deadline, &lines)) {
  }
  if (absl::Now() >= deadline) process.Kill();
  const int status = process.Wait();
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  result.output = absl::StrJoin(lines, "\n");
  return result;
}

// The count `parley info` shows for `kind` ("conversations"), -1 if none.
int64_t InfoCount(const std::string& output, absl::string_view kind) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::ConsumePrefix(&line, absl::StrCat(kind, ":"))) {
      int64_t n = -1;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &n)) return n;
    }
  }
  return -1;
}

TEST(FailoverTest, MigrationIntoAKilledPrimaryLeavesNothingAndRerunVerifies) {
  const std::string folder =
      absl::StrCat("/tmp/parley-pg-failover-", getpid(), "-migrate");
  PairGuard guard(folder);
  ScriptResult started = RunPairScript(folder, {"start", "sync"});
  ASSERT_TRUE(started.status.ok()) << started.status;
  const std::string url =
      Exported(started.lines, "FAILOVER_URL") + "&connect_timeout=2";
  const std::string standby_url =
      Exported(started.lines, "FAILOVER_STANDBY_URL");

  // A source big enough that the copy takes seconds (SQLite, unsynced: it
  // is made only to be read).
  const std::string source =
      "sqlite:///" + FreshTempDir("failover_source") + "/source.db";
  CliResult demo =
      RunCli({"demo", "--url", source + "?synchronous=off", "--users", "300",
              "--conversations", "5", "--exchanges", "3"});
  ASSERT_EQ(demo.exit_code, 0) << demo.output;

  Subprocess migrate({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1",
                      RunfilePath("cli/parley"), "migrate", "--from", source,
                      "--to", url, "--verify"});
  std::vector<std::string> lines;
  ASSERT_TRUE(
      migrate.ReadLinesUntil(absl::Now() + absl::Milliseconds(1500), &lines))
      << "the migration ended before the primary was killed:\n"
      << absl::StrJoin(lines, "\n");
  ScriptResult killed = RunPairScript(folder, {"kill-primary"});
  ASSERT_TRUE(killed.status.ok()) << killed.status;
  ScriptResult promoted = RunPairScript(folder, {"promote"});
  ASSERT_TRUE(promoted.status.ok()) << promoted.status;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline && migrate.ReadLinesUntil(deadline, &lines)) {
  }
  if (absl::Now() >= deadline) migrate.Kill();
  const int status = migrate.Wait();
  const int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  EXPECT_NE(exit_code, 0) << absl::StrJoin(lines, "\n");
  EXPECT_NE(exit_code, 128) << "the migration hung or died";

  // The promoted server holds none of the copy.
  CliResult info = RunCli({"info", "--url", standby_url});
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_EQ(InfoCount(info.output, "profiles"), 0) << info.output;
  EXPECT_EQ(InfoCount(info.output, "conversations"), 0) << info.output;
  EXPECT_EQ(InfoCount(info.output, "messages"), 0) << info.output;

  // Run again, against the same URL (the new primary answers it).
  const absl::Time rerun_start = absl::Now();
  CliResult rerun =
      RunCli({"migrate", "--from", source, "--to", url, "--verify"});
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("verify: no differences"));
  CliResult after = RunCli({"info", "--url", standby_url});
  EXPECT_EQ(InfoCount(after.output, "conversations"), 1500) << after.output;
  std::printf(
      "RELIABILITY failover migrate: primary killed mid-copy (1500 "
      "conversations), migrate exit %d, promoted server then held %lld "
      "conversations and %lld messages; rerun exit %d in %.1f s, verified, "
      "%lld conversations\n",
      exit_code,
      static_cast<long long>(InfoCount(info.output, "conversations")),
      static_cast<long long>(InfoCount(info.output, "messages")),
      rerun.exit_code, absl::ToDoubleSeconds(absl::Now() - rerun_start),
      static_cast<long long>(InfoCount(after.output, "conversations")));
}

TEST(FailoverTest, SynchronousReplicationLosesNothing) {
  FailOver(/*synchronous=*/true);
}

TEST(FailoverTest, AsynchronousReplicationCountsWhatItLost) {
  FailOver(/*synchronous=*/false);
}

}  // namespace
}  // namespace testing
}  // namespace parley
