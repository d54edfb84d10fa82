// Adopting the database the original application's SQLAlchemy rewrite left
// on PostgreSQL: its four tables with their PostgreSQL types (varchar,
// timestamp, json), foreign keys and indexes, and rows in them. Parley must
// recognise it (schema version -1), upgrade it in place, and read every row
// back as the JSON contract's records.
//
// Needs the throwaway server (TEST_POSTGRES_URL); fails without it.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "backends/postgres/postgres_backend.h"
#include "backends/postgres/postgres_test_connection.h"
#include "backends/postgres/postgres_test_store.h"
#include "backends/sql/rewrite_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/records.pb.h"
#include "storage/backend.h"
#include "storage/url.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

using ::testing::ElementsAre;
using Policy = BackendOptions::SchemaPolicy;

absl::StatusOr<std::unique_ptr<Backend>> Open(const std::string& url_text,
                                              Policy policy) {
  absl::StatusOr<StorageUrl> url = PostgresBackendType().ParseUrl(url_text);
  if (!url.ok()) return url.status();
  BackendOptions options;
  options.schema_policy = policy;
  return OpenPostgresBackend(*url, options);
}

// The rewrite's tables as its SQLAlchemy models create them on PostgreSQL
// (API.md, "The relational schema of the rewrite"); the rows are
// kRewriteRows, shared with SQLite.
constexpr char kRewriteTables[] = R"sql(
CREATE TABLE users (
  user_id VARCHAR(255) NOT NULL PRIMARY KEY,
  email VARCHAR(255),
  gender VARCHAR(50),
  age_range VARCHAR(50),
  mood VARCHAR(50),
  profile_locked BOOLEAN,
  created_at TIMESTAMP WITHOUT TIME ZONE,
  updated_at TIMESTAMP WITHOUT TIME ZONE
);
CREATE TABLE subscriptions (
  user_id VARCHAR(255) NOT NULL PRIMARY KEY
      REFERENCES users (user_id) ON DELETE CASCADE,
  tier VARCHAR(50),
  status VARCHAR(50),
  stripe_customer_id VARCHAR(255),
  stripe_subscription_id VARCHAR(255),
  current_period_end TIMESTAMP WITHOUT TIME ZONE,
  created_at TIMESTAMP WITHOUT TIME ZONE,
  updated_at TIMESTAMP WITHOUT TIME ZONE
);
CREATE INDEX ix_subscriptions_stripe_customer_id
    ON subscriptions (stripe_customer_id);
CREATE INDEX ix_subscriptions_stripe_subscription_id
    ON subscriptions (stripe_subscription_id);
CREATE TABLE conversations (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  user_id VARCHAR(255) NOT NULL REFERENCES users (user_id),
  title VARCHAR(500),
  starred BOOLEAN,
  expires_at TIMESTAMP WITHOUT TIME ZONE,
  report_cycle INTEGER DEFAULT 1,
  has_follow_up BOOLEAN,
  follow_up_answers TEXT,
  created_at TIMESTAMP WITHOUT TIME ZONE,
  updated_at TIMESTAMP WITHOUT TIME ZONE
);
CREATE INDEX idx_user_created ON conversations (user_id, created_at);
CREATE INDEX idx_user_starred ON conversations (user_id, starred);
CREATE TABLE messages (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  conversation_id VARCHAR(36) NOT NULL
      REFERENCES conversations (id) ON DELETE CASCADE,
  role VARCHAR(20),
  content TEXT,
  stage1 JSON,
  stage2 JSON,
  stage3 JSON,
  metadata JSON,
  created_at TIMESTAMP WITHOUT TIME ZONE
);
CREATE INDEX idx_conversation_created ON messages (conversation_id, created_at);
)sql";

// Column names of `table` in the store's schema, in column order.
std::vector<std::string> Columns(sql::SqlConnection& c,
                                 const std::string& table) {
  std::vector<std::string> names;
  const sql::SqlValue params[] = {sql::SqlValue::Text(table)};
  absl::StatusOr<int64_t> ran = c.Execute(
      "SELECT column_name FROM information_schema.columns WHERE "
      "table_schema = current_schema() AND table_name = $1 ORDER BY "
      "column_name",
      params, [&](const sql::SqlRow& row) {
        names.push_back(row.Text(0));
        return absl::OkStatus();
      });
  EXPECT_THAT(ran.status(), IsOk());
  return names;
}

TEST(PostgresAdoptionTest, AdoptsTheRewritesDatabaseKeepingEveryRow) {
  ASSERT_OK_AND_ASSIGN(const std::string url, NewPostgresTestStore());
  ASSERT_OK_AND_ASSIGN(auto admin, ConnectForTest(url));
  ASSERT_THAT(admin->ExecuteScript(kRewriteTables), IsOk());
  ASSERT_THAT(admin->ExecuteScript(kRewriteRows), IsOk());
  {
    ASSERT_OK_AND_ASSIGN(auto inspect, Open(url, Policy::kInspectOnly));
    ASSERT_OK_AND_ASSIGN(SchemaStatus status,
                         inspect->schema_admin()->GetSchemaStatus());
    EXPECT_EQ(status.stored_version, -1);
    EXPECT_EQ(status.code_version, 3);
    EXPECT_EQ(status.pending.size(), 3u);
  }
  // Opening refuses to adopt unless allowed to upgrade.
  EXPECT_THAT(Open(url, Policy::kRefuseOlder).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "schema version -1 is older"));

  ASSERT_OK_AND_ASSIGN(auto backend, Open(url, Policy::kUpgrade));
  ASSERT_OK_AND_ASSIGN(SchemaStatus upgraded,
                       backend->schema_admin()->GetSchemaStatus());
  EXPECT_EQ(upgraded.stored_version, 3);
  EXPECT_TRUE(upgraded.pending.empty());
  ExpectRewriteRowsAdopted(*backend);

  // An adopted store ends with the same columns as a new one.
  ASSERT_OK_AND_ASSIGN(const std::string fresh_url, NewPostgresTestStore());
  ASSERT_OK_AND_ASSIGN(auto new_backend, Open(fresh_url, Policy::kUpgrade));
  ASSERT_OK_AND_ASSIGN(auto fresh_admin, ConnectForTest(fresh_url));
  for (const char* table :
       {"users", "subscriptions", "conversations", "messages"}) {
    SCOPED_TRACE(table);
    EXPECT_EQ(Columns(*admin, table), Columns(*fresh_admin, table));
  }
}

}  // namespace
}  // namespace testing
}  // namespace parley
