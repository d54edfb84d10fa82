// The one SQL pool (backends/sql/sql_pool.h) against a real PostgreSQL
// server: what a fake connection cannot show (the server's own rollback,
// sessions killed by the server, real pings). Its QueuePool limits,
// timeout, overflow, recycle and ordering are unit-tested with a fake
// connection in backends/sql/sql_pool_test.cc.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "backends/postgres/postgres_backend.h"
#include "backends/postgres/postgres_connection.h"
#include "backends/postgres/postgres_test_connection.h"
#include "backends/postgres/postgres_test_store.h"
#include "backends/sql/pool_options.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/sql_pool.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/url.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

using ::parley::postgres::PostgresConnection;
using ::parley::sql::PoolCounters;
using ::parley::sql::SqlConnection;
using ::parley::sql::SqlConnectionLease;
using ::parley::sql::SqlConnectionPool;
using ::parley::sql::SqlValue;
using ::parley::sql::TransactionMode;

PostgresConnection& Pg(const SqlConnectionLease& lease) {
  return static_cast<PostgresConnection&>(*lease);
}

class PostgresPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(url_, NewPostgresTestStore());
    ASSERT_OK_AND_ASSIGN(admin_, ConnectForTest(url_));
    ASSERT_THAT(admin_->ExecuteScript("CREATE TABLE t (a integer)"), IsOk());
  }

  // A pool on this test's store with `options` ("pool_size=1&...").
  std::unique_ptr<SqlConnectionPool> MakePool(absl::string_view options) {
    absl::StatusOr<StorageUrl> url =
        PostgresBackendType().ParseUrl(absl::StrCat(url_, "&", options));
    EXPECT_THAT(url, IsOk());
    absl::StatusOr<PoolOptions> pool_options = ReadPoolOptions(*url);
    EXPECT_THAT(pool_options, IsOk());
    absl::StatusOr<postgres::PostgresConnectParams> params =
        postgres::PostgresConnectParams::FromUrl(*url);
    EXPECT_THAT(params, IsOk());
    return std::make_unique<SqlConnectionPool>(
        [params = *params]() -> absl::StatusOr<std::unique_ptr<SqlConnection>> {
          return PostgresConnection::Open(params);
        },
        *pool_options);
  }

  std::string url_;
  std::unique_ptr<PostgresConnection> admin_;
};

TEST_F(PostgresPoolTest, ErrorStormLeavesCountsBalanced) {
  // The application_name tells this pool's sessions from those of tests
  // that share the server.
  auto pool = MakePool(
      "pool_size=2&max_overflow=3&pool_timeout=10&application_name=storm");
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 13;  // 104 failing calls in all
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
        ASSERT_THAT(lease, IsOk());
        absl::Status status;
        switch ((t + i) % 3) {
          case 0:  // a failing statement outside a transaction
            status = (*lease)->Execute("SELEC 1", {}).status();
            break;
          case 1:  // inside one, then the lease is dropped
            ASSERT_THAT((*lease)->Begin(TransactionMode::kWrite), IsOk());
            ASSERT_THAT((*lease)->Execute("INSERT INTO t VALUES (1)", {}),
                        IsOk());
            status = (*lease)->Execute("SELECT 1 / 0", {}).status();
            break;
          case 2:  // a callback error mid-result, inside a transaction
            ASSERT_THAT((*lease)->Begin(TransactionMode::kRead), IsOk());
            status = (*lease)
                         ->Execute("SELECT generate_series(1, 5)", {},
                                   [](const sql::SqlRow&) {
                                     return absl::DataLossError("bad row");
                                   })
                         .status();
            break;
        }
        if (!status.ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, kThreads * kCallsPerThread);
  const PoolCounters counters = pool->counters();
  EXPECT_EQ(counters.lent, 0);
  EXPECT_EQ(counters.opening, 0);
  EXPECT_LE(counters.open, 5);
  EXPECT_LE(counters.idle, 2);
  EXPECT_EQ(counters.idle, counters.open);
  EXPECT_EQ(counters.discarded, 0);  // errors are not broken connections
  EXPECT_EQ(counters.timeouts, 0);
  // Every transaction was rolled back.
  EXPECT_THAT(QueryText(*admin_, "SELECT count(*) FROM t"), IsOkAndHolds("0"));
  // The server agrees: no session is left in a transaction.
  EXPECT_THAT(QueryText(*admin_,
                        "SELECT count(*) FROM pg_stat_activity WHERE state "
                        "LIKE 'idle in transaction%' AND application_name = "
                        "'storm' AND datname = current_database()"),
              IsOkAndHolds("0"));
}

TEST_F(PostgresPoolTest, LeaseDroppedMidTransactionIsRolledBack) {
  auto pool = MakePool("pool_size=1&max_overflow=0");
  int pid = 0;
  {
    ASSERT_OK_AND_ASSIGN(SqlConnectionLease lease, pool->Acquire());
    pid = Pg(lease).BackendPid();
    ASSERT_THAT(lease->Begin(TransactionMode::kWrite), IsOk());
    ASSERT_THAT(lease->Execute("INSERT INTO t VALUES (7)", {}), IsOk());
  }
  EXPECT_THAT(QueryText(*admin_, "SELECT count(*) FROM t"), IsOkAndHolds("0"));
  ASSERT_OK_AND_ASSIGN(SqlConnectionLease again, pool->Acquire());
  EXPECT_EQ(Pg(again).BackendPid(), pid);  // the same, healthy connection
  EXPECT_FALSE(again->InTransaction());
  EXPECT_EQ(pool->counters().discarded, 0);
}

