#include "backends/postgres/postgres_connection.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "backends/postgres/postgres_backend.h"
#include "backends/postgres/postgres_error.h"
#include "backends/postgres/postgres_test_connection.h"
#include "backends/postgres/postgres_test_store.h"
#include "backends/sql/sql_connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/url.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

using ::parley::postgres::PostgresConnection;
using ::parley::sql::SqlRow;
using ::parley::sql::SqlValue;
using ::parley::sql::TransactionMode;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCanary[] = "Canary-Pw-7f3a9c";

// The TEST_POSTGRES_URL server with `password` and `port` swapped in.
std::string UrlWith(const std::string& base, absl::string_view password,
                    absl::string_view port = "") {
  absl::StatusOr<StorageUrl> url = PostgresBackendType().ParseUrl(base);
  if (!url.ok()) return base;
  const StorageUrl::Host& host = url->hosts().front();
  return absl::StrCat("postgresql://", url->user(), ":", password, "@",
                      host.host, ":", port.empty() ? host.port : port, "/",
                      url->path());
}

class PostgresConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(url_, NewPostgresTestStore());
    ASSERT_OK_AND_ASSIGN(conn_, ConnectForTest(url_));
  }

  std::string url_;
  std::unique_ptr<PostgresConnection> conn_;
};

TEST_F(PostgresConnectionTest, SessionIsUtf8InUtc) {
  EXPECT_THAT(QueryText(*conn_, "SHOW client_encoding"), IsOkAndHolds("UTF8"));
  EXPECT_THAT(QueryText(*conn_, "SHOW TimeZone"), IsOkAndHolds("UTC"));
  EXPECT_THAT(QueryText(*conn_, "SELECT TIMESTAMP '2025-12-04 10:11:12.5'"),
              IsOkAndHolds("2025-12-04 10:11:12.5"));
}

TEST_F(PostgresConnectionTest, ParametersAndRowsRoundTripExactly) {
  ASSERT_THAT(conn_->ExecuteScript(
                  "CREATE TABLE r (t text, j json, b boolean, i bigint)"),
              IsOk());
  // Key order, spacing, a number beyond 2^53 and a float's text must all
  // survive: `json` keeps the bytes it is given.
  const std::string json =
      "{\"z\": 9007199254740993, \"a\": [1.75, 1e-07, 1e+16], "
      "\"s\": \"\\u00e9\\ud83d\\ude00\"}";
  const std::string text = "h\xC3\xA9llo \xF0\x9F\x98\x80 '\"$1 ?1";
  ASSERT_THAT(conn_->Execute(
                  "INSERT INTO r VALUES ($1, $2, $3, $4)",
                  {SqlValue::Text(text), SqlValue::Json(json),
                   SqlValue::Bool(true), SqlValue::Int64(-9007199254740993)}),
              IsOkAndHolds(1));
  ASSERT_THAT(conn_->Execute("INSERT INTO r VALUES ($1, $2, $3, $4)",
                             {SqlValue::Null(), SqlValue::Null(),
                              SqlValue::Bool(false), SqlValue::Null()}),
              IsOkAndHolds(1));
  std::vector<std::string> seen;
  ASSERT_THAT(conn_->Execute("SELECT t, j, b, i FROM r ORDER BY b DESC", {},
                             [&](const SqlRow& row) {
                               if (row.Bool(2)) {
                                 EXPECT_EQ(row.Text(0), text);
                                 EXPECT_EQ(row.Text(1), json);
                                 EXPECT_EQ(row.Int64(3), -9007199254740993);
                               } else {
                                 EXPECT_TRUE(row.IsNull(0));
                                 EXPECT_TRUE(row.IsNull(1));
                                 EXPECT_TRUE(row.IsNull(3));
                                 EXPECT_EQ(row.Text(0), "");
                               }
                               seen.push_back(row.Text(2));
                               return absl::OkStatus();
                             }),
              IsOkAndHolds(2));
  EXPECT_THAT(seen, ::testing::ElementsAre("t", "f"));
}

