// PostgresStatus against a real server: each SQLSTATE class the backend
// meets, produced the way it happens in production; and the SQLSTATE
// decisions beyond the code, on results the server really sends.
#include "backends/postgres/postgres_error.h"

#include <postgresql/libpq-fe.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/postgres/postgres_backend.h"
#include "backends/postgres/postgres_connection.h"
#include "backends/postgres/postgres_test_connection.h"
#include "backends/postgres/postgres_test_store.h"
#include "backends/postgres/postgres_wire.h"
#include "backends/sql/sql_connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/status_util.h"
#include "storage/url.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

using ::parley::IsCommitOutcomeUnknown;
using ::parley::postgres::IsConnectionLoss;
using ::parley::postgres::IsStalePreparedStatement;
using ::parley::postgres::PipelinedStatementStatus;
using ::parley::postgres::PostgresConnection;
using ::parley::postgres::PostgresConnectParams;
using ::parley::postgres::PostgresStatus;
using ::parley::postgres::PrepareStatus;
using ::parley::postgres::ResultPtr;
using ::parley::postgres::SqlState;
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

// The decisions are taken on a bare libpq connection's results, as the
// connection and the pipeline take them.
class SqlStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(std::string url_text, NewPostgresTestStore());
    ASSERT_OK_AND_ASSIGN(StorageUrl url,
                         PostgresBackendType().ParseUrl(url_text));
    ASSERT_OK_AND_ASSIGN(PostgresConnectParams params,
                         PostgresConnectParams::FromUrl(url));
    ASSERT_OK_AND_ASSIGN(conn_, PostgresConnection::OpenNative(params));
    ASSERT_OK_AND_ASSIGN(admin_, ConnectForTest(url_text));
  }

  ResultPtr Exec(absl::string_view sql) {
    return ResultPtr(PQexec(conn_.get(), std::string(sql).c_str()));
  }
  // A failure with SQLSTATE `state`, raised by PL/pgSQL on a session that
  // stays up.
  ResultPtr Raise(absl::string_view state) {
    return Exec(
        absl::StrCat("DO $$ BEGIN RAISE EXCEPTION 'raised' USING "
                     "ERRCODE = '",
                     state, "'; END $$"));
  }
  ResultPtr ExecPrepared(const char* name) {
    return ResultPtr(
        PQexecPrepared(conn_.get(), name, 0, nullptr, nullptr, nullptr, 0));
  }

  postgres::ConnPtr conn_;
  std::unique_ptr<PostgresConnection> admin_;
};

TEST_F(SqlStateTest, SqlStateIsTheResultsOrEmpty) {
  EXPECT_EQ(SqlState(nullptr), "");
  EXPECT_EQ(SqlState(Exec("SELECT 1").get()), "");
  EXPECT_EQ(SqlState(Exec("SELEC 1").get()), "42601");
  EXPECT_EQ(SqlState(Raise("40001").get()), "40001");
}

TEST_F(SqlStateTest, ConnectionLossIsClass08Or57P0xOrABrokenSocket) {
  for (absl::string_view state :
       {"08006", "08000", "57P01", "57P02", "57P03"}) {
    EXPECT_TRUE(IsConnectionLoss(Raise(state).get(), conn_.get())) << state;
  }
  for (absl::string_view state : {"57014", "40001", "53300", "26000"}) {
    EXPECT_FALSE(IsConnectionLoss(Raise(state).get(), conn_.get())) << state;
  }
  EXPECT_FALSE(IsConnectionLoss(Exec("SELEC 1").get(), conn_.get()));
  EXPECT_FALSE(IsConnectionLoss(nullptr, conn_.get()));

  ASSERT_THAT(TerminateBackend(*admin_, PQbackendPID(conn_.get())), IsOk());
  ResultPtr after = Exec("SELECT 1");
  EXPECT_TRUE(IsConnectionLoss(after.get(), conn_.get()));
  EXPECT_TRUE(IsConnectionLoss(nullptr, conn_.get()));
}

