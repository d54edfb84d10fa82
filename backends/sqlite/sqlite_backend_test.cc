#include "backends/sqlite/sqlite_backend.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "backends/sql/rewrite_fixture.h"
#include "backends/sql/test_records.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/records.pb.h"
#include "storage/backend.h"
#include "storage/record_json.h"
#include "storage/url.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace parley {
namespace {

using ::parley::testing::ExpectRewriteRowsAdopted;
using ::parley::testing::Extra;
using ::parley::testing::IsOk;
using ::parley::testing::kRewriteRows;
using ::parley::testing::RichConversation;
using ::parley::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Policy = BackendOptions::SchemaPolicy;

std::string FreshDbPath() {
  return absl::StrCat(parley::testing::FreshTempDir("sqlite"), "/store.db");
}

absl::StatusOr<std::unique_ptr<Backend>> Open(const std::string& path,
                                              Policy policy = Policy::kUpgrade,
                                              absl::string_view options = "") {
  absl::StatusOr<StorageUrl> url = SqliteBackendType().ParseUrl(
      absl::StrCat("sqlite:///", path, options.empty() ? "" : "?", options));
  if (!url.ok()) return url.status();
  BackendOptions backend_options;
  backend_options.schema_policy = policy;
  return OpenSqliteBackend(*url, backend_options);
}

// Runs `sql` on the file directly, as another tool (the rewrite) would.
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> db(raw,
                                                           &sqlite3_close_v2);
  char* error = nullptr;
  const int rc = sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

int64_t RawCount(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> db(raw,
                                                           &sqlite3_close_v2);
  sqlite3_stmt* stmt_raw = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &stmt_raw, nullptr),
            SQLITE_OK);
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(
      stmt_raw, &sqlite3_finalize);
  EXPECT_EQ(sqlite3_step(stmt.get()), SQLITE_ROW);
  return sqlite3_column_int64(stmt.get(), 0);
}

