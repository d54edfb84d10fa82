// Server faults: the PostgreSQL server is stopped in the middle of a run
// and started again while writer threads append through one Storage whose
// pool pre-pings (pool_pre_ping=true) and waits at most pool_timeout (2 s).
//  - Calls during the outage fail within pool_timeout (+ slack), with
//    Unavailable or ResourceExhausted, or, for a COMMIT the outage cut off,
//    Unknown "commit outcome unknown"; none hangs.
//  - Once the server is back the pool recovers by itself: every call that
//    starts after that succeeds, with no call made to repair the pool; a
//    second store, idle through the outage, finds its pooled connection
//    dead on its next call and replaces it without an error.
//  - No acknowledged append is lost; a failed one is stored only when its
//    error said the commit outcome was unknown.
//  - No connection leaks: the store's sessions on the server never exceed
//    pool_size + max_overflow, come back to at most pool_size idle ones,
//    and are all gone once the Storage is destroyed.
//
// The server is the shared throwaway one of tests/pg_test_server.sh, so the
// test runs alone (tags "exclusive") and a guard starts the server again
// however the test ends.
//
// Built with PARLEY_SERVER_CRASH_TEST (//tests/reliability:server_crash_test)
// the same run is a crash instead: the postmaster is SIGKILLed
// (`pg_test_server.sh kill-server`: no shutdown, no checkpoint) and started
// again on the same data directory, so crash recovery must replay every
// acknowledged commit. It runs on a server of its own, durable (fsync=on,
// synchronous_commit=on, full_page_writes=on), that TEST_POSTGRES_CRASH_URL
// names (tests/run_all.sh starts it).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/storage.h"
#include "gtest/gtest.h"
#include "tests/reliability/postgres_admin.h"
#include "tests/reliability/store_files.h"
#include "tests/reliability/subprocess.h"
#include "tests/reliability/write_audit.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

constexpr int kThreads = 4;
constexpr int kPoolSize = 2;
constexpr int kMaxOverflow = 2;
constexpr absl::Duration kPoolTimeout = absl::Seconds(2);
// What a failing call may take beyond pool_timeout: a refused connect or
// an error on a dead socket is immediate on loopback.
constexpr absl::Duration kSlack = absl::Seconds(1);
constexpr absl::Duration kBeforeOutage = absl::Seconds(1);
constexpr absl::Duration kOutage = absl::Seconds(3);
constexpr absl::Duration kAfterOutage = absl::Seconds(2);
constexpr absl::Duration kPause = absl::Milliseconds(5);  // between calls
constexpr int kMaxCallsPerThread = 5000;
constexpr absl::Duration kScriptTimeout = absl::Seconds(60);

#ifdef PARLEY_SERVER_CRASH_TEST
constexpr bool kCrash = true;
constexpr char kStopCommand[] = "kill-server";
#else
constexpr bool kCrash = false;
constexpr char kStopCommand[] = "stop-server";
#endif

// Runs `bash tests/pg_test_server.sh <command>` for the server in `folder`.
absl::Status RunServerScript(const std::string& folder,
                             const std::string& command) {
  Subprocess script({"/usr/bin/env", absl::StrCat("PG_TEST_DIR=", folder),
                     "/bin/bash", RunfilePath("tests/pg_test_server.sh"),
                     command});
  if (!script.started()) {
    return absl::InternalError("pg_test_server.sh: could not start");
  }
  const absl::Time deadline = absl::Now() + kScriptTimeout;
  std::vector<std::string> lines;
  while (absl::Now() < deadline && script.ReadLinesUntil(deadline, &lines)) {
  }
  if (absl::Now() >= deadline) {
    script.Kill();
    return absl::DeadlineExceededError(
        absl::StrCat("pg_test_server.sh ", command, ": still running after ",
                     absl::FormatDuration(kScriptTimeout)));
  }
  const int status = script.Wait();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat("pg_test_server.sh ", command, ": wait status ", status));
  }
  return absl::OkStatus();
}

// How many crash recoveries the server's log (tests/pg_test_server.sh's
// server.log in its folder) reports.
int CrashRecoveries(const std::string& folder) {
  std::ifstream log(folder + "/server.log");
  int count = 0;
  for (std::string line; std::getline(log, line);) {
    if (absl::StrContains(line, "not properly shut down; automatic recovery")) {
      ++count;
    }
  }
  return count;
}

