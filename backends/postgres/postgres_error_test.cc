// PostgresStatus against a real server: each SQLSTATE class the backend
// meets, produced the way it happens in production.
#include "backends/postgres/postgres_error.h"

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/postgres/postgres_connection.h"
#include "backends/postgres/postgres_test_connection.h"
#include "backends/postgres/postgres_test_store.h"
#include "backends/sql/sql_connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/status_util.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

using ::parley::IsCommitOutcomeUnknown;
using ::parley::postgres::PostgresConnection;
using ::parley::sql::SqlValue;
using ::testing::HasSubstr;
using ::testing::Not;

class PostgresErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(url_, NewPostgresTestStore());
    ASSERT_OK_AND_ASSIGN(conn_, ConnectForTest(url_));
    ASSERT_OK_AND_ASSIGN(admin_, ConnectForTest(url_));
    ASSERT_THAT(
        conn_->ExecuteScript("CREATE TABLE t (id text PRIMARY KEY, n integer);"
                             "INSERT INTO t VALUES ('a', 1), ('b', 2)"),
        IsOk());
  }

  std::string url_;
  std::unique_ptr<PostgresConnection> conn_;
  std::unique_ptr<PostgresConnection> admin_;
};

TEST_F(PostgresErrorTest, DuplicateKeyIsAlreadyExistsWithoutTheValue) {
  absl::StatusOr<int64_t> inserted =
      conn_->Execute("INSERT INTO t (id, n) VALUES ($1, $2)",
                     {SqlValue::Text("a"), SqlValue::Int64(3)});
  EXPECT_THAT(inserted, StatusIs(absl::StatusCode::kAlreadyExists,
                                 "execute statement: postgresql: duplicate "
                                 "key value violates unique constraint"));
  EXPECT_THAT(inserted.status().message(), HasSubstr("(SQLSTATE 23505)"));
  // The server's DETAIL ("Key (id)=(a) already exists.") is left out.
  EXPECT_THAT(inserted.status().message(), Not(HasSubstr("(id)=")));
  EXPECT_FALSE(sql::IsRetryable(inserted.status()));
}

TEST_F(PostgresErrorTest, SyntaxErrorIsInternal) {
  EXPECT_THAT(conn_->Execute("SELEC 1", {}),
              StatusIs(absl::StatusCode::kInternal, "(SQLSTATE 42601)"));
  EXPECT_THAT(conn_->ExecuteScript("SELECT * FROM no_such_table"),
              StatusIs(absl::StatusCode::kInternal, "(SQLSTATE 42P01)"));
  EXPECT_FALSE(conn_->IsBroken());
}

TEST_F(PostgresErrorTest, DataExceptionIsInvalidArgumentWithoutTheValue) {
  absl::StatusOr<std::string> cast = QueryText(
      *conn_, "SELECT $1::integer", {SqlValue::Text("secret-value-42")});
  EXPECT_THAT(cast, StatusIs(absl::StatusCode::kInvalidArgument,
                             "invalid input syntax for type integer"));
  EXPECT_THAT(cast.status().message(), Not(HasSubstr("secret-value-42")));
  EXPECT_THAT(QueryText(*conn_, "SELECT 1 / 0"),
              StatusIs(absl::StatusCode::kInvalidArgument, "(SQLSTATE 22012)"));
}

TEST_F(PostgresErrorTest, TerminatedBackendIsUnavailableAndBroken) {
  ASSERT_THAT(TerminateBackend(*admin_, conn_->BackendPid()), IsOk());
  absl::StatusOr<std::string> after = QueryText(*conn_, "SELECT 1");
  EXPECT_THAT(after, StatusIs(absl::StatusCode::kUnavailable, "postgresql: "));
  EXPECT_TRUE(sql::IsRetryable(after.status()));
  EXPECT_TRUE(conn_->IsBroken());
  EXPECT_THAT(conn_->Ping(), StatusIs(absl::StatusCode::kUnavailable, ""));
}