TEST(SqliteBackendTest, ConversationReadsBackIdentical) {
  ASSERT_OK_AND_ASSIGN(auto backend, Open(FreshDbPath()));
  const Conversation c = RichConversation("c1");
  ASSERT_THAT(backend->PutConversation(c), IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> got,
                       backend->GetConversation("c1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->DebugString(), c.DebugString());
}

TEST(SqliteBackendTest, CanonicalRecordReadsBackWithItsKeysListed) {
  ASSERT_OK_AND_ASSIGN(auto backend, Open(FreshDbPath()));
  Conversation c;
  c.set_id("c1");
  c.set_user_id("u");
  c.set_created_at("2025-12-04T10:11:12");
  c.set_title("New Conversation");
  c.set_is_visible(true);
  c.add_messages()->set_role("user");
  c.mutable_messages(0)->set_content("hi");
  ASSERT_THAT(backend->CreateConversation(c), IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> got,
                       backend->GetConversation("c1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_THAT(got->key_order(),
              ElementsAre("id", "user_id", "created_at", "title", "starred",
                          "messages", "report_cycle", "has_follow_up",
                          "follow_up_answers", "is_visible", "expires_at"));
  EXPECT_THAT(got->messages(0).key_order(), ElementsAre("role", "content"));
  got->clear_key_order();
  got->mutable_messages(0)->clear_key_order();
  EXPECT_EQ(got->DebugString(), c.DebugString());
  EXPECT_THAT(backend->CreateConversation(c),
              StatusIs(absl::StatusCode::kAlreadyExists, "conversation c1"));
}

// The readers take plain key orders (printable ASCII keys, compact) without
// parsing JSON and summarize such rows without building the record; keys
// that need escapes, white space, "[]" and extra keys go the general way.
// Every path must read back what was written and list each conversation as
// SummarizeConversation summarizes the record.
TEST(SqliteBackendTest, KeyOrdersAndSummariesAgreeOnEveryPath) {
  const std::string path = FreshDbPath();
  ASSERT_OK_AND_ASSIGN(auto backend, Open(path));
  Conversation plain;
  plain.set_id("plain");
  plain.set_user_id("u");
  plain.set_created_at("2025-12-04T10:11:12");
  plain.set_title("T");
  plain.set_starred(true);
  plain.set_is_visible(false);
  plain.set_expires_at("2025-12-11T10:11:12");
  for (const char* key : {"id", "user_id", "created_at", "title", "starred",
                          "is_visible", "expires_at"}) {
    plain.add_key_order(key);
  }
  Message* m = plain.add_messages();
  m->set_role("user");
  m->set_content("hi");
  m->add_key_order("role");
  m->add_key_order("content");
  Conversation odd = RichConversation("odd");
  odd.set_user_id("u");
  for (const char* key : {"we\"ird", "caf\xc3\xa9", "back\\slash", "tab\t"}) {
    odd.add_key_order(key);
    *odd.add_extra() = Extra(key, "1");
  }
  Message* odd_message = odd.add_messages();
  odd_message->set_role("user");
  odd_message->add_key_order("role");
  odd_message->add_key_order("r\xc3\xb4le");
  *odd_message->add_extra() = Extra("r\xc3\xb4le", "\"x\"");
  Conversation untitled = plain;
  untitled.set_id("untitled");
  untitled.clear_key_order();
  untitled.clear_title();  // values of unlisted keys are not stored
  untitled.set_starred(false);
  untitled.clear_expires_at();
  for (const char* key : {"id", "user_id", "created_at"}) {
    untitled.add_key_order(key);
  }
  for (const Conversation& c : {plain, odd, untitled}) {
    ASSERT_THAT(backend->PutConversation(c), IsOk());
    ASSERT_OK_AND_ASSIGN(std::optional<Conversation> got,
                         backend->GetConversation(c.id()));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->DebugString(), c.DebugString());
  }
  ASSERT_OK_AND_ASSIGN(auto twin, Open(path));
  ASSERT_THAT(twin->PutConversation([&] {
    Conversation c = plain;
    c.set_id("spaced");
    return c;
  }()),
              IsOk());
  ASSERT_THAT(twin->PutConversation([&] {
    Conversation c = plain;
    c.set_id("empty_order");
    return c;
  }()),
              IsOk());
  // Texts other writers may have left: white space, and an empty list (every
  // contract key present).
  RawExec(path,
          "UPDATE conversations SET key_order = '[ \"id\", \"user_id\", "
          "\"title\" ]' WHERE id = 'spaced'; UPDATE conversations SET "
          "key_order = '[]', extra_json = '{}' WHERE id = 'empty_order';");
  ASSERT_OK_AND_ASSIGN(std::vector<ConversationSummary> list,
                       backend->ListConversations("u"));
  ASSERT_EQ(list.size(), 5u);
  for (const ConversationSummary& summary : list) {
    ASSERT_OK_AND_ASSIGN(std::optional<Conversation> got,
                         backend->GetConversation(summary.id()));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(summary.DebugString(),
              SummarizeConversation(*got, got->messages_size()).DebugString())
        << summary.id();
  }
}

TEST(SqliteBackendTest, ProfileAndSubscriptionReadBackIdentical) {
  ASSERT_OK_AND_ASSIGN(auto backend, Open(FreshDbPath()));
  Profile p;
  p.set_user_id("u1");
  p.set_email("a@example.com");
  p.set_profile_json(
      R"({"mood":"ok","gender":"x","age_range":"30-39","n":1e+16})");
  p.set_created_at("2025-12-04T10:11:12");
  p.set_profile_locked(true);
  for (const char* key :
       {"user_id", "email", "profile", "created_at", "profile_locked", "k"}) {
    p.add_key_order(key);
  }
  *p.add_extra() = Extra("k", "[true,false,null]");
  ASSERT_THAT(backend->PutProfile(p), IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Profile> got_p, backend->GetProfile("u1"));
  ASSERT_TRUE(got_p.has_value());
  EXPECT_EQ(got_p->DebugString(), p.DebugString());

  Subscription s;
  s.set_user_id("u1");
  s.set_tier("monthly");
  s.set_status("active");
  s.set_stripe_subscription_id("sub_1");
  s.set_created_at("2025-12-04T10:11:12.5");
  s.set_updated_at("not a timestamp");
  for (const char* key : {"user_id", "tier", "status", "stripe_subscription_id",
                          "current_period_end", "created_at", "updated_at",
                          "stripe_customer_id"}) {
    s.add_key_order(key);
  }
  *s.add_extra() = Extra("stripe_customer_id", R"("cus_1")");
  ASSERT_THAT(backend->PutSubscription(s), IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Subscription> got_s,
                       backend->GetSubscription("u1"));
  ASSERT_TRUE(got_s.has_value());
  EXPECT_EQ(got_s->DebugString(), s.DebugString());
}

TEST(SqliteBackendTest, FailedTransactionLeavesNoTrace) {
  ASSERT_OK_AND_ASSIGN(auto backend, Open(FreshDbPath()));
  Conversation c = RichConversation("c1");
  absl::Status status = backend->RunInTransaction([&](Backend& tx) {
    RETURN_IF_ERROR(tx.PutConversation(c));
    Message m;
    m.set_role("user");
    m.set_content("x");
    RETURN_IF_ERROR(tx.AppendMessage("c1", m));
    Profile p;
    p.set_user_id("u9");
    RETURN_IF_ERROR(tx.PutProfile(p));
    return absl::CancelledError("changed my mind");
  });
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kCancelled, "changed my mind"));
  ASSERT_OK_AND_ASSIGN(StoreCounts counts, backend->stream().Count());
  EXPECT_EQ(counts.conversations, 0);
  EXPECT_EQ(counts.messages, 0);
  EXPECT_EQ(counts.profiles, 0);

  ASSERT_THAT(backend->RunInTransaction([&](Backend& tx) {
    RETURN_IF_ERROR(tx.PutConversation(c));
    Message m;
    m.set_role("user");
    m.set_content("x");
    return tx.AppendMessage("c1", m);
  }),
              IsOk());
  ASSERT_OK_AND_ASSIGN(counts, backend->stream().Count());
  EXPECT_EQ(counts.conversations, 1);
  EXPECT_EQ(counts.messages, 3);
}

