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
  absl::StatusOr<StorageUrl> url = StorageUrl::Parse(url_text);
  if (!url.ok()) return url.status();
  BackendOptions options;
  options.schema_policy = policy;
  return OpenPostgresBackend(*url, options);
}

// The rewrite's tables as its SQLAlchemy models create them on PostgreSQL
// (API.md, "The relational schema of the rewrite"), with rows: a profile
// with every field, one with NULLs, a paid subscription with both Stripe
// ids, a conversation with a NULL title (the rewrite's "New Conversation")
// and messages two of which share a created_at.
constexpr char kRewriteDatabase[] = R"sql(
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
INSERT INTO users VALUES ('u1', 'a@example.com', 'f', '30-39', 'calm', true,
  '2025-12-04 10:11:12.123456', '2025-12-04 10:11:12.123456');
INSERT INTO users VALUES ('u2', 'b@example.com', NULL, NULL, NULL, false,
  '2025-12-05 00:00:00', NULL);
INSERT INTO subscriptions VALUES ('u1', 'monthly', 'active', 'cus_1', 'sub_1',
  '2026-01-04 10:11:12', '2025-12-04 10:11:12.5', '2025-12-04 10:11:13');
INSERT INTO conversations VALUES ('c1', 'u1', NULL, false, NULL, 1, true,
  '{"q1": "a", "n": 1.50}', '2025-12-04 10:11:12.123456', NULL);
INSERT INTO conversations VALUES ('c2', 'u2', 'Mine', true,
  '2025-12-11 00:00:00', 2, false, NULL, '2025-12-04 00:00:00', NULL);
INSERT INTO messages VALUES ('m-b', 'c1', 'user', 'first (same time, id b)',
  NULL, NULL, NULL, NULL, '2025-12-04 10:11:13');
INSERT INTO messages VALUES ('m-c', 'c1', 'assistant', NULL,
  '[{"model": "m", "response": "r"}]', '[]', '{"model": "m"}',
  '{"request_id": 9007199254740993, "average_rank": 1.75}',
  '2025-12-04 10:11:13');
INSERT INTO messages VALUES ('m-a', 'c1', 'user', 'earlier', NULL, NULL,
  NULL, NULL, '2025-12-04 10:11:12.999999');
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

// The scan's ids of each kind, in order.
class IdCollector : public RecordVisitor {
 public:
  absl::Status OnProfile(const Profile& p) override {
    ids.push_back("profile " + p.user_id());
    return absl::OkStatus();
  }
  absl::Status OnSubscription(const Subscription& s) override {
    ids.push_back("subscription " + s.user_id());
    return absl::OkStatus();
  }
  absl::Status OnConversation(const Conversation& c) override {
    ids.push_back(absl::StrCat("conversation ", c.id(), " ", c.messages_size(),
                               " messages"));
    return absl::OkStatus();
  }
  std::vector<std::string> ids;
};