// Starts the server again when it leaves scope, whatever the test did: the
// other tests of the run share it.
class ServerRestartGuard {
 public:
  explicit ServerRestartGuard(std::string folder)
      : folder_(std::move(folder)) {}
  ~ServerRestartGuard() {
    absl::Status started = RunServerScript(folder_, "start-server");
    EXPECT_TRUE(started.ok()) << "the test server in " << folder_
                              << " did not start again: " << started;
  }
  ServerRestartGuard(const ServerRestartGuard&) = delete;
  ServerRestartGuard& operator=(const ServerRestartGuard&) = delete;

 private:
  const std::string folder_;
};

struct Call {
  int seq = 0;
  absl::Time start;
  absl::Duration took;
  absl::Status status;
};

std::string Text(int thread, int seq) {
  return absl::StrCat("t", thread, "-s", seq);
}

// The pipeline's connections (pipeline_connections' default), on top of the
// pool's, when the store runs with the pipeline.
constexpr int kPipelineConnections = 4;

// `pipeline`: the appends go through the pipeline (the default) rather
// than the pool (pipeline=false); the pool then serves only the schema
// check.
void RideOutServerRestart(bool pipeline) {
  const int extra = pipeline ? kPipelineConnections : 0;
  const std::string mode = pipeline ? "" : "&pipeline=false";
  if (kCrash) {
    // Everything below (fresh stores, the admin connection) reads
    // TEST_POSTGRES_URL: point it at the durable server.
    const char* crash_url = std::getenv("TEST_POSTGRES_CRASH_URL");
    ASSERT_TRUE(crash_url != nullptr && *crash_url != '\0')
        << "TEST_POSTGRES_CRASH_URL is not set: start a durable server with "
           "PG_TEST_DIR=/tmp/parley-pg-crash PG_TEST_SERVER_OPTS=\"-c "
           "fsync=on -c synchronous_commit=on -c full_page_writes=on\" bash "
           "tests/pg_test_server.sh start (as tests/run_all.sh does)";
    setenv("TEST_POSTGRES_URL", crash_url, 1);
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PostgresAdmin> admin,
                       PostgresAdmin::Connect());
  ASSERT_OK_AND_ASSIGN(const std::string folder, admin->ServerFolder());
  if (kCrash) {
    for (const char* setting :
         {"fsync", "synchronous_commit", "full_page_writes"}) {
      ASSERT_THAT(admin->Setting(setting), IsOkAndHolds(std::string("on")))
          << setting << " must be on for a crash test";
    }
  }
  const std::string app = absl::StrCat(
      kCrash ? "parley_server_crash_" : "parley_server_fault_", getpid(), "_",
      absl::ToUnixMicros(absl::Now()), pipeline ? "_p" : "");
  ASSERT_OK_AND_ASSIGN(
      const std::string url,
      admin->NewStore(absl::StrCat(
          "pool_size=", kPoolSize, "&max_overflow=", kMaxOverflow,
          "&pool_timeout=", absl::ToDoubleSeconds(kPoolTimeout),
          "&pool_pre_ping=true&connect_timeout=2&application_name=", app,
          mode)));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage, Storage::Open(url));
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_THAT(
        storage->CreateConversation(absl::StrCat("fault-", t), "u1", "monthly"),
        IsOk());
  }

  // A second store that makes no call during the outage: its pooled
  // connection dies with the server, unnoticed until pre-ping finds it.
  const std::string idle_app = app + "_idle";
  ASSERT_OK_AND_ASSIGN(
      const std::string idle_url,
      admin->NewStore(absl::StrCat(
          "pool_size=", kPoolSize, "&max_overflow=", kMaxOverflow,
          "&pool_timeout=", absl::ToDoubleSeconds(kPoolTimeout),
          "&pool_pre_ping=true&connect_timeout=2&application_name=", idle_app,
          mode)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> idle_storage,
                       Storage::Open(idle_url));
  ASSERT_THAT(idle_storage->CreateConversation("idle", "u1", "monthly"),
              IsOk());
  // The pool's connection (the schema check at Open); with the pipeline,
  // also the connection it opens at Open and the one the first call adds
  // (each call opens at most one that is missing).
  const int idle_expected = pipeline ? 3 : 1;
  ASSERT_THAT(
      admin->AwaitSessionsAtMost(idle_app, idle_expected, absl::Seconds(5)),
      IsOk());
  ASSERT_OK_AND_ASSIGN(const int idle_before, admin->CountSessions(idle_app));
  ASSERT_EQ(idle_before, idle_expected)
      << "the idle store holds no pooled (and pipelined) connection";

  std::vector<std::vector<Call>> calls(kThreads);
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      const std::string id = absl::StrCat("fault-", t);
      for (int seq = 0; seq < kMaxCallsPerThread && !stop.load(); ++seq) {
        Call call;
        call.seq = seq;
        call.start = absl::Now();
        call.status = storage->AddUserMessage(id, Text(t, seq));
        call.took = absl::Now() - call.start;
        calls[t].push_back(std::move(call));
        absl::SleepFor(kPause);
      }
    });
  }

  // Samples the store's server sessions until the writers stop.
  int max_sessions = 0;
  int samples = 0;
  auto sample_until = [&](absl::Time until) {
    while (absl::Now() < until) {
      absl::StatusOr<int> count = admin->CountSessions(app);
      if (count.ok()) {
        max_sessions = std::max(max_sessions, *count);
        ++samples;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  };

  absl::Time down, restarting, back;
  const int recoveries_before = CrashRecoveries(folder);
  {
    ServerRestartGuard guard(folder);
    sample_until(absl::Now() + kBeforeOutage);
    ASSERT_THAT(RunServerScript(folder, kStopCommand), IsOk());
    down = absl::Now();
    absl::SleepFor(kOutage);
    restarting = absl::Now();
    ASSERT_THAT(RunServerScript(folder, "start-server"), IsOk());
    back = absl::Now();
    sample_until(back + kAfterOutage);
  }

  if (kCrash) {
    EXPECT_EQ(CrashRecoveries(folder), recoveries_before + 1)
        << "the restarted server did not report a crash recovery in " << folder
        << "/server.log";
  }

  // The idle store's pooled connection is dead; its next call must still
  // work, at once, and leave one live connection in its place.
  ASSERT_OK_AND_ASSIGN(const int idle_stale, admin->CountSessions(idle_app));
  EXPECT_EQ(idle_stale, 0) << "the server kept the idle store's session";
  const absl::Time idle_call = absl::Now();
  EXPECT_THAT(idle_storage->AddUserMessage("idle", "after the restart"),
              IsOk());
  const absl::Duration idle_took = absl::Now() - idle_call;
  EXPECT_LE(idle_took, kSlack);
  ASSERT_OK_AND_ASSIGN(const int idle_after, admin->CountSessions(idle_app));
  EXPECT_EQ(idle_after, 1);
  {
    ASSERT_OK_AND_ASSIGN(std::optional<Conversation> idle,
                         idle_storage->GetConversation("idle"));
    ASSERT_TRUE(idle.has_value());
    EXPECT_EQ(idle->messages_size(), 1);
  }
  idle_storage.reset();
  EXPECT_THAT(admin->AwaitSessionsAtMost(idle_app, 0, absl::Seconds(5)),
              IsOk());
  stop = true;
  for (std::thread& writer : writers) writer.join();

  // Every call ended in time, with a code that says what to do next.
  int64_t total = 0, acknowledged = 0, outage_calls = 0, after_calls = 0;
  std::map<std::string, int64_t> errors;  // by code
  absl::Duration slowest, first_success_after = absl::ZeroDuration();
  std::vector<std::string> bad;
  for (int t = 0; t < kThreads; ++t) {
    bool recovered = false;
    for (const Call& call : calls[t]) {
      ++total;
      slowest = std::max(slowest, call.took);
      if (call.took > kPoolTimeout + kSlack) {
        bad.push_back(absl::StrCat(Text(t, call.seq), " took ",
                                   absl::FormatDuration(call.took), ": ",
                                   call.status.ToString()));
      }
      if (call.status.ok()) {
        ++acknowledged;
      } else {
        ++errors[absl::StatusCodeToString(call.status.code())];
        if (!absl::IsUnavailable(call.status) &&
            !absl::IsResourceExhausted(call.status) &&
            !IsCommitOutcomeUnknown(call.status)) {
          bad.push_back(absl::StrCat(Text(t, call.seq), ": unexpected error ",
                                     call.status.ToString()));
        }
      }
      if (call.start >= down && call.start + call.took <= restarting) {
        ++outage_calls;
        if (call.status.ok()) {
          bad.push_back(absl::StrCat(Text(t, call.seq),
                                     " succeeded while the server was down"));
        }
      }
      if (call.start >= back) {
        ++after_calls;
        if (!call.status.ok()) {
          bad.push_back(absl::StrCat(
              Text(t, call.seq),
              " failed after the server was back: ", call.status.ToString()));
        } else if (!recovered) {
          recovered = true;
          first_success_after =
              std::max(first_success_after, call.start + call.took - back);
        }
      }
    }
    EXPECT_TRUE(recovered) << "thread " << t << " never succeeded again";
  }
  EXPECT_TRUE(bad.empty()) << absl::StrJoin(bad, "\n");
  EXPECT_GT(outage_calls, 0) << "no call was made during the outage";
  EXPECT_GE(after_calls, kThreads * 10) << "too few calls after the restart";

  // No leak: within the pool's limits while running, back to at most
  // pool_size idle connections, and none once the store is closed.
  EXPECT_GT(samples, 0);
  EXPECT_GT(max_sessions, 0) << "the store's sessions were never seen";
  EXPECT_LE(max_sessions, kPoolSize + kMaxOverflow + extra);
  EXPECT_THAT(
      admin->AwaitSessionsAtMost(app, kPoolSize + extra, absl::Seconds(5)),
      IsOk());
  ASSERT_OK_AND_ASSIGN(const int idle_sessions, admin->CountSessions(app));
  EXPECT_GE(idle_sessions, 1);
  storage.reset();
  EXPECT_THAT(admin->AwaitSessionsAtMost(app, 0, absl::Seconds(5)), IsOk());

  // No acknowledged append lost, none stored twice or out of order, and a
  // failed one stored only when its commit outcome was unknown.
  ASSERT_OK_AND_ASSIGN(storage, Storage::Open(url));
  WriteAudit audit;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_OK_AND_ASSIGN(std::optional<Conversation> conversation,
                         storage->GetConversation(absl::StrCat("fault-", t)));
    ASSERT_TRUE(conversation.has_value());
    const std::map<int, int> stored = AuditWriter(
        *conversation, absl::StrCat("t", t, "-s"), calls[t], &audit);
    EXPECT_EQ(stored.size(),
              calls[t].size() -
                  std::count_if(
                      calls[t].begin(), calls[t].end(), [&](const Call& call) {
                        return !call.status.ok() && stored.count(call.seq) == 0;
                      }));
  }
  const int64_t lost = audit.lost, duplicated = audit.duplicated,
                reordered = audit.reordered,
                unknown_stored = audit.unknown_stored;
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(reordered, 0);

  std::vector<std::string> error_counts;
  for (const auto& [code, n] : errors) {
    error_counts.push_back(absl::StrCat(n, " ", code));
  }
  std::printf(
      "RELIABILITY %s postgresql%s: server down %.1f s during %d "
      "threads' appends (pool_size %d, max_overflow %d, pool_timeout %.0f s, "
      "pre-ping): %lld calls, %lld acknowledged, %lld lost, %lld "
      "duplicated, %lld reordered; errors: %s; "
      "%lld calls during the outage all failed, slowest call %.3f s; "
      "%lld calls after the restart all succeeded, first within %.3f s; "
      "%lld failed calls with unknown commit outcome found stored; "
      "sessions at most %d (limit %d), %d idle after, 0 after close; "
      "an idle pool's dead connection replaced on its first call in "
      "%.3f s\n",
      kCrash ? "server-crash (SIGKILL of the postmaster, crash recovery, "
               "fsync=on)"
             : "server-fault",
      pipeline ? " (pipeline)" : " (pool)",
      absl::ToDoubleSeconds(restarting - down), kThreads, kPoolSize,
      kMaxOverflow, absl::ToDoubleSeconds(kPoolTimeout),
      static_cast<long long>(total), static_cast<long long>(acknowledged),
      static_cast<long long>(lost), static_cast<long long>(duplicated),
      static_cast<long long>(reordered),
      error_counts.empty() ? "none" : absl::StrJoin(error_counts, ", ").c_str(),
      static_cast<long long>(outage_calls), absl::ToDoubleSeconds(slowest),
      static_cast<long long>(after_calls),
      absl::ToDoubleSeconds(first_success_after),
      static_cast<long long>(unknown_stored), max_sessions,
      kPoolSize + kMaxOverflow + extra, idle_sessions,
      absl::ToDoubleSeconds(idle_took));
}

TEST(ServerFaultTest, PoolRidesOutServerRestartWithoutHangsLossOrLeaks) {
  RideOutServerRestart(/*pipeline=*/false);
}

TEST(ServerFaultTest, PipelineRidesOutServerRestartWithoutHangsLossOrLeaks) {
  RideOutServerRestart(/*pipeline=*/true);
}

}  // namespace
}  // namespace testing
}  // namespace parley