TEST(SqliteBackendTest, MissingRecordsAreNotFound) {
  ASSERT_OK_AND_ASSIGN(auto backend, Open(FreshDbPath()));
  Message m;
  m.set_role("user");
  EXPECT_THAT(backend->AppendMessage("nope", m),
              StatusIs(absl::StatusCode::kNotFound, "nope"));
  EXPECT_THAT(backend->UpdateConversation(
                  "nope", [](Conversation&) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kNotFound, "nope"));
  EXPECT_THAT(
      backend->UpdateProfile("nope", [](Profile&) { return absl::OkStatus(); }),
      StatusIs(absl::StatusCode::kNotFound, "nope"));
  ASSERT_OK_AND_ASSIGN(bool existed, backend->DeleteConversation("nope"));
  EXPECT_FALSE(existed);
  // A mutation's own error comes back unchanged, and nothing is stored.
  ASSERT_THAT(backend->PutConversation(RichConversation("c1")), IsOk());
  EXPECT_EQ(backend
                ->UpdateConversation("c1",
                                     [](Conversation& c) {
                                       c.set_starred(false);
                                       return absl::AbortedError("mine");
                                     })
                .status(),
            absl::AbortedError("mine"));
  ASSERT_OK_AND_ASSIGN(auto got, backend->GetConversation("c1"));
  EXPECT_TRUE(got->starred());
}

