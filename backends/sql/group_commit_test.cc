#include "backends/sql/group_commit.h"

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "backends/sql/sql_connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley {
namespace sql {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A connection that logs what it is asked to do. Its "rows" are the names
// written since BEGIN; ROLLBACK TO drops those written since the savepoint.
class FakeConnection : public SqlConnection {
 public:
  absl::StatusOr<int64_t> Execute(
      absl::string_view, absl::Span<const SqlValue>,
      absl::FunctionRef<absl::Status(const SqlRow&)>) override {
    return absl::UnimplementedError("not used");
  }
  absl::Status ExecuteScript(absl::string_view sql) override {
    log.push_back(std::string(sql));
    if (sql == "SAVEPOINT parley_group") savepoint = pending.size();
    if (sql == "ROLLBACK TO parley_group") pending.resize(savepoint);
    return absl::OkStatus();
  }
  absl::Status Begin(TransactionMode) override {
    if (begin_gate != nullptr) begin_gate->WaitForNotification();
    begin_gate = nullptr;
    log.push_back("BEGIN");
    in_transaction = true;
    return absl::OkStatus();
  }
  absl::Status Commit() override {
    log.push_back("COMMIT");
    if (!commit_error.ok()) {
      Rollback().IgnoreError();
      return commit_error;
    }
    in_transaction = false;
    committed.insert(committed.end(), pending.begin(), pending.end());
    pending.clear();
    return absl::OkStatus();
  }
  absl::Status Rollback() override {
    if (in_transaction) log.push_back("ROLLBACK");
    in_transaction = false;
    pending.clear();
    return absl::OkStatus();
  }
  bool InTransaction() const override { return in_transaction; }

  // A write: records `name` as written inside the transaction.
  absl::Status Write(const std::string& name) {
    pending.push_back(name);
    return absl::OkStatus();
  }

  std::vector<std::string> log;
  std::vector<std::string> pending;
  std::vector<std::string> committed;
  size_t savepoint = 0;
  bool in_transaction = false;
  absl::Status commit_error;
  absl::Notification* begin_gate = nullptr;
};

class FakeSource : public SqlConnectionSource {
 public:
  absl::StatusOr<SqlConnectionLease> Acquire() override {
    mu_.Lock();  // one lease at a time, as a one-connection pool
    ++acquired;
    return MakeLease(&connection);
  }
  FakeConnection connection;
  int acquired = 0;

 private:
  void Release(SqlConnection*, bool) override { mu_.Unlock(); }
  absl::Mutex mu_;
};

// Runs `writes` (one thread each) behind a first writer whose BEGIN waits
// until all of them are queued, so they form one group.
std::vector<absl::Status> RunGroupOf(
    FakeSource& source, GroupCommit& group,
    std::vector<std::function<absl::Status(FakeConnection&)>> writes) {
  absl::Notification all_queued;
  source.connection.begin_gate = &all_queued;
  std::vector<absl::Status> results(writes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < writes.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = group.Run(source, [&](SqlConnection& c) {
        return writes[i](static_cast<FakeConnection&>(c));
      });
    });
    // In order: each thread is queued before the next starts.
    while (group.waiting() < i + 1) absl::SleepFor(absl::Microseconds(50));
  }
  all_queued.Notify();
  for (std::thread& t : threads) t.join();
  return results;
}

std::function<absl::Status(FakeConnection&)> Writes(std::string name) {
  return [name](FakeConnection& c) { return c.Write(name); };
}

TEST(GroupCommitTest, AloneRunsInItsOwnTransaction) {
  FakeSource source;
  GroupCommit group;
  EXPECT_TRUE(group
                  .Run(source,
                       [&](SqlConnection& c) {
                         return static_cast<FakeConnection&>(c).Write("a");
                       })
                  .ok());
  EXPECT_THAT(source.connection.log, ElementsAre("BEGIN", "COMMIT"));
  EXPECT_THAT(source.connection.committed, ElementsAre("a"));
  EXPECT_EQ(group.waiting(), 0u);
}