TEST_F(PostgresConnectionTest, CopyRowsStoresEveryValueAsAnInsertWould) {
  ASSERT_THAT(conn_->ExecuteScript("CREATE TABLE c (t text, j json, "
                                   "b boolean, i bigint, id int UNIQUE)"),
              IsOk());
  // Every ASCII byte but NUL, the escapes COPY's text format has (\N as
  // text is not NULL), non-ASCII, and a text past the copy's chunk size.
  std::string ascii;
  for (int b = 1; b < 128; ++b) ascii.push_back(static_cast<char>(b));
  // Bytes 128-255 exist in a UTF-8 database only inside characters: every
  // one of them as a lead or continuation byte (U+0080-U+07FF covers
  // 0xC2-0xDF and 0x80-0xBF; U+0800 and up the rest of the lead bytes).
  std::string high;
  for (int cp = 0x80; cp < 0x800; ++cp) {
    high.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    high.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  high += "\xE0\xA0\x80\xED\x9F\xBF\xEF\xBF\xBD";
  high += "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";
  const std::vector<std::string> texts = {
      ascii,
      high,
      "\\N",
      "a\tb\nc\rd\\e\\\\",
      "h\xC3\xA9llo \xF0\x9F\x98\x80",
      std::string(600 << 10, 'x') + "\\n",
      "",
  };
  const std::string json = "{\"z\": 9007199254740993, \"s\": \"a\\\\b\\n\"}";
  std::vector<SqlValue> values;
  for (size_t k = 0; k < texts.size(); ++k) {
    values.insert(values.end(),
                  {SqlValue::Text(texts[k]), SqlValue::Json(json),
                   SqlValue::Bool(k % 2 == 0),
                   SqlValue::Int64(-9007199254740993 + static_cast<int64_t>(k)),
                   SqlValue::Int64(static_cast<int64_t>(k))});
  }
  values.insert(values.end(),
                {SqlValue::Null(), SqlValue::Null(), SqlValue::Null(),
                 SqlValue::Null(), SqlValue::Int64(99)});
  ASSERT_THAT(conn_->Begin(TransactionMode::kWrite), IsOk());
  ASSERT_THAT(conn_->CopyRows("c", "t, j, b, i, id", 5, values), IsOk());
  ASSERT_THAT(conn_->Commit(), IsOk());
  int rows = 0;
  ASSERT_THAT(conn_->Execute("SELECT t, j, b, i, id FROM c ORDER BY id", {},
                             [&](const SqlRow& row) {
                               const int64_t k = row.Int64(4);
                               ++rows;
                               if (k == 99) {
                                 for (int col = 0; col < 4; ++col) {
                                   EXPECT_TRUE(row.IsNull(col)) << col;
                                 }
                                 return absl::OkStatus();
                               }
                               EXPECT_EQ(row.Text(0), texts[k]) << k;
                               EXPECT_EQ(row.Text(1), json);
                               EXPECT_EQ(row.Bool(2), k % 2 == 0);
                               EXPECT_EQ(row.Int64(3), -9007199254740993 + k);
                               return absl::OkStatus();
                             }),
              IsOkAndHolds(static_cast<int64_t>(texts.size() + 1)));
  EXPECT_EQ(rows, static_cast<int>(texts.size() + 1));
}

TEST_F(PostgresConnectionTest, CopyRowsFailsWholeOnABadValueOrRow) {
  ASSERT_THAT(conn_->ExecuteScript("CREATE TABLE c (t text, id int UNIQUE)"),
              IsOk());
  const std::string with_nul("a\0b", 3);
  ASSERT_THAT(conn_->Begin(TransactionMode::kWrite), IsOk());
  EXPECT_THAT(conn_->CopyRows("c", "t, id", 2,
                              {SqlValue::Text("fine"), SqlValue::Int64(1),
                               SqlValue::Text(with_nul), SqlValue::Int64(2)}),
              StatusIs(absl::StatusCode::kInvalidArgument, "NUL"));
  ASSERT_THAT(conn_->Rollback(), IsOk());
  ASSERT_THAT(conn_->Begin(TransactionMode::kWrite), IsOk());
  EXPECT_THAT(conn_->CopyRows("c", "t, id", 2,
                              {SqlValue::Text("one"), SqlValue::Int64(1),
                               SqlValue::Text("two"), SqlValue::Int64(1)}),
              Not(IsOk()));
  ASSERT_THAT(conn_->Rollback(), IsOk());
  EXPECT_THAT(QueryText(*conn_, "SELECT count(*)::text FROM c"),
              IsOkAndHolds("0"));
  // The connection is usable afterwards.
  ASSERT_THAT(conn_->Begin(TransactionMode::kWrite), IsOk());
  EXPECT_THAT(conn_->CopyRows("c", "t, id", 2,
                              {SqlValue::Text("one"), SqlValue::Int64(1)}),
              IsOk());
  ASSERT_THAT(conn_->Commit(), IsOk());
  EXPECT_THAT(QueryText(*conn_, "SELECT t FROM c"), IsOkAndHolds("one"));
}

TEST_F(PostgresConnectionTest, RowCallbackErrorStopsAndIsReturned) {
  int rows = 0;
  EXPECT_THAT(conn_->Execute("SELECT generate_series(1, 10)", {},
                             [&](const SqlRow&) {
                               ++rows;
                               return absl::DataLossError("stop here");
                             }),
              StatusIs(absl::StatusCode::kDataLoss, "stop here"));
  EXPECT_EQ(rows, 1);
}

TEST_F(PostgresConnectionTest, NulInTextIsInvalidArgument) {
  const std::string with_nul("a\0b", 3);
  EXPECT_THAT(QueryText(*conn_, "SELECT $1::text", {SqlValue::Text(with_nul)}),
              StatusIs(absl::StatusCode::kInvalidArgument, "NUL"));
}

TEST_F(PostgresConnectionTest, StatementsArePreparedOncePerConnection) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(
        QueryText(*conn_, "SELECT $1::bigint + 1", {SqlValue::Int64(i)}),
        IsOkAndHolds(absl::StrCat(i + 1)));
  }
  EXPECT_EQ(conn_->prepared_count(), 1);
  EXPECT_THAT(QueryText(*conn_, "SELECT count(*) FROM pg_prepared_statements"),
              IsOkAndHolds("2"));  // and this one
}