TEST(PostgresAdoptionTest, AdoptsTheRewritesDatabaseKeepingEveryRow) {
  ASSERT_OK_AND_ASSIGN(const std::string url, NewPostgresTestStore());
  ASSERT_OK_AND_ASSIGN(auto admin, ConnectForTest(url));
  ASSERT_THAT(admin->ExecuteScript(kRewriteDatabase), IsOk());
  {
    ASSERT_OK_AND_ASSIGN(auto inspect, Open(url, Policy::kInspectOnly));
    ASSERT_OK_AND_ASSIGN(SchemaStatus status, inspect->GetSchemaStatus());
    EXPECT_EQ(status.stored_version, -1);
    EXPECT_EQ(status.code_version, 3);
    EXPECT_EQ(status.pending.size(), 3u);
  }
  // Opening refuses to adopt unless allowed to upgrade.
  EXPECT_THAT(Open(url, Policy::kRefuseOlder).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "schema version -1 is older"));

  ASSERT_OK_AND_ASSIGN(auto backend, Open(url, Policy::kUpgrade));
  ASSERT_OK_AND_ASSIGN(SchemaStatus upgraded, backend->GetSchemaStatus());
  EXPECT_EQ(upgraded.stored_version, 3);
  EXPECT_TRUE(upgraded.pending.empty());
  ASSERT_OK_AND_ASSIGN(StoreCounts counts, backend->Count());
  EXPECT_EQ(counts.profiles, 2);
  EXPECT_EQ(counts.subscriptions, 1);
  EXPECT_EQ(counts.conversations, 2);
  EXPECT_EQ(counts.messages, 3);

  // Profiles: the rewrite's gender/age_range/mood columns become the profile
  // object; timestamps come back in isoformat().
  ASSERT_OK_AND_ASSIGN(std::optional<Profile> p, backend->GetProfile("u1"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->email(), "a@example.com");
  EXPECT_EQ(p->profile_json(),
            R"({"gender":"f","age_range":"30-39","mood":"calm"})");
  EXPECT_EQ(p->created_at(), "2025-12-04T10:11:12.123456");
  EXPECT_TRUE(p->profile_locked());
  ASSERT_OK_AND_ASSIGN(p, backend->GetProfile("u2"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->email(), "b@example.com");
  EXPECT_EQ(p->profile_json(),
            R"({"gender":null,"age_range":null,"mood":null})");
  EXPECT_EQ(p->created_at(), "2025-12-05T00:00:00");
  EXPECT_FALSE(p->profile_locked());

  // The paid subscription, Stripe ids included (the rewrite's own migration
  // lost exactly these).
  ASSERT_OK_AND_ASSIGN(std::optional<Subscription> s,
                       backend->GetSubscription("u1"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->tier(), "monthly");
  EXPECT_EQ(s->status(), "active");
  EXPECT_EQ(s->stripe_subscription_id(), "sub_1");
  EXPECT_EQ(s->current_period_end(), "2026-01-04T10:11:12");
  EXPECT_EQ(s->created_at(), "2025-12-04T10:11:12.500000");
  EXPECT_EQ(s->updated_at(), "2025-12-04T10:11:13");
  ASSERT_EQ(s->extra_size(), 1);
  EXPECT_EQ(s->extra(0).key(), "stripe_customer_id");
  EXPECT_EQ(s->extra(0).json(), R"("cus_1")");
  EXPECT_EQ(s->key_order(s->key_order_size() - 1), "stripe_customer_id");
  ASSERT_OK_AND_ASSIGN(std::optional<Subscription> none,
                       backend->GetSubscription("u2"));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(
      s, backend->UpdateSubscriptionByStripeId(
             "sub_1", [](Subscription&) { return absl::OkStatus(); }));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->user_id(), "u1");

  // The NULL title reads as the contract's default; messages with the same
  // created_at keep the rewrite's best order, (created_at, id).
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> c1,
                       backend->GetConversation("c1"));
  ASSERT_TRUE(c1.has_value());
  EXPECT_EQ(c1->user_id(), "u1");
  EXPECT_EQ(c1->title(), "New Conversation");
  EXPECT_EQ(c1->created_at(), "2025-12-04T10:11:12.123456");
  EXPECT_FALSE(c1->starred());
  EXPECT_EQ(c1->report_cycle(), 1);
  EXPECT_TRUE(c1->has_follow_up());
  EXPECT_EQ(c1->follow_up_answers_json(), R"({"q1":"a","n":1.50})");
  EXPECT_TRUE(c1->is_visible());
  EXPECT_FALSE(c1->has_expires_at());
  ASSERT_EQ(c1->messages_size(), 3);
  EXPECT_EQ(c1->messages(0).role(), "user");
  EXPECT_EQ(c1->messages(0).content(), "earlier");
  EXPECT_EQ(c1->messages(1).content(), "first (same time, id b)");
  EXPECT_EQ(c1->messages(1).key_order_size(), 2);
  EXPECT_EQ(c1->messages(2).role(), "assistant");
  EXPECT_FALSE(c1->messages(2).has_content());
  EXPECT_EQ(c1->messages(2).stage1_json(), R"([{"model":"m","response":"r"}])");
  EXPECT_EQ(c1->messages(2).stage2_json(), "[]");
  EXPECT_EQ(c1->messages(2).stage3_json(), R"({"model":"m"})");
  EXPECT_EQ(c1->messages(2).metadata_json(),
            R"({"request_id":9007199254740993,"average_rank":1.75})");

  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> c2,
                       backend->GetConversation("c2"));
  ASSERT_TRUE(c2.has_value());
  EXPECT_EQ(c2->user_id(), "u2");
  EXPECT_EQ(c2->title(), "Mine");
  EXPECT_TRUE(c2->starred());
  EXPECT_EQ(c2->report_cycle(), 2);
  EXPECT_FALSE(c2->has_follow_up());
  EXPECT_FALSE(c2->has_follow_up_answers_json());
  EXPECT_EQ(c2->expires_at(), "2025-12-11T00:00:00");
  EXPECT_EQ(c2->messages_size(), 0);

  // Listing, counting and scanning see the same rows.
  ASSERT_OK_AND_ASSIGN(std::vector<ConversationSummary> listed,
                       backend->ListConversations("u1"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id(), "c1");
  EXPECT_EQ(listed[0].title(), "New Conversation");
  EXPECT_EQ(listed[0].message_count(), 3);
  ASSERT_OK_AND_ASSIGN(
      int64_t active, backend->CountConversations("u2", "2025-12-10T00:00:00"));
  EXPECT_EQ(active, 1);
  IdCollector scanned;
  ASSERT_THAT(backend->Scan(scanned), IsOk());
  EXPECT_THAT(
      scanned.ids,
      ElementsAre("profile u1", "profile u2", "subscription u1",
                  "conversation c1 3 messages", "conversation c2 0 messages"));

  // New messages go after the adopted ones, in the order appended.
  Message m;
  m.set_role("user");
  m.set_content("new");
  ASSERT_THAT(backend->AppendMessage("c1", m), IsOk());
  m.set_content("newer");
  ASSERT_THAT(backend->AppendMessage("c1", m), IsOk());
  ASSERT_OK_AND_ASSIGN(c1, backend->GetConversation("c1"));
  ASSERT_EQ(c1->messages_size(), 5);
  EXPECT_EQ(c1->messages(0).content(), "earlier");
  EXPECT_EQ(c1->messages(3).content(), "new");
  EXPECT_EQ(c1->messages(4).content(), "newer");
  ASSERT_OK_AND_ASSIGN(c2, backend->GetConversation("c2"));
  EXPECT_EQ(c2->messages_size(), 0);

  // A conversation of a user the rewrite never had (its foreign key would
  // have refused it) and its messages work on the adopted tables.
  Conversation fresh;
  fresh.set_id("c3");
  fresh.set_user_id("u3");
  fresh.set_created_at("2025-12-06T00:00:00");
  *fresh.add_messages() = m;
  ASSERT_THAT(backend->CreateConversation(fresh), IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Profile> stub, backend->GetProfile("u3"));
  EXPECT_FALSE(stub.has_value());

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