TEST(GroupCommitTest, QueuedWritersShareOneCommit) {
  FakeSource source;
  GroupCommit group;
  const std::vector<absl::Status> results =
      RunGroupOf(source, group, {Writes("a"), Writes("b"), Writes("c")});
  for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(source.acquired, 1);
  EXPECT_EQ(absl::StrJoin(source.connection.log, "; "),
            "BEGIN; SAVEPOINT parley_group; RELEASE parley_group; "
            "SAVEPOINT parley_group; RELEASE parley_group; "
            "SAVEPOINT parley_group; RELEASE parley_group; COMMIT");
  // In arrival order.
  EXPECT_THAT(source.connection.committed, ElementsAre("a", "b", "c"));
}

TEST(GroupCommitTest, AFailedWriteIsUndoneAloneAndKeepsItsError) {
  FakeSource source;
  GroupCommit group;
  const std::vector<absl::Status> results =
      RunGroupOf(source, group,
                 {Writes("a"),
                  [](FakeConnection& c) {
                    c.Write("b-half").IgnoreError();
                    return absl::NotFoundError("conversation b not found");
                  },
                  Writes("c")});
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(absl::IsNotFound(results[1])) << results[1];
  EXPECT_TRUE(results[2].ok());
  EXPECT_THAT(source.connection.committed, ElementsAre("a", "c"));
}

TEST(GroupCommitTest, ATransactionLostMidGroupSendsTheOthersToRunAgain) {
  FakeSource source;
  GroupCommit group;
  const std::vector<absl::Status> results = RunGroupOf(
      source, group,
      {Writes("a"),
       [](FakeConnection& c) {
         c.Rollback().IgnoreError();  // as SQLite does after SQLITE_FULL
         return absl::ResourceExhaustedError("database or disk is full");
       },
       Writes("c")});
  EXPECT_TRUE(IsRetryable(results[0])) << results[0];
  EXPECT_THAT(results[0].message(), HasSubstr("nothing of this write"));
  EXPECT_TRUE(absl::IsResourceExhausted(results[1])) << results[1];
  EXPECT_FALSE(IsRetryable(results[1]));
  EXPECT_TRUE(IsRetryable(results[2])) << results[2];
  EXPECT_TRUE(source.connection.committed.empty());
}

TEST(GroupCommitTest, AFailedCommitFailsEveryWriteOfTheGroup) {
  FakeSource source;
  source.connection.commit_error = absl::DataLossError("disk I/O error");
  GroupCommit group;
  const std::vector<absl::Status> results = RunGroupOf(
      source, group,
      {Writes("a"),
       [](FakeConnection&) { return absl::NotFoundError("b not found"); },
       Writes("c")});
  EXPECT_TRUE(absl::IsDataLoss(results[0])) << results[0];
  EXPECT_TRUE(absl::IsNotFound(results[1])) << results[1];
  EXPECT_TRUE(absl::IsDataLoss(results[2])) << results[2];
  EXPECT_TRUE(source.connection.committed.empty());
}

TEST(GroupCommitTest, ManyThreadsEachWriteOnce) {
  FakeSource source;
  GroupCommit group(/*max_group=*/8);
  constexpr int kThreads = 32;
  constexpr int kWrites = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const std::string name = absl::StrCat(t, ".", i);
        ASSERT_TRUE(group
                        .Run(source,
                             [&](SqlConnection& c) {
                               return static_cast<FakeConnection&>(c).Write(
                                   name);
                             })
                        .ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(source.connection.committed.size(), size_t{kThreads * kWrites});
  // Each thread's writes in its order.
  std::vector<int> next(kThreads, 0);
  for (const std::string& name : source.connection.committed) {
    const int t = std::stoi(name.substr(0, name.find('.')));
    const int i = std::stoi(name.substr(name.find('.') + 1));
    EXPECT_EQ(i, next[t]++) << name;
  }
  EXPECT_LE(source.acquired, kThreads * kWrites);
  EXPECT_EQ(group.waiting(), 0u);
}

}  // namespace
}  // namespace sql
}  // namespace parley