TEST(SqliteBackendTest, ProfilelessUserHasConversationsAndSubscription) {
  ASSERT_OK_AND_ASSIGN(auto backend, Open(FreshDbPath()));
  Conversation c;
  c.set_id("c1");
  c.set_user_id("ghost");
  ASSERT_THAT(backend->CreateConversation(c), IsOk());
  Subscription s;
  s.set_user_id("ghost");
  s.set_tier("free");
  ASSERT_THAT(backend->PutSubscription(s), IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Profile> profile,
                       backend->GetProfile("ghost"));
  EXPECT_FALSE(profile.has_value());
  EXPECT_THAT(backend->UpdateProfile("ghost",
                                     [](Profile&) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kNotFound, "ghost"));
  ASSERT_OK_AND_ASSIGN(StoreCounts counts, backend->stream().Count());
  EXPECT_EQ(counts.profiles, 0);
  EXPECT_EQ(counts.subscriptions, 1);
  ASSERT_OK_AND_ASSIGN(int64_t n, backend->CountConversations("ghost", {}));
  EXPECT_EQ(n, 1);
  Profile p;
  p.set_user_id("ghost");
  p.set_email("g@example.com");
  ASSERT_THAT(backend->PutProfile(p), IsOk());
  ASSERT_OK_AND_ASSIGN(profile, backend->GetProfile("ghost"));
  ASSERT_TRUE(profile.has_value());
  EXPECT_EQ(profile->email(), "g@example.com");
}

TEST(SqliteBackendTest, ListsCountsScansAndFindsByStripeId) {
  ASSERT_OK_AND_ASSIGN(auto backend, Open(FreshDbPath()));
  for (const char* id : {"c3", "c1", "c2"}) {
    Conversation c;
    c.set_id(id);
    c.set_user_id("u");
    c.set_created_at("2025-01-01T00:00:00");
    c.set_title("New Conversation");
    c.set_is_visible(true);
    if (std::string(id) == "c2") c.set_expires_at("2025-01-08T00:00:00");
    ASSERT_THAT(backend->CreateConversation(c), IsOk());
  }
  Message m;
  m.set_role("user");
  m.set_content("x");
  ASSERT_THAT(backend->AppendMessage("c1", m), IsOk());
  ASSERT_THAT(backend->AppendMessage("c1", m), IsOk());
  ASSERT_OK_AND_ASSIGN(auto summaries, backend->ListConversations("u"));
  ASSERT_EQ(summaries.size(), 3);
  for (const auto& s : summaries) {
    EXPECT_EQ(s.message_count(), s.id() == "c1" ? 2 : 0);
    EXPECT_EQ(s.title(), "New Conversation");
    EXPECT_TRUE(s.is_visible());
  }
  ASSERT_OK_AND_ASSIGN(int64_t active,
                       backend->CountConversations("u", "2025-01-08T00:00:00"));
  EXPECT_EQ(active, 2);
  ASSERT_OK_AND_ASSIGN(active,
                       backend->CountConversations("u", "2025-01-07T23:59:59"));
  EXPECT_EQ(active, 3);

  for (const char* user : {"b", "a", "c"}) {
    Subscription s;
    s.set_user_id(user);
    s.set_stripe_subscription_id(std::string(user) == "c" ? "other" : "sub");
    ASSERT_THAT(backend->PutSubscription(s), IsOk());
  }
  ASSERT_OK_AND_ASSIGN(
      std::optional<Subscription> updated,
      backend->UpdateSubscriptionByStripeId("sub", [](Subscription& s) {
        s.set_status("cancelled");
        return absl::OkStatus();
      }));
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->user_id(), "a");
  ASSERT_OK_AND_ASSIGN(
      updated, backend->UpdateSubscriptionByStripeId(
                   "none", [](Subscription&) { return absl::OkStatus(); }));
  EXPECT_FALSE(updated.has_value());

  struct Collector : RecordVisitor {
    std::vector<std::string> seen;
    absl::Status OnProfile(const Profile& p) override {
      seen.push_back("p:" + p.user_id());
      return absl::OkStatus();
    }
    absl::Status OnSubscription(const Subscription& s) override {
      seen.push_back("s:" + s.user_id());
      return absl::OkStatus();
    }
    absl::Status OnConversation(const Conversation& c) override {
      seen.push_back(absl::StrCat("c:", c.id(), ":", c.messages_size()));
      return absl::OkStatus();
    }
  } collector;
  ASSERT_THAT(backend->stream().Scan(collector), IsOk());
  EXPECT_THAT(collector.seen,
              ElementsAre("s:a", "s:b", "s:c", "c:c1:2", "c:c2:0", "c:c3:0"));
}