TEST_F(PostgresPoolTest, BrokenConnectionIsDiscardedNeverLentAgain) {
  auto pool = MakePool("pool_size=2&max_overflow=0");
  int pid = 0;
  {
    ASSERT_OK_AND_ASSIGN(SqlConnectionLease lease, pool->Acquire());
    pid = Pg(lease).BackendPid();
    ASSERT_THAT(TerminateBackend(*admin_, pid), IsOk());
    EXPECT_THAT(lease->Execute("SELECT 1", {}),
                StatusIs(absl::StatusCode::kUnavailable, ""));
  }
  PoolCounters counters = pool->counters();
  EXPECT_EQ(counters.discarded, 1);
  EXPECT_EQ(counters.open, 0);
  ASSERT_OK_AND_ASSIGN(SqlConnectionLease fresh, pool->Acquire());
  EXPECT_NE(Pg(fresh).BackendPid(), pid);
  EXPECT_THAT(fresh->Execute("SELECT 1", {}), IsOk());
}

TEST_F(PostgresPoolTest, BrokenConnectionInTransactionIsDiscarded) {
  auto pool = MakePool("pool_size=1&max_overflow=0");
  {
    ASSERT_OK_AND_ASSIGN(SqlConnectionLease lease, pool->Acquire());
    ASSERT_THAT(lease->Begin(TransactionMode::kWrite), IsOk());
    ASSERT_THAT(TerminateBackend(*admin_, Pg(lease).BackendPid()), IsOk());
  }
  EXPECT_EQ(pool->counters().discarded, 1);
  EXPECT_EQ(pool->counters().open, 0);
}

TEST_F(PostgresPoolTest, PrePingReplacesKilledIdleConnections) {
  auto pool = MakePool("pool_size=3&max_overflow=0&pool_pre_ping=true");
  std::vector<int> pids;
  {
    std::vector<SqlConnectionLease> leases;
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(SqlConnectionLease lease, pool->Acquire());
      pids.push_back(Pg(lease).BackendPid());
      leases.push_back(std::move(lease));
    }
  }
  // A server restart or an administrator kills every idle session.
  for (int pid : pids) ASSERT_THAT(TerminateBackend(*admin_, pid), IsOk());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(SqlConnectionLease lease, pool->Acquire());
    EXPECT_THAT(lease->Execute("SELECT 1", {}), IsOk());
    EXPECT_THAT(pids,
                ::testing::Not(::testing::Contains(Pg(lease).BackendPid())));
  }
  const PoolCounters counters = pool->counters();
  EXPECT_EQ(counters.discarded, 3);
  EXPECT_EQ(counters.open, 3);
  EXPECT_EQ(counters.idle, 3);
  EXPECT_EQ(counters.lent, 0);
}

TEST_F(PostgresPoolTest, WithoutPrePingAKilledConnectionFailsOnceThenRecovers) {
  auto pool = MakePool("pool_size=1&max_overflow=0");
  int pid = 0;
  {
    ASSERT_OK_AND_ASSIGN(SqlConnectionLease lease, pool->Acquire());
    pid = Pg(lease).BackendPid();
  }
  ASSERT_THAT(TerminateBackend(*admin_, pid), IsOk());
  {
    ASSERT_OK_AND_ASSIGN(SqlConnectionLease lease, pool->Acquire());
    absl::StatusOr<int64_t> ran = lease->Execute("SELECT 1", {});
    EXPECT_THAT(ran, StatusIs(absl::StatusCode::kUnavailable, ""));
    EXPECT_TRUE(sql::IsRetryable(ran.status()));
  }
  ASSERT_OK_AND_ASSIGN(SqlConnectionLease lease, pool->Acquire());
  EXPECT_THAT(lease->Execute("SELECT 1", {}), IsOk());
  EXPECT_EQ(pool->counters().discarded, 1);
}

TEST_F(PostgresPoolTest, ConcurrentUseStaysWithinLimits) {
  auto pool = MakePool("pool_size=3&max_overflow=2&pool_timeout=30");
  std::atomic<int> max_lent{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        ASSERT_OK_AND_ASSIGN(SqlConnectionLease lease, pool->Acquire());
        const int lent = pool->counters().lent;
        int seen = max_lent.load();
        while (lent > seen && !max_lent.compare_exchange_weak(seen, lent)) {
        }
        ASSERT_THAT(lease->Begin(TransactionMode::kWrite), IsOk());
        ASSERT_THAT(
            lease->Execute("INSERT INTO t VALUES ($1)", {SqlValue::Int64(i)}),
            IsOk());
        ASSERT_THAT(lease->Commit(), IsOk());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(max_lent, 5);
  EXPECT_THAT(QueryText(*admin_, "SELECT count(*) FROM t"),
              IsOkAndHolds("480"));
  const PoolCounters counters = pool->counters();
  EXPECT_EQ(counters.lent, 0);
  EXPECT_LE(counters.open, 3);
}

}  // namespace
}  // namespace testing
}  // namespace parley