TEST_F(PostgresConnectionTest, PreparedStatementsFalseKeepsNothingOnServer) {
  ASSERT_OK_AND_ASSIGN(auto unprepared,
                       ConnectForTest(url_ + "&prepared_statements=false"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(
        QueryText(*unprepared, "SELECT $1::bigint * 2", {SqlValue::Int64(i)}),
        IsOkAndHolds(absl::StrCat(i * 2)));
  }
  EXPECT_EQ(unprepared->prepared_count(), 0);
  EXPECT_THAT(
      QueryText(*unprepared, "SELECT count(*) FROM pg_prepared_statements"),
      IsOkAndHolds("0"));
  EXPECT_THAT(
      ConnectForTest(url_ + "&prepared_statements=maybe"),
      StatusIs(absl::StatusCode::kInvalidArgument, "prepared_statements"));
}

TEST_F(PostgresConnectionTest, StalePreparedStatementIsPreparedAgain) {
  ASSERT_THAT(conn_->ExecuteScript("CREATE TABLE s (a integer)"), IsOk());
  ASSERT_THAT(conn_->Execute("SELECT * FROM s", {}), IsOk());
  ASSERT_THAT(conn_->ExecuteScript("ALTER TABLE s ADD COLUMN b text"), IsOk());
  // "cached plan must not change result type", handled outside a
  // transaction by preparing the statement again.
  EXPECT_THAT(conn_->Execute("SELECT * FROM s", {}), IsOk());
  ASSERT_THAT(conn_->ExecuteScript("DEALLOCATE ALL"), IsOk());
  EXPECT_THAT(conn_->Execute("SELECT * FROM s", {}), IsOk());
}

TEST_F(PostgresConnectionTest, CommitAndRollback) {
  ASSERT_THAT(conn_->ExecuteScript("CREATE TABLE c (a integer)"), IsOk());
  EXPECT_FALSE(conn_->InTransaction());
  EXPECT_THAT(conn_->Rollback(), IsOk());  // none open: OK
  ASSERT_THAT(conn_->Begin(TransactionMode::kWrite), IsOk());
  EXPECT_TRUE(conn_->InTransaction());
  EXPECT_THAT(conn_->Begin(TransactionMode::kWrite),
              StatusIs(absl::StatusCode::kInternal, "already open"));
  ASSERT_THAT(conn_->Execute("INSERT INTO c VALUES (1)", {}), IsOk());
  ASSERT_THAT(conn_->Rollback(), IsOk());
  EXPECT_FALSE(conn_->InTransaction());
  ASSERT_THAT(conn_->Begin(TransactionMode::kWrite), IsOk());
  ASSERT_THAT(conn_->Execute("INSERT INTO c VALUES (2)", {}), IsOk());
  ASSERT_THAT(conn_->Commit(), IsOk());
  EXPECT_FALSE(conn_->InTransaction());
  EXPECT_THAT(QueryText(*conn_, "SELECT string_agg(a::text, ',') FROM c"),
              IsOkAndHolds("2"));
}

TEST_F(PostgresConnectionTest, ReadTransactionIsOneReadOnlySnapshot) {
  ASSERT_THAT(conn_->ExecuteScript("CREATE TABLE v (a integer)"), IsOk());
  ASSERT_OK_AND_ASSIGN(auto other, ConnectForTest(url_));
  ASSERT_THAT(conn_->Begin(TransactionMode::kRead), IsOk());
  EXPECT_THAT(QueryText(*conn_, "SELECT count(*) FROM v"), IsOkAndHolds("0"));
  ASSERT_THAT(other->Execute("INSERT INTO v VALUES (1)", {}), IsOk());
  EXPECT_THAT(QueryText(*conn_, "SELECT count(*) FROM v"), IsOkAndHolds("0"));
  EXPECT_THAT(conn_->Execute("INSERT INTO v VALUES (2)", {}),
              StatusIs(absl::StatusCode::kUnknown, "(SQLSTATE 25006)"));
  EXPECT_THAT(conn_->Rollback(), IsOk());
  EXPECT_THAT(QueryText(*conn_, "SELECT count(*) FROM v"), IsOkAndHolds("1"));
}

TEST_F(PostgresConnectionTest, LibpqKeywordsPassAndParleyOptionsDoNot) {
  ASSERT_OK_AND_ASSIGN(
      auto named,
      ConnectForTest(url_ +
                     "&application_name=parley-test&connect_timeout=5"
                     "&sslmode=disable&pool_size=3&max_overflow=1"
                     "&pool_timeout=2&pool_recycle=60&pool_pre_ping=true"));
  EXPECT_THAT(QueryText(*named, "SHOW application_name"),
              IsOkAndHolds("parley-test"));
  EXPECT_THAT(ConnectForTest(url_ + "&pool_sise=3"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "option \"pool_sise\" is neither a libpq connection "
                       "keyword nor a Parley option"));
}

TEST_F(PostgresConnectionTest, MultiHostUrlTriesEachHost) {
  ASSERT_OK_AND_ASSIGN(StorageUrl url, PostgresBackendType().ParseUrl(url_));
  const StorageUrl::Host& host = url.hosts().front();
  // Port 1 refuses at once; libpq then tries the next host.
  const std::string multi =
      absl::StrCat("postgresql://", url.user(), ":", url.password(), "@",
                   host.host, ":1,", host.host, ":", host.port, "/", url.path(),
                   "?target_session_attrs=read-write");
  ASSERT_OK_AND_ASSIGN(auto conn, ConnectForTest(multi));
  EXPECT_THAT(QueryText(*conn, "SELECT 1"), IsOkAndHolds("1"));
}

TEST_F(PostgresConnectionTest, PasswordNeverAppearsInErrors) {
  ASSERT_OK_AND_ASSIGN(std::string base, TestPostgresUrl());
  // Wrong password on the real server: the password path is exercised.
  absl::StatusOr<std::unique_ptr<PostgresConnection>> wrong =
      ConnectForTest(UrlWith(base, kCanary));
  EXPECT_THAT(wrong, StatusIs(absl::StatusCode::kPermissionDenied,
                              "password authentication failed"));
  EXPECT_THAT(wrong.status().message(), HasSubstr(":***@"));
  EXPECT_FALSE(sql::IsRetryable(wrong.status()));
  // Nothing listens on port 1.
  absl::StatusOr<std::unique_ptr<PostgresConnection>> unreachable =
      ConnectForTest(UrlWith(base, kCanary, "1"));
  EXPECT_THAT(unreachable, StatusIs(absl::StatusCode::kUnavailable, ""));
  // A bad option value, with the password given as an option too.
  absl::StatusOr<std::unique_ptr<PostgresConnection>> bad_option =
      ConnectForTest(UrlWith(base, kCanary) +
                     "?sslmode=sometimes&password=" + kCanary);
  EXPECT_FALSE(bad_option.ok());
  for (const absl::Status& status :
       {wrong.status(), unreachable.status(), bad_option.status()}) {
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr(kCanary)))
        << status;
    EXPECT_THAT(status.ToString(), Not(HasSubstr(kCanary)));
  }
}

}  // namespace
}  // namespace testing
}  // namespace parley
