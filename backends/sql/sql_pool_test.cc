#include "backends/sql/sql_pool.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace parley {
namespace sql {
namespace {

// Counts how many leases hold it at once (must never exceed 1).
class CountingConnection : public SqlConnection {
 public:
  explicit CountingConnection(std::atomic<int>* open) : open_(open) {
    open_->fetch_add(1);
  }
  ~CountingConnection() override { open_->fetch_sub(1); }
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
    in_transaction_ = false;
    return rollback_error_;
  }
  bool InTransaction() const override { return in_transaction_; }

  std::atomic<int> holders{0};
  absl::Status rollback_error_;

 private:
  std::atomic<int>* open_;
  bool in_transaction_ = false;
};

SqlConnectionFactory Factory(std::atomic<int>* open, std::atomic<int>* made) {
  return [open, made]() -> absl::StatusOr<std::unique_ptr<SqlConnection>> {
    made->fetch_add(1);
    return std::make_unique<CountingConnection>(open);
  };
}

TEST(SqlConnectionPoolTest, ManyThreadsNeverShareAConnectionOrPassTheLimit) {
  std::atomic<int> open{0}, made{0};
  {
    SqlConnectionPool pool(Factory(&open, &made), /*max_connections=*/3,
                           absl::Seconds(30));
    std::vector<std::thread> threads;
    std::atomic<int> errors{0};
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 2000; ++i) {
          absl::StatusOr<SqlConnectionLease> lease = pool.Acquire();
          if (!lease.ok()) {
            errors.fetch_add(1);
            continue;
          }
          auto& c = static_cast<CountingConnection&>(**lease);
          if (c.holders.fetch_add(1) != 0) errors.fetch_add(1);
          if (open.load() > 3) errors.fetch_add(1);
          c.holders.fetch_sub(1);
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_LE(made.load(), 3);
  }
  EXPECT_EQ(open.load(), 0);  // the pool closed every connection
}

TEST(SqlConnectionPoolTest, AWaiterGetsAConnectionGivenBack) {
  std::atomic<int> open{0}, made{0};
  SqlConnectionPool pool(Factory(&open, &made), 1, absl::Seconds(30));
  absl::StatusOr<SqlConnectionLease> first = pool.Acquire();
  ASSERT_TRUE(first.ok());
  SqlConnection* const held = first->get();
  std::thread waiter([&] {
    absl::StatusOr<SqlConnectionLease> second = pool.Acquire();
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_EQ(second->get(), held);
  });
  absl::SleepFor(absl::Milliseconds(50));  // let it wait
  first = absl::InternalError("given back");
  waiter.join();
  EXPECT_EQ(made.load(), 1);
}

TEST(SqlConnectionPoolTest, NoneFreeWithinTheTimeoutIsResourceExhausted) {
  std::atomic<int> open{0}, made{0};
  SqlConnectionPool pool(Factory(&open, &made), 1, absl::Milliseconds(20));
  absl::StatusOr<SqlConnectionLease> first = pool.Acquire();
  ASSERT_TRUE(first.ok());
  absl::StatusOr<SqlConnectionLease> second = pool.Acquire();
  EXPECT_TRUE(absl::IsResourceExhausted(second.status())) << second.status();
}

TEST(SqlConnectionPoolTest, AConnectionThatCannotRollBackIsClosed) {
  std::atomic<int> open{0}, made{0};
  SqlConnectionPool pool(Factory(&open, &made), 1, absl::Seconds(1));
  {
    absl::StatusOr<SqlConnectionLease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    auto& c = static_cast<CountingConnection&>(**lease);
    c.rollback_error_ = absl::DataLossError("cannot roll back");
    ASSERT_TRUE(c.Begin(TransactionMode::kWrite).ok());
  }  // given back inside a transaction: rolled back, which fails
  EXPECT_EQ(open.load(), 0);
  absl::StatusOr<SqlConnectionLease> again = pool.Acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(made.load(), 2);
}

}  // namespace
}  // namespace sql
}  // namespace parley
