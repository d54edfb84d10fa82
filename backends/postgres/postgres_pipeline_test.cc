#include "backends/postgres/postgres_pipeline.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/postgres/postgres_backend.h"
#include "backends/postgres/postgres_connection.h"
#include "backends/postgres/postgres_error.h"
#include "backends/postgres/postgres_test_connection.h"
#include "backends/postgres/postgres_test_store.h"
#include "backends/sql/sql_params.h"
#include "backends/sql/sql_plan.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/status_util.h"
#include "storage/url.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

using ::parley::postgres::PostgresConnection;
using ::parley::postgres::PostgresConnectParams;
using ::parley::postgres::PostgresPipeline;
using ::parley::sql::Plan;
using ::parley::sql::PlanChanges;
using ::parley::sql::PlanReader;
using ::parley::sql::SqlParams;
using ::parley::sql::SqlRow;
using ::parley::sql::SqlValue;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kCreate =
    "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL, n BIGINT)";
const std::string kInsert = "INSERT INTO kv (k, v, n) VALUES ($1, $2, $3)";
const std::string kSelect = "SELECT v, n FROM kv WHERE k = $1";
const std::string kCount = "SELECT COUNT(*) FROM kv";
const std::string kDivide = "SELECT 1 / $1::int";

PostgresConnectParams ParamsFor(const std::string& url_text) {
  absl::StatusOr<StorageUrl> url = PostgresBackendType().ParseUrl(url_text);
  EXPECT_THAT(url.status(), IsOk());
  absl::StatusOr<PostgresConnectParams> params =
      PostgresConnectParams::FromUrl(*url);
  EXPECT_THAT(params.status(), IsOk());
  return *params;
}

SqlParams Params(std::initializer_list<SqlValue> values) {
  SqlParams p;
  for (const SqlValue& v : values) p.Add(v);
  return p;
}

// Every row's columns as text, "statement:col1|col2".
class Rows : public PlanReader {
 public:
  void Restart() override { rows.clear(); }
  absl::Status OnRow(int statement, const SqlRow& row) override {
    rows.push_back(
        absl::StrCat(statement, ":", row.Text(0),
                     row.IsNull(1) ? "" : absl::StrCat("|", row.Text(1))));
    return absl::OkStatus();
  }
  std::vector<std::string> rows;
};

class PostgresPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(""); }

  void Open(absl::string_view options) {
    ASSERT_OK_AND_ASSIGN(url_, NewPostgresTestStore(options));
    ASSERT_OK_AND_ASSIGN(admin_, ConnectForTest(url_));
    ASSERT_THAT(admin_->ExecuteScript(kCreate), IsOk());
    pipeline_.reset();
    ASSERT_OK_AND_ASSIGN(pipeline_, PostgresPipeline::Open(ParamsFor(url_), 2));
  }

  absl::StatusOr<PlanChanges> Insert(const std::string& k,
                                     const std::string& v) {
    Plan plan(Plan::Kind::kWrite);
    plan.Add(kInsert,
             Params({SqlValue::Text(k), SqlValue::Text(v),
                     SqlValue::Int64(static_cast<int64_t>(v.size()))}));
    Rows rows;
    return pipeline_->Run(plan, rows);
  }

  std::string Count() {
    Plan plan(Plan::Kind::kAutocommit);
    plan.Add(kCount, SqlParams());
    Rows rows;
    EXPECT_THAT(pipeline_->Run(plan, rows).status(), IsOk());
    return rows.rows.empty() ? "none" : rows.rows.front();
  }

  std::string url_;
  std::unique_ptr<PostgresConnection> admin_;
  std::unique_ptr<PostgresPipeline> pipeline_;
};

TEST_F(PostgresPipelineTest, WritesCommitAndReadsSeeThem) {
  EXPECT_THAT(Insert("a", "héllo 日本"), IsOkAndHolds(ElementsAre(1)));
  Plan read(Plan::Kind::kRead);
  read.Add(kSelect, Params({SqlValue::Text("a")}));
  read.Add(kCount, SqlParams());
  Rows rows;
  ASSERT_OK_AND_ASSIGN(PlanChanges changed, pipeline_->Run(read, rows));
  EXPECT_THAT(rows.rows, ElementsAre("0:héllo 日本|13", "1:1"));
  EXPECT_EQ(changed.size(), 2u);
  // Another session sees the write: it was committed at the Sync.
  EXPECT_THAT(QueryText(*admin_, "SELECT v FROM kv WHERE k = 'a'"),
              IsOkAndHolds("héllo 日本"));
}

TEST_F(PostgresPipelineTest, AFailedStatementUndoesItsPlanOnly) {
  ASSERT_THAT(Insert("a", "1").status(), IsOk());
  Plan plan(Plan::Kind::kWrite);
  plan.Add(kInsert, Params({SqlValue::Text("b"), SqlValue::Text("2"),
                            SqlValue::Int64(1)}));
  plan.Add(kInsert, Params({SqlValue::Text("a"), SqlValue::Text("dup"),
                            SqlValue::Int64(1)}));
  Rows rows;
  absl::StatusOr<PlanChanges> failed = pipeline_->Run(plan, rows);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kAlreadyExists)
      << failed.status();
  // "b" went with its plan; the connection goes on serving.
  EXPECT_EQ(Count(), "0:1");
  EXPECT_THAT(Insert("c", "3"), IsOkAndHolds(ElementsAre(1)));
  EXPECT_EQ(Count(), "0:2");
}

