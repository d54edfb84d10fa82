// The pool's QueuePool semantics with a fake connection (no server): limits,
// timeout, overflow, broken and stale connections, pre-ping, recycle, many
// threads; each case for both idle orders unless it is about the order.
// backends/postgres/postgres_pool_test.cc runs the pool against a real
// PostgreSQL server (rollback on the server, killed sessions).
#include "backends/sql/sql_pool.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "backends/sql/pool_options.h"
#include "gtest/gtest.h"

namespace parley {
namespace sql {
namespace {

// Counts how many are open and how many leases hold it at once (must never
// exceed 1); its health, ping result and transaction state are the test's
// to set.
class FakeConnection : public SqlConnection {
 public:
  explicit FakeConnection(std::atomic<int>* open) : open_(open) {
    open_->fetch_add(1);
  }
  ~FakeConnection() override { open_->fetch_sub(1); }
  absl::StatusOr<int64_t> Execute(
      absl::string_view, absl::Span<const SqlValue>,
      absl::FunctionRef<absl::Status(const SqlRow&)>) override {
    return 0;
  }
  absl::Status ExecuteScript(absl::string_view) override {
    return absl::OkStatus();
  }
  absl::Status Begin(TransactionMode) override {
    in_transaction_ = true;
    return absl::OkStatus();
  }
  absl::Status Commit() override {
    in_transaction_ = false;
    return absl::OkStatus();
  }
  absl::Status Rollback() override {
    if (rollback_error.ok() && !stays_in_transaction) in_transaction_ = false;
    return rollback_error;
  }
  bool InTransaction() const override { return in_transaction_; }
  bool IsBroken() const override { return broken.load(); }
  absl::Status Ping() override {
    pings.fetch_add(1);
    return ping_fails.load() ? absl::UnavailableError("server gone")
                             : absl::OkStatus();
  }

  std::atomic<int> holders{0};
  std::atomic<int> pings{0};
  std::atomic<bool> broken{false};
  std::atomic<bool> ping_fails{false};
  absl::Status rollback_error;
  // Rollback reports success but leaves the transaction open.
  bool stays_in_transaction = false;

 private:
  std::atomic<int>* open_;
  bool in_transaction_ = false;
};

FakeConnection& Fake(const SqlConnectionLease& lease) {
  return static_cast<FakeConnection&>(*lease);
}

PoolOptions Options(int pool_size, int max_overflow, double timeout_s = 30) {
  PoolOptions options;
  options.pool_size = pool_size;
  options.max_overflow = max_overflow;
  options.pool_timeout_s = timeout_s;
  return options;
}

class SqlConnectionPoolTest : public ::testing::TestWithParam<IdleOrder> {
 protected:
  std::unique_ptr<SqlConnectionPool> MakePool(const PoolOptions& options) {
    return std::make_unique<SqlConnectionPool>(Factory(), options, GetParam());
  }

  SqlConnectionFactory Factory() {
    return [this]() -> absl::StatusOr<std::unique_ptr<SqlConnection>> {
      made_.fetch_add(1);
      return std::make_unique<FakeConnection>(&open_);
    };
  }

  // `threads` threads each making `calls` Acquire calls on `pool`: how many
  // calls failed, shared a connection, or saw more than `max_open` open.
  int Hammer(SqlConnectionPool& pool, int threads, int calls, int max_open) {
    std::vector<std::thread> running;
    std::atomic<int> errors{0};
    for (int t = 0; t < threads; ++t) {
      running.emplace_back([&] {
        for (int i = 0; i < calls; ++i) {
          absl::StatusOr<SqlConnectionLease> lease = pool.Acquire();
          if (!lease.ok()) {
            errors.fetch_add(1);
            continue;
          }
          FakeConnection& c = Fake(*lease);
          if (c.holders.fetch_add(1) != 0) errors.fetch_add(1);
          if (open_.load() > max_open) errors.fetch_add(1);
          c.holders.fetch_sub(1);
        }
      });
    }
    for (std::thread& t : running) t.join();
    return errors.load();
  }