// A row another tool damaged reaches the visitor's OnBadRecord (migrate
// --skip-bad) and the scan goes on; by default it stops the scan.
TEST(SqliteBackendTest, ScanReportsUndecodableRowsToOnBadRecord) {
  const std::string path = FreshDbPath();
  ASSERT_OK_AND_ASSIGN(auto backend, Open(path));
  for (const char* id : {"c1", "c2", "c3"}) {
    Conversation c;
    c.set_id(id);
    c.set_user_id("u");
    c.set_created_at("2025-01-01T00:00:00");
    ASSERT_THAT(backend->CreateConversation(c), IsOk());
  }
  Message m;
  m.set_role("user");
  m.set_content("x");
  ASSERT_THAT(backend->AppendMessage("c3", m), IsOk());
  RawExec(path, "UPDATE conversations SET key_order = '[oops' WHERE id = 'c1'");
  RawExec(path,
          "UPDATE messages SET extra_json = '7' WHERE conversation_id = 'c3'");

  struct Collector : RecordVisitor {
    bool skip = true;
    std::vector<std::string> seen;
    absl::Status OnProfile(const Profile&) override { return absl::OkStatus(); }
    absl::Status OnSubscription(const Subscription&) override {
      return absl::OkStatus();
    }
    absl::Status OnConversation(const Conversation& c) override {
      seen.push_back("c:" + c.id());
      return absl::OkStatus();
    }
    absl::Status OnBadRecord(absl::string_view kind, absl::string_view id,
                             const absl::Status& status) override {
      seen.push_back(absl::StrCat("bad ", kind, ":", id));
      EXPECT_TRUE(absl::IsDataLoss(status)) << status;
      return skip ? absl::OkStatus() : status;
    }
  } collector;
  ASSERT_THAT(backend->stream().Scan(collector), IsOk());
  EXPECT_THAT(collector.seen, ElementsAre("bad conversation:c1", "c:c2",
                                          "bad conversation:c3"));
  collector.skip = false;
  collector.seen.clear();
  EXPECT_THAT(backend->stream().Scan(collector),
              StatusIs(absl::StatusCode::kDataLoss, "key_order"));
  EXPECT_THAT(collector.seen, ElementsAre("bad conversation:c1"));
}

TEST(SqliteBackendTest, UnknownUrlOptionIsInvalidArgument) {
  EXPECT_THAT(Open(FreshDbPath(), Policy::kUpgrade, "journal=wal"),
              StatusIs(absl::StatusCode::kInvalidArgument, "journal"));
  EXPECT_THAT(Open(FreshDbPath(), Policy::kUpgrade, "busy_timeout_ms=soon"),
              StatusIs(absl::StatusCode::kInvalidArgument, "busy_timeout_ms"));
  EXPECT_THAT(Open(FreshDbPath(), Policy::kUpgrade, "synchronous=sometimes"),
              StatusIs(absl::StatusCode::kInvalidArgument, "synchronous"));
  EXPECT_THAT(Open(FreshDbPath(), Policy::kUpgrade,
                   "synchronous=normal&busy_timeout_ms=100&pool_size=2"),
              IsOk());
}