TEST_F(SqlStateTest, StalePreparedStatementIsLostOrReplanned) {
  // 26000: the session does not have it (as after a pooler's switch).
  EXPECT_TRUE(IsStalePreparedStatement(ExecPrepared("parley_none").get()));
  // 0A000: the table changed under the statement's plan.
  ASSERT_TRUE(postgres::IsOkResult(Exec("CREATE TABLE s (a integer)").get()));
  ASSERT_TRUE(
      postgres::IsOkResult(ResultPtr(PQprepare(conn_.get(), "parley_s",
                                               "SELECT * FROM s", 0, nullptr))
                               .get()));
  ASSERT_TRUE(postgres::IsOkResult(ExecPrepared("parley_s").get()));
  ASSERT_TRUE(
      postgres::IsOkResult(Exec("ALTER TABLE s ADD COLUMN b text").get()));
  ResultPtr replanned = ExecPrepared("parley_s");
  EXPECT_EQ(SqlState(replanned.get()), "0A000");
  EXPECT_TRUE(IsStalePreparedStatement(replanned.get()));

  EXPECT_FALSE(IsStalePreparedStatement(Exec("SELEC 1").get()));
  EXPECT_FALSE(IsStalePreparedStatement(Raise("42P05").get()));
  EXPECT_FALSE(IsStalePreparedStatement(nullptr));
}

TEST_F(SqlStateTest, PreparingATakenNameSaysToTurnPreparedStatementsOff) {
  ResultPtr first(PQprepare(conn_.get(), "parley_0", "SELECT 1", 0, nullptr));
  ASSERT_TRUE(postgres::IsOkResult(first.get()));
  ResultPtr again(PQprepare(conn_.get(), "parley_0", "SELECT 2", 0, nullptr));
  absl::Status taken = PrepareStatus(again.get(), conn_.get(), "prepare");
  EXPECT_THAT(taken, StatusIs(absl::StatusCode::kFailedPrecondition,
                              "prepare: postgresql: prepared statement "
                              "\"parley_0\" already exists (SQLSTATE 42P05); "
                              "a pooler in transaction mode (PgBouncer) shares "
                              "server sessions between clients: remove "
                              "prepared_statements=true from the URL"));
  EXPECT_FALSE(sql::IsRetryable(taken));

  // Any other failure is PostgresStatus's.
  ResultPtr bad(PQprepare(conn_.get(), "parley_1", "SELEC 1", 0, nullptr));
  EXPECT_EQ(PrepareStatus(bad.get(), conn_.get(), "prepare"),
            PostgresStatus(bad.get(), conn_.get(), "prepare"));
  EXPECT_THAT(PrepareStatus(bad.get(), conn_.get(), "prepare"),
              StatusIs(absl::StatusCode::kInternal, "(SQLSTATE 42601)"));
}

TEST_F(SqlStateTest, PipelinedStaleOrSkippedStatementIsRetryableAborted) {
  absl::Status lost = PipelinedStatementStatus(
      ExecPrepared("parley_none").get(), conn_.get(), "run");
  EXPECT_THAT(lost, StatusIs(absl::StatusCode::kAborted,
                             "run: postgresql: prepared statement "
                             "\"parley_none\" does not exist (SQLSTATE "
                             "26000)"));
  EXPECT_TRUE(sql::IsRetryable(lost));

  // 25P02: behind a statement that failed inside BEGIN.
  ASSERT_TRUE(postgres::IsOkResult(
      Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").get()));
  ResultPtr failed = Exec("SELEC 1");
  EXPECT_THAT(PipelinedStatementStatus(failed.get(), conn_.get(), "run"),
              StatusIs(absl::StatusCode::kInternal, "(SQLSTATE 42601)"));
  EXPECT_FALSE(sql::IsRetryable(
      PipelinedStatementStatus(failed.get(), conn_.get(), "run")));
  ResultPtr skipped = Exec("SELECT 1");
  absl::Status behind =
      PipelinedStatementStatus(skipped.get(), conn_.get(), "run");
  EXPECT_THAT(behind, StatusIs(absl::StatusCode::kAborted, "(SQLSTATE 25P02)"));
  EXPECT_TRUE(sql::IsRetryable(behind));
  // Outside the pipeline the same failure stays Unknown.
  EXPECT_THAT(PostgresStatus(skipped.get(), conn_.get(), "run"),
              StatusIs(absl::StatusCode::kUnknown, "(SQLSTATE 25P02)"));
  ASSERT_TRUE(postgres::IsOkResult(Exec("ROLLBACK").get()));

  // Everything else keeps PostgresStatus's code.
  ResultPtr unique = Raise("23505");
  EXPECT_EQ(PipelinedStatementStatus(unique.get(), conn_.get(), "run"),
            PostgresStatus(unique.get(), conn_.get(), "run"));
  EXPECT_THAT(PipelinedStatementStatus(unique.get(), conn_.get(), "run"),
              StatusIs(absl::StatusCode::kAlreadyExists, "(SQLSTATE 23505)"));
}

}  // namespace
}  // namespace testing
}  // namespace parley