  std::atomic<int> open_{0};  // fake connections alive
  std::atomic<int> made_{0};  // fake connections made
};

INSTANTIATE_TEST_SUITE_P(BothOrders, SqlConnectionPoolTest,
                         ::testing::Values(IdleOrder::kOldestFirst,
                                           IdleOrder::kSameThreadFirst),
                         [](const ::testing::TestParamInfo<IdleOrder>& info) {
                           return std::string(info.param ==
                                                      IdleOrder::kOldestFirst
                                                  ? "OldestFirst"
                                                  : "SameThreadFirst");
                         });

TEST_P(SqlConnectionPoolTest, ManyThreadsNeverShareAConnectionOrPassTheLimit) {
  {
    auto pool = MakePool(Options(/*pool_size=*/3, /*max_overflow=*/0));
    EXPECT_EQ(Hammer(*pool, /*threads=*/16, /*calls=*/2000, /*max_open=*/3), 0);
    EXPECT_LE(made_.load(), 3);
    const PoolCounters counters = pool->counters();
    EXPECT_EQ(counters.lent, 0);
    EXPECT_EQ(counters.opening, 0);
    EXPECT_EQ(counters.idle, counters.open);
    EXPECT_EQ(counters.opened, made_.load());
    EXPECT_EQ(counters.discarded + counters.closed_overflow, 0);
  }
  EXPECT_EQ(open_.load(), 0);  // the pool closed every connection
}

TEST_P(SqlConnectionPoolTest, ManyThreadsWithOverflowCloseWhatIsNotKept) {
  {
    auto pool = MakePool(Options(/*pool_size=*/2, /*max_overflow=*/3));
    EXPECT_EQ(Hammer(*pool, /*threads=*/12, /*calls=*/500, /*max_open=*/5), 0);
    const PoolCounters counters = pool->counters();
    EXPECT_EQ(counters.lent, 0);
    EXPECT_LE(counters.idle, 2);
    EXPECT_EQ(counters.idle, counters.open);
    EXPECT_EQ(counters.open, open_.load());
    EXPECT_EQ(counters.opened - counters.closed_overflow, counters.open);
    EXPECT_EQ(counters.timeouts, 0);
  }
  EXPECT_EQ(open_.load(), 0);
}

TEST_P(SqlConnectionPoolTest, AWaiterGetsTheConnectionGivenBack) {
  auto pool = MakePool(Options(1, 0, /*timeout_s=*/5));
  absl::StatusOr<SqlConnectionLease> first = pool->Acquire();
  ASSERT_TRUE(first.ok());
  SqlConnection* const held = first->get();
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(200));     // let the main thread wait
    first = absl::CancelledError("given back");  // ends the lease
  });
  const absl::Time start = absl::Now();
  absl::StatusOr<SqlConnectionLease> second = pool->Acquire();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  releaser.join();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->get(), held);
  EXPECT_EQ(made_.load(), 1);
  EXPECT_EQ(pool->counters().opened, 1);
}

TEST_P(SqlConnectionPoolTest, ExhaustedPoolTimesOutWithResourceExhausted) {
  auto pool = MakePool(Options(1, 1, /*timeout_s=*/0.5));
  absl::StatusOr<SqlConnectionLease> first = pool->Acquire();
  absl::StatusOr<SqlConnectionLease> second = pool->Acquire();
  ASSERT_TRUE(first.ok() && second.ok());
  const absl::Time start = absl::Now();
  absl::StatusOr<SqlConnectionLease> third = pool->Acquire();
  const absl::Duration waited = absl::Now() - start;
  EXPECT_TRUE(absl::IsResourceExhausted(third.status())) << third.status();
  EXPECT_EQ(third.status().message(),
            "connection pool exhausted: 1 connections + 1 overflow in use "
            "for 0.5 s (pool_size=1, max_overflow=1)");
  EXPECT_GE(waited, absl::Milliseconds(500));
  EXPECT_LT(waited, absl::Milliseconds(800));
  EXPECT_EQ(pool->counters().timeouts, 1);
  EXPECT_EQ(pool->counters().lent, 2);
  EXPECT_EQ(made_.load(), 2);
}

TEST_P(SqlConnectionPoolTest, OverflowIsClosedOnReturnAndPoolSizeKept) {
  auto pool = MakePool(Options(2, 2));
  {
    std::vector<SqlConnectionLease> leases;
    for (int i = 0; i < 4; ++i) {
      absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
      ASSERT_TRUE(lease.ok()) << lease.status();
      leases.push_back(*std::move(lease));
    }
    EXPECT_EQ(pool->counters().open, 4);
    EXPECT_EQ(pool->counters().lent, 4);
  }
  const PoolCounters counters = pool->counters();
  EXPECT_EQ(counters.open, 2);
  EXPECT_EQ(counters.idle, 2);
  EXPECT_EQ(counters.lent, 0);
  EXPECT_EQ(counters.closed_overflow, 2);
  EXPECT_EQ(open_.load(), 2);  // really closed
}