// "unable to open database file" names neither the file nor the cause; a
// missing folder is not retryable.
TEST(SqliteBackendTest, FileThatCannotBeOpenedNamesThePathAndTheCause) {
  const std::string path =
      ::parley::testing::FreshTempDir("sqlite-open") + "/missing/dir/x.db";
  absl::StatusOr<std::unique_ptr<Backend>> opened = Open(path);
  EXPECT_THAT(opened, StatusIs(absl::StatusCode::kFailedPrecondition,
                               absl::StrCat("\"", path, "\"")));
  EXPECT_THAT(std::string(opened.status().message()),
              ::testing::HasSubstr("/missing/dir\" does not exist"));
}

TEST(SqliteBackendTest, InMemoryStoreIsOneSharedDatabase) {
  ASSERT_OK_AND_ASSIGN(auto backend, Open(":memory:"));
  Conversation c = RichConversation("c1");
  ASSERT_THAT(backend->RunInTransaction(
                  [&](Backend& tx) { return tx.PutConversation(c); }),
              IsOk());
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto got = backend->GetConversation("c1");
      if (got.ok() && got->has_value()) ++found;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(found, 4);
}

// ---- Schema -----------------------------------------------------------------

// The rewrite's tables as SQLAlchemy created them on SQLite (the rows are
// kRewriteRows, shared with PostgreSQL).
constexpr char kRewriteTables[] = R"sql(
CREATE TABLE users (
  user_id VARCHAR(255) NOT NULL PRIMARY KEY, email VARCHAR(255),
  gender VARCHAR(50), age_range VARCHAR(50), mood VARCHAR(50),
  profile_locked BOOLEAN, created_at DATETIME, updated_at DATETIME);
CREATE TABLE subscriptions (
  user_id VARCHAR(255) NOT NULL PRIMARY KEY
      REFERENCES users (user_id) ON DELETE CASCADE,
  tier VARCHAR(50), status VARCHAR(50), stripe_customer_id VARCHAR(255),
  stripe_subscription_id VARCHAR(255), current_period_end DATETIME,
  created_at DATETIME, updated_at DATETIME);
CREATE INDEX ix_subscriptions_stripe_customer_id
    ON subscriptions (stripe_customer_id);
CREATE INDEX ix_subscriptions_stripe_subscription_id
    ON subscriptions (stripe_subscription_id);
CREATE TABLE conversations (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  user_id VARCHAR(255) NOT NULL REFERENCES users (user_id),
  title VARCHAR(500), starred BOOLEAN, expires_at DATETIME,
  report_cycle INTEGER DEFAULT 1, has_follow_up BOOLEAN,
  follow_up_answers TEXT, created_at DATETIME, updated_at DATETIME);
CREATE INDEX idx_user_created ON conversations (user_id, created_at);
CREATE INDEX idx_user_starred ON conversations (user_id, starred);
CREATE TABLE messages (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  conversation_id VARCHAR(36) NOT NULL
      REFERENCES conversations (id) ON DELETE CASCADE,
  role VARCHAR(20), content TEXT, stage1 JSON, stage2 JSON, stage3 JSON,
  metadata JSON, created_at DATETIME);
CREATE INDEX idx_conversation_created ON messages (conversation_id, created_at);
)sql";

TEST(SqliteSchemaTest, AdoptsTheRewritesDatabaseKeepingEveryRow) {
  const std::string path = FreshDbPath();
  RawExec(path, kRewriteTables);
  RawExec(path, kRewriteRows);
  {
    ASSERT_OK_AND_ASSIGN(auto inspect, Open(path, Policy::kInspectOnly));
    ASSERT_OK_AND_ASSIGN(SchemaStatus status,
                         inspect->schema_admin()->GetSchemaStatus());
    EXPECT_EQ(status.stored_version, -1);
    EXPECT_EQ(status.code_version, 3);
    EXPECT_EQ(status.pending.size(), 3);
  }
  ASSERT_OK_AND_ASSIGN(auto backend, Open(path));
  ExpectRewriteRowsAdopted(*backend);

  // An adopted store ends with the same schema as a new one.
  const std::string fresh = FreshDbPath();
  ASSERT_OK_AND_ASSIGN(auto new_backend, Open(fresh));
  const std::string columns =
      "SELECT COUNT(*) FROM pragma_table_info('messages') "
      "WHERE name IN ('position', 'extra_json', 'key_order')";
  EXPECT_EQ(RawCount(path, columns), 3);
  EXPECT_EQ(RawCount(fresh, columns), 3);
  EXPECT_EQ(RawCount(path, "SELECT COUNT(*) FROM sqlite_master"),
            RawCount(fresh, "SELECT COUNT(*) FROM sqlite_master"));
}