TEST_F(PostgresPipelineTest, AFailedSnapshotReadLeavesTheSessionUsable) {
  // Inside BEGIN ... COMMIT, a failure leaves an aborted transaction block
  // that the Sync does not end; the pipeline must roll it back.
  for (int i = 0; i < 3; ++i) {
    Plan plan(Plan::Kind::kRead);
    plan.Add(kCount, SqlParams());
    plan.Add(kDivide, Params({SqlValue::Int64(0)}));
    Rows rows;
    absl::StatusOr<PlanChanges> failed = pipeline_->Run(plan, rows);
    EXPECT_EQ(failed.status().code(), absl::StatusCode::kInvalidArgument)
        << failed.status();
    EXPECT_THAT(failed.status().message(), HasSubstr("22012"));
    // The rows before the failing statement still reach the reader.
    EXPECT_THAT(rows.rows, ElementsAre(absl::StrCat("0:", i)));
    EXPECT_THAT(Insert(absl::StrCat("k", i), "v"),
                IsOkAndHolds(ElementsAre(1)));
  }
  EXPECT_EQ(Count(), "0:3");
}

TEST_F(PostgresPipelineTest, ManyCallersShareTwoConnections) {
  constexpr int kThreads = 16;
  constexpr int kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string k = absl::StrCat("t", t, "_", i);
        if (!Insert(k, k).ok()) ++failures;
        Plan read(Plan::Kind::kAutocommit);
        read.Add(kSelect, Params({SqlValue::Text(k)}));
        Rows rows;
        absl::StatusOr<PlanChanges> got = pipeline_->Run(read, rows);
        if (!got.ok() || rows.rows.size() != 1 ||
            rows.rows[0] != absl::StrCat("0:", k, "|", k.size())) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count(), absl::StrCat("0:", kThreads * kEach));
  const postgres::PipelineCounters counters = pipeline_->counters();
  EXPECT_EQ(counters.opened, 2);
  EXPECT_EQ(counters.plans, 2 * kThreads * kEach + 1);
  // Plans really overlapped on a connection, rather than taking turns.
  EXPECT_GT(counters.max_in_flight, 1);
  EXPECT_EQ(pipeline_->BackendPids().size(), 2u);
}

TEST_F(PostgresPipelineTest, BadParameterFailsBeforeAnythingIsSent) {
  Plan plan(Plan::Kind::kWrite);
  plan.Add(kInsert, Params({SqlValue::Text("ok"), SqlValue::Text("v"),
                            SqlValue::Int64(1)}));
  plan.Add(kInsert, Params({SqlValue::Text("nul"),
                            SqlValue::Text(absl::string_view("a\0b", 3)),
                            SqlValue::Int64(1)}));
  Rows rows;
  EXPECT_EQ(pipeline_->Run(plan, rows).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Count(), "0:0");
}

TEST_F(PostgresPipelineTest, ALostConnectionFailsItsPlansAndIsReplaced) {
  ASSERT_THAT(Insert("a", "1").status(), IsOk());
  const std::vector<int> pids = pipeline_->BackendPids();
  ASSERT_EQ(pids.size(), 2u);
  for (int pid : pids) ASSERT_THAT(TerminateBackend(*admin_, pid), IsOk());
  // The first calls find their connections gone: a read may be retried; a
  // write's outcome is unknown, never reported as a plain failure.
  int ok = 0;
  for (int i = 0; i < 6; ++i) {
    absl::StatusOr<PlanChanges> done = Insert(absl::StrCat("b", i), "v");
    if (done.ok()) {
      ++ok;
    } else {
      EXPECT_TRUE(IsCommitOutcomeUnknown(done.status()) ||
                  sql::IsRetryable(done.status()))
          << done.status();
    }
  }
  EXPECT_GE(ok, 4);
  const postgres::PipelineCounters counters = pipeline_->counters();
  EXPECT_EQ(counters.broken, 2);
  EXPECT_EQ(counters.opened, 4);
  EXPECT_THAT(pipeline_->BackendPids(), Not(::testing::Contains(pids[0])));
}

TEST_F(PostgresPipelineTest, WithoutPreparedStatementsToo) {
  Open("prepared_statements=false");
  EXPECT_THAT(Insert("a", "1"), IsOkAndHolds(ElementsAre(1)));
  EXPECT_THAT(Insert("b", "2"), IsOkAndHolds(ElementsAre(1)));
  EXPECT_EQ(Count(), "0:2");
  EXPECT_THAT(QueryText(*admin_, "SELECT COUNT(*) FROM pg_prepared_statements"),
              IsOkAndHolds("0"));
}

TEST_F(PostgresPipelineTest, NoServerIsAnImmediateErrorWithoutThePassword) {
  absl::StatusOr<StorageUrl> url = PostgresBackendType().ParseUrl(url_);
  ASSERT_THAT(url.status(), IsOk());
  const std::string bad =
      absl::StrCat("postgresql://", url->user(), ":Canary-Pw-51@127.0.0.1:1/",
                   url->path(), "?connect_timeout=2");
  absl::StatusOr<std::unique_ptr<PostgresPipeline>> pipeline =
      PostgresPipeline::Open(ParamsFor(bad), 2);
  EXPECT_EQ(pipeline.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(pipeline.status().message(), Not(HasSubstr("Canary-Pw-51")));
  EXPECT_FALSE(sql::IsRetryable(pipeline.status()));
}

}  // namespace
}  // namespace testing
}  // namespace parley