TEST_P(SqlConnectionPoolTest, OverflowKeptWhenAskedAndTimeoutNamesTheSettings) {
  SqlConnectionPool pool(Factory(), Options(1, 2, /*timeout_s=*/0.2),
                         GetParam(), Overflow::kKeep);
  {
    std::vector<SqlConnectionLease> leases;
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<SqlConnectionLease> lease = pool.Acquire();
      ASSERT_TRUE(lease.ok()) << lease.status();
      leases.push_back(*std::move(lease));
    }
    absl::StatusOr<SqlConnectionLease> fourth = pool.Acquire();
    // The settings the caller gave, not the pool's idle limit.
    EXPECT_EQ(fourth.status().message(),
              "connection pool exhausted: 1 connections + 2 overflow in use "
              "for 0.2 s (pool_size=1, max_overflow=2)");
  }
  const PoolCounters counters = pool.counters();
  EXPECT_EQ(counters.open, 3);
  EXPECT_EQ(counters.idle, 3);
  EXPECT_EQ(counters.closed_overflow, 0);
  EXPECT_EQ(open_.load(), 3);
  EXPECT_EQ(Hammer(pool, 8, 200, /*max_open=*/3), 0);
  EXPECT_EQ(made_.load(), 3);  // the kept ones were lent again
}

TEST_P(SqlConnectionPoolTest, UnlimitedOverflow) {
  auto pool = MakePool(Options(1, -1, /*timeout_s=*/0.2));
  std::vector<SqlConnectionLease> leases;
  for (int i = 0; i < 6; ++i) {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    leases.push_back(*std::move(lease));
  }
  EXPECT_EQ(pool->counters().open, 6);
  leases.clear();
  EXPECT_EQ(pool->counters().open, 1);  // pool_size still kept
  EXPECT_EQ(pool->counters().closed_overflow, 5);
}

TEST_P(SqlConnectionPoolTest, PoolSizeZeroKeepsEverything) {
  auto pool = MakePool(Options(0, 0, /*timeout_s=*/0.2));
  std::vector<SqlConnectionLease> leases;
  for (int i = 0; i < 6; ++i) {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    leases.push_back(*std::move(lease));
  }
  leases.clear();
  EXPECT_EQ(pool->counters().open, 6);
  EXPECT_EQ(pool->counters().idle, 6);
  EXPECT_EQ(pool->counters().closed_overflow, 0);
}

TEST_P(SqlConnectionPoolTest, AConnectionThatCannotRollBackIsClosed) {
  auto pool = MakePool(Options(1, 0, /*timeout_s=*/1));
  {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    FakeConnection& c = Fake(*lease);
    c.rollback_error = absl::DataLossError("cannot roll back");
    ASSERT_TRUE(c.Begin(TransactionMode::kWrite).ok());
  }  // given back inside a transaction: rolled back, which fails
  EXPECT_EQ(open_.load(), 0);
  EXPECT_EQ(pool->counters().discarded, 1);
  absl::StatusOr<SqlConnectionLease> again = pool->Acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(made_.load(), 2);
}

TEST_P(SqlConnectionPoolTest, AConnectionStillInATransactionIsClosed) {
  auto pool = MakePool(Options(1, 0, /*timeout_s=*/1));
  {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    Fake(*lease).stays_in_transaction = true;
    ASSERT_TRUE((*lease)->Begin(TransactionMode::kWrite).ok());
  }
  EXPECT_EQ(open_.load(), 0);
  EXPECT_EQ(pool->counters().discarded, 1);
  EXPECT_EQ(pool->counters().open, 0);
}

TEST_P(SqlConnectionPoolTest, BrokenConnectionIsDiscardedNeverLentAgain) {
  auto pool = MakePool(Options(2, 0));
  {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    Fake(*lease).broken = true;
  }
  const PoolCounters counters = pool->counters();
  EXPECT_EQ(counters.discarded, 1);
  EXPECT_EQ(counters.open, 0);
  EXPECT_EQ(open_.load(), 0);
  absl::StatusOr<SqlConnectionLease> fresh = pool->Acquire();
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE((*fresh)->IsBroken());
  EXPECT_EQ(made_.load(), 2);
}