TEST(SqliteSchemaTest, StatusUpgradeAndRefusal) {
  const std::string path = FreshDbPath();
  {
    ASSERT_OK_AND_ASSIGN(auto inspect, Open(path, Policy::kInspectOnly));
    ASSERT_OK_AND_ASSIGN(SchemaStatus status,
                         inspect->schema_admin()->GetSchemaStatus());
    EXPECT_EQ(status.stored_version, 0);
    EXPECT_EQ(status.pending.size(), 3);
    EXPECT_THAT(inspect->GetProfile("u"),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         "parley schema upgrade"));
    ASSERT_OK_AND_ASSIGN(status, inspect->schema_admin()->UpgradeSchema());
    EXPECT_EQ(status.stored_version, 3);
    EXPECT_TRUE(status.pending.empty());
    EXPECT_THAT(inspect->GetProfile("u"), IsOk());
  }
  // Version 1: the rewrite's tables with the version recorded.
  const std::string old_path = FreshDbPath();
  RawExec(old_path, kRewriteTables);
  RawExec(old_path, kRewriteRows);
  RawExec(old_path,
          "CREATE TABLE parley_schema_version (version INTEGER NOT NULL "
          "PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMP);"
          "INSERT INTO parley_schema_version VALUES (1, 'v1', NULL);");
  EXPECT_THAT(Open(old_path, Policy::kRefuseOlder),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "schema version 1 is older than this code (3); run "
                       "`parley schema upgrade`"));
  EXPECT_THAT(Open(old_path, Policy::kUpgrade), IsOk());
  EXPECT_THAT(Open(old_path, Policy::kRefuseOlder), IsOk());

  // Newer than the code: refused whatever the policy, except for status.
  RawExec(path, "INSERT INTO parley_schema_version VALUES (4, 'future', NULL)");
  for (Policy policy : {Policy::kUpgrade, Policy::kRefuseOlder}) {
    EXPECT_THAT(Open(path, policy),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         "schema version 4 is newer than this code (3)"));
  }
  ASSERT_OK_AND_ASSIGN(auto inspect, Open(path, Policy::kInspectOnly));
  ASSERT_OK_AND_ASSIGN(SchemaStatus status,
                       inspect->schema_admin()->GetSchemaStatus());
  EXPECT_EQ(status.stored_version, 4);
  EXPECT_THAT(inspect->GetProfile("u"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "newer"));
  EXPECT_THAT(inspect->schema_admin()->UpgradeSchema(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "newer"));
}

// Forks `n` children that each run `body(i)` and exit 0 when it returns
// true; returns how many succeeded.
template <typename Body>
int RunInChildren(int n, Body body) {
  std::vector<pid_t> children;
  for (int i = 0; i < n; ++i) {
    const pid_t pid = fork();
    if (pid == 0) _exit(body(i) ? 0 : 1);
    children.push_back(pid);
  }
  int ok = 0;
  for (pid_t pid : children) {
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) ++ok;
  }
  return ok;
}