TEST_F(PostgresErrorTest, DeadlockIsAbortedAndRetryable) {
  ASSERT_THAT(conn_->Begin(sql::TransactionMode::kWrite), IsOk());
  ASSERT_THAT(admin_->Begin(sql::TransactionMode::kWrite), IsOk());
  ASSERT_THAT(conn_->Execute("UPDATE t SET n = n + 1 WHERE id = 'a'", {}),
              IsOk());
  ASSERT_THAT(admin_->Execute("UPDATE t SET n = n + 1 WHERE id = 'b'", {}),
              IsOk());
  absl::StatusOr<int64_t> first;
  std::thread waiter([&] {
    first = conn_->Execute("UPDATE t SET n = n + 1 WHERE id = 'b'", {});
    // The loser must end its transaction before the winner can go on.
    if (!first.ok()) {
      EXPECT_THAT(conn_->Rollback(), IsOk());
    }
  });
  absl::StatusOr<int64_t> second =
      admin_->Execute("UPDATE t SET n = n + 1 WHERE id = 'a'", {});
  if (!second.ok()) {
    EXPECT_THAT(admin_->Rollback(), IsOk());
  }
  waiter.join();
  const absl::Status& lost = first.ok() ? second.status() : first.status();
  EXPECT_NE(first.ok(), second.ok());
  EXPECT_THAT(lost, StatusIs(absl::StatusCode::kAborted, "(SQLSTATE 40P01)"));
  EXPECT_TRUE(sql::IsRetryable(lost));
  EXPECT_THAT(conn_->Rollback(), IsOk());
  EXPECT_THAT(admin_->Rollback(), IsOk());
}

TEST_F(PostgresErrorTest, ConnectionLostDuringCommitIsCommitOutcomeUnknown) {
  ASSERT_THAT(conn_->Begin(sql::TransactionMode::kWrite), IsOk());
  ASSERT_THAT(conn_->Execute("INSERT INTO t (id, n) VALUES ('c', 3)", {}),
              IsOk());
  // The last statement ran; the session dies before COMMIT reaches it.
  ASSERT_THAT(TerminateBackend(*admin_, conn_->BackendPid()), IsOk());
  absl::Status commit = conn_->Commit();
  EXPECT_THAT(commit,
              StatusIs(absl::StatusCode::kUnknown,
                       "commit transaction: commit outcome unknown: the "
                       "connection was lost during COMMIT; the transaction "
                       "may or may not have been applied"));
  EXPECT_TRUE(IsCommitOutcomeUnknown(commit));
  // Running it again could apply it twice: never marked retryable.
  EXPECT_FALSE(sql::IsRetryable(commit));
  EXPECT_TRUE(IsCommitOutcomeUnknown(Annotate(commit, "save conversation x")));
  EXPECT_TRUE(conn_->IsBroken());
  EXPECT_FALSE(conn_->InTransaction());
  // Here the server never saw COMMIT, so the row is absent.
  EXPECT_THAT(QueryText(*admin_, "SELECT count(*) FROM t WHERE id = 'c'"),
              IsOkAndHolds("0"));
}

TEST_F(PostgresErrorTest, OtherErrorsAreNotCommitOutcomeUnknown) {
  EXPECT_FALSE(IsCommitOutcomeUnknown(absl::UnknownError("x")));
  EXPECT_FALSE(IsCommitOutcomeUnknown(conn_->Execute("SELEC 1", {}).status()));
  EXPECT_FALSE(IsCommitOutcomeUnknown(absl::OkStatus()));
}

TEST_F(PostgresErrorTest, FailedTransactionCommitIsAbortedAndRolledBack) {
  ASSERT_THAT(conn_->Begin(sql::TransactionMode::kWrite), IsOk());
  ASSERT_THAT(conn_->Execute("INSERT INTO t (id, n) VALUES ('d', 4)", {}),
              IsOk());
  EXPECT_THAT(conn_->Execute("SELEC 1", {}),
              StatusIs(absl::StatusCode::kInternal, ""));
  EXPECT_THAT(conn_->Execute("SELECT 1", {}),
              StatusIs(absl::StatusCode::kUnknown, "(SQLSTATE 25P02)"));
  EXPECT_THAT(conn_->Commit(),
              StatusIs(absl::StatusCode::kAborted, "rolled back"));
  EXPECT_FALSE(conn_->InTransaction());
  EXPECT_THAT(QueryText(*conn_, "SELECT count(*) FROM t WHERE id = 'd'"),
              IsOkAndHolds("0"));
}

}  // namespace
}  // namespace testing
}  // namespace parley