TEST_P(SqlConnectionPoolTest, ConnectionBrokenWhileIdleIsReplaced) {
  auto pool = MakePool(Options(1, 0));
  FakeConnection* idle = nullptr;
  {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    idle = &Fake(*lease);
  }
  idle->broken = true;  // e.g. the server closed the socket
  absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_FALSE((*lease)->IsBroken());
  EXPECT_EQ(made_.load(), 2);
  EXPECT_EQ(open_.load(), 1);
  EXPECT_EQ(pool->counters().discarded, 1);
}

TEST_P(SqlConnectionPoolTest, PrePingReplacesDeadIdleConnections) {
  PoolOptions options = Options(3, 0);
  options.pool_pre_ping = true;
  auto pool = MakePool(options);
  std::vector<FakeConnection*> dead;
  {
    std::vector<SqlConnectionLease> leases;
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
      ASSERT_TRUE(lease.ok());
      dead.push_back(&Fake(*lease));
      leases.push_back(*std::move(lease));
    }
  }
  for (FakeConnection* c : dead) c->ping_fails = true;
  {
    // Held together, each lease needs one of the idle ones, whatever the
    // order.
    std::vector<SqlConnectionLease> leases;
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
      ASSERT_TRUE(lease.ok());
      EXPECT_TRUE((*lease)->Ping().ok());
      leases.push_back(*std::move(lease));
    }
  }
  const PoolCounters counters = pool->counters();
  EXPECT_EQ(counters.discarded, 3);
  EXPECT_EQ(counters.open, 3);
  EXPECT_EQ(counters.idle, 3);
  EXPECT_EQ(counters.lent, 0);
  EXPECT_EQ(made_.load(), 6);
  EXPECT_EQ(open_.load(), 3);
}

TEST_P(SqlConnectionPoolTest, PrePingKeepsALiveConnection) {
  PoolOptions options = Options(1, 0);
  options.pool_pre_ping = true;
  auto pool = MakePool(options);
  SqlConnection* first = nullptr;
  {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    first = lease->get();
    EXPECT_EQ(Fake(*lease).pings, 0);  // a new connection is not pinged
  }
  absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(lease->get(), first);
  EXPECT_EQ(Fake(*lease).pings, 1);
  EXPECT_EQ(pool->counters().discarded, 0);
}

TEST_P(SqlConnectionPoolTest, WithoutPrePingADeadIdleConnectionIsLent) {
  auto pool = MakePool(Options(1, 0));
  SqlConnection* first = nullptr;
  {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    first = lease->get();
    Fake(*lease).ping_fails = true;
  }
  absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(lease->get(), first);
  EXPECT_EQ(Fake(*lease).pings, 0);
  EXPECT_EQ(pool->counters().discarded, 0);
}

TEST_P(SqlConnectionPoolTest, OldConnectionsAreRecycled) {
  PoolOptions options = Options(1, 0);
  options.pool_recycle_s = 0.2;
  auto pool = MakePool(options);
  SqlConnection* first = nullptr;
  {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    first = lease->get();
  }
  {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(lease->get(), first);  // still young
  }
  absl::SleepFor(absl::Milliseconds(300));
  absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(made_.load(), 2);
  EXPECT_EQ(open_.load(), 1);
  EXPECT_EQ(pool->counters().recycled, 1);
  EXPECT_EQ(pool->counters().open, 1);
}

TEST_P(SqlConnectionPoolTest, AConnectionThatAgedWhileLentIsClosedOnReturn) {
  PoolOptions options = Options(1, 0);
  options.pool_recycle_s = 0.1;
  auto pool = MakePool(options);
  {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(pool->counters().recycled, 1);
  EXPECT_EQ(pool->counters().open, 0);
  EXPECT_EQ(open_.load(), 0);
}

TEST_P(SqlConnectionPoolTest, ConnectFailureIsReturnedAndFreesItsSlot) {
  std::atomic<int> calls{0};
  SqlConnectionPool pool(
      [&]() -> absl::StatusOr<std::unique_ptr<SqlConnection>> {
        ++calls;
        return absl::UnavailableError("connect: refused");
      },
      Options(1, 0, /*timeout_s=*/0.2), GetParam());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<SqlConnectionLease> lease = pool.Acquire();
    EXPECT_TRUE(absl::IsUnavailable(lease.status())) << lease.status();
    EXPECT_EQ(lease.status().message(), "connect: refused");
  }
  EXPECT_EQ(calls, 3);  // no timeout: the failed slot came back each time
  EXPECT_EQ(pool.counters().opening, 0);
  EXPECT_EQ(pool.counters().open, 0);
  EXPECT_EQ(pool.counters().opened, 0);
}