TEST(SqliteSchemaTest, TwoProcessesUpgradingRunEachMigrationOnce) {
  for (int round = 0; round < 3; ++round) {
    const std::string path = FreshDbPath();
    if (round == 1) {
      RawExec(path, kRewriteTables);
      RawExec(path, kRewriteRows);
    }
    const absl::Time start = absl::Now() + absl::Milliseconds(200);
    const int ok = RunInChildren(2, [&](int) {
      auto backend = Open(path, Policy::kInspectOnly);
      if (!backend.ok()) return false;
      absl::SleepFor(start - absl::Now());
      auto status = (*backend)->schema_admin()->UpgradeSchema();
      return status.ok() && status->stored_version == 3;
    });
    EXPECT_EQ(ok, 2);
    EXPECT_EQ(RawCount(path, "SELECT COUNT(*) FROM parley_schema_version"), 3);
    EXPECT_EQ(RawCount(path,
                       "SELECT COUNT(*) FROM pragma_table_info('users') "
                       "WHERE name = 'has_profile'"),
              1);
    if (round == 1) {
      EXPECT_EQ(RawCount(path, "SELECT COUNT(*) FROM messages"), 3);
    }
  }
}

// ---- Concurrency
// --------------------------------------------------------------

constexpr int kAppendsPerWriter = 100;

Message WriterMessage(int writer, int k) {
  Message m;
  m.set_role("user");
  m.set_content(absl::StrCat(writer, ":", k));
  return m;
}

// Every writer's messages are all there, in the order it appended them.
void ExpectAllAppendsInOrder(Backend& backend, int writers) {
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> c,
                       backend.GetConversation("shared"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->messages_size(), writers * kAppendsPerWriter);
  std::vector<int> next(writers, 0);
  for (const Message& m : c->messages()) {
    std::vector<std::string> parts = absl::StrSplit(m.content(), ':');
    ASSERT_EQ(parts.size(), 2);
    int writer = 0, k = 0;
    ASSERT_TRUE(absl::SimpleAtoi(parts[0], &writer));
    ASSERT_TRUE(absl::SimpleAtoi(parts[1], &k));
    EXPECT_EQ(k, next[writer]) << "writer " << writer;
    next[writer] = k + 1;
  }
  ASSERT_OK_AND_ASSIGN(StoreCounts counts, backend.stream().Count());
  EXPECT_EQ(counts.messages, writers * kAppendsPerWriter);
}

TEST(SqliteConcurrencyTest, EightThreadsAppendWithoutLoss) {
  ASSERT_OK_AND_ASSIGN(auto backend, Open(FreshDbPath()));
  Conversation c;
  c.set_id("shared");
  c.set_user_id("u");
  ASSERT_THAT(backend->CreateConversation(c), IsOk());
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kAppendsPerWriter; ++k) {
        absl::Status s = backend->AppendMessage("shared", WriterMessage(t, k));
        if (!s.ok()) {
          ++errors;
          ADD_FAILURE() << s;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::cout << "8 threads x " << kAppendsPerWriter
            << " appends: " << absl::FormatDuration(absl::Now() - start)
            << "\n";
  EXPECT_EQ(errors, 0);
  ExpectAllAppendsInOrder(*backend, 8);
}

TEST(SqliteConcurrencyTest, FourProcessesAppendWithoutLoss) {
  const std::string path = FreshDbPath();
  {
    ASSERT_OK_AND_ASSIGN(auto backend, Open(path));
    Conversation c;
    c.set_id("shared");
    c.set_user_id("u");
    ASSERT_THAT(backend->CreateConversation(c), IsOk());
  }
  const absl::Time start = absl::Now();
  const int ok = RunInChildren(4, [&](int writer) {
    auto backend = Open(path);
    if (!backend.ok()) return false;
    for (int k = 0; k < kAppendsPerWriter; ++k) {
      absl::Status s =
          (*backend)->AppendMessage("shared", WriterMessage(writer, k));
      if (!s.ok()) {
        std::cerr << "writer " << writer << ": " << s << "\n";
        return false;
      }
    }
    return true;
  });
  std::cout << "4 processes x " << kAppendsPerWriter
            << " appends: " << absl::FormatDuration(absl::Now() - start)
            << "\n";
  EXPECT_EQ(ok, 4);
  ASSERT_OK_AND_ASSIGN(auto backend, Open(path));
  ExpectAllAppendsInOrder(*backend, 4);
}

}  // namespace
}  // namespace parley