TEST_P(SqlConnectionPoolTest, NoLockHeldWhileConnecting) {
  absl::Notification connecting;
  absl::Notification finish;
  SqlConnectionFactory fast = Factory();
  SqlConnectionPool pool(
      [&]() -> absl::StatusOr<std::unique_ptr<SqlConnection>> {
        if (!connecting.HasBeenNotified()) {
          connecting.Notify();
          finish.WaitForNotification();
        }
        return fast();
      },
      Options(2, 0), GetParam());
  std::thread slow([&] { EXPECT_TRUE(pool.Acquire().ok()); });
  connecting.WaitForNotification();
  // While the first connect is stuck, the pool still answers and lends.
  EXPECT_EQ(pool.counters().opening, 1);
  {
    absl::StatusOr<SqlConnectionLease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_TRUE((*lease)->Execute("SELECT 1", {}).ok());
    EXPECT_EQ(pool.counters().lent, 1);
  }
  finish.Notify();
  slow.join();
  EXPECT_EQ(pool.counters().open, 2);
  EXPECT_EQ(pool.counters().opening, 0);
}

// Which idle connection a thread gets: with kOldestFirst the one given back
// longest ago, with kSameThreadFirst the one this thread gave back last.
TEST_P(SqlConnectionPoolTest, IdleOrder) {
  auto pool = MakePool(Options(4, 0));
  std::vector<SqlConnection*> returned;  // in the order given back
  {
    std::vector<SqlConnectionLease> leases;
    for (int i = 0; i < 4; ++i) {
      absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
      ASSERT_TRUE(lease.ok());
      returned.push_back(lease->get());
      leases.push_back(*std::move(lease));
    }
    while (!leases.empty()) leases.erase(leases.begin());
  }
  SqlConnection* mine = nullptr;
  {
    absl::StatusOr<SqlConnectionLease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    mine = lease->get();
    if (GetParam() == IdleOrder::kOldestFirst) {
      EXPECT_EQ(mine, returned[0]);
    }
  }
  absl::StatusOr<SqlConnectionLease> again = pool->Acquire();
  ASSERT_TRUE(again.ok());
  if (GetParam() == IdleOrder::kOldestFirst) {
    EXPECT_EQ(again->get(), returned[1]);  // `mine` went to the back
  } else {
    EXPECT_EQ(again->get(), mine);
  }
}

// After a server restart every idle connection is dead: with kOldestFirst,
// consecutive calls each meet (and replace) the next dead one, never one
// just opened.
TEST(SqlConnectionPoolOldestFirstTest, PrePingReplacesEachDeadIdleInTurn) {
  std::atomic<int> open{0};
  PoolOptions options = Options(3, 0);
  options.pool_pre_ping = true;
  SqlConnectionPool pool(
      [&]() -> absl::StatusOr<std::unique_ptr<SqlConnection>> {
        return std::make_unique<FakeConnection>(&open);
      },
      options, IdleOrder::kOldestFirst);
  std::vector<FakeConnection*> dead;
  {
    std::vector<SqlConnectionLease> leases;
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<SqlConnectionLease> lease = pool.Acquire();
      ASSERT_TRUE(lease.ok());
      dead.push_back(&Fake(*lease));
      leases.push_back(*std::move(lease));
    }
  }
  for (FakeConnection* c : dead) c->ping_fails = true;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<SqlConnectionLease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_TRUE((*lease)->Ping().ok());
  }  // each lease given back before the next call
  const PoolCounters counters = pool.counters();
  EXPECT_EQ(counters.discarded, 3);
  EXPECT_EQ(counters.open, 3);
  EXPECT_EQ(counters.idle, 3);
  EXPECT_EQ(counters.lent, 0);
}

}  // namespace
}  // namespace sql
}  // namespace parley
