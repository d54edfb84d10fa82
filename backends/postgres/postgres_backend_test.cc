#include "backends/postgres/postgres_backend.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "backends/postgres/postgres_test_store.h"
#include "backends/sql/test_records.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/records.pb.h"
#include "storage/backend.h"
#include "storage/record_stream.h"
#include "storage/url.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::Not;
using Policy = BackendOptions::SchemaPolicy;

constexpr char kCanary[] = "Canary-Pw-7f3a9c";

absl::StatusOr<std::unique_ptr<Backend>> Open(
    const std::string& url_text, Policy policy = Policy::kUpgrade) {
  absl::StatusOr<StorageUrl> url = PostgresBackendType().ParseUrl(url_text);
  if (!url.ok()) return url.status();
  BackendOptions options;
  options.schema_policy = policy;
  return OpenPostgresBackend(*url, options);
}

Message UserMessage(const std::string& content) {
  Message m;
  m.set_role("user");
  m.set_content(content);
  m.add_key_order("role");
  m.add_key_order("content");
  return m;
}

TEST(PostgresBackendTest, FreshStoreIsEmptyAtTheCodeVersion) {
  ASSERT_OK_AND_ASSIGN(std::string url, NewPostgresTestStore());
  ASSERT_OK_AND_ASSIGN(auto backend, Open(url));
  ASSERT_OK_AND_ASSIGN(SchemaStatus status,
                       backend->schema_admin()->GetSchemaStatus());
  EXPECT_EQ(status.stored_version, status.code_version);
  EXPECT_TRUE(status.pending.empty());
  ASSERT_OK_AND_ASSIGN(StoreCounts counts, backend->stream().Count());
  EXPECT_EQ(counts.conversations + counts.messages + counts.profiles +
                counts.subscriptions,
            0);
}

TEST(PostgresBackendTest, FreshStoresAreIndependent) {
  const std::string first_url = FreshPostgresUrl();
  const std::string second_url = FreshPostgresUrl();
  EXPECT_NE(first_url, second_url);
  ASSERT_OK_AND_ASSIGN(auto first, Open(first_url));
  ASSERT_OK_AND_ASSIGN(auto second, Open(second_url));
  ASSERT_THAT(first->CreateConversation(RichConversation("c1")), IsOk());
  EXPECT_THAT(second->GetConversation("c1"),
              IsOkAndHolds(::testing::Eq(std::nullopt)));
  ASSERT_OK_AND_ASSIGN(auto reopened, Open(first_url));
  EXPECT_THAT(reopened->CountConversations("user_1", std::nullopt),
              IsOkAndHolds(1));
}

TEST(PostgresBackendTest, ConversationReadsBackIdentical) {
  ASSERT_OK_AND_ASSIGN(auto backend, Open(FreshPostgresUrl()));
  const Conversation written = RichConversation("1b4e28ba-2fa1-11d2-883f");
  ASSERT_THAT(backend->CreateConversation(written), IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> read,
                       backend->GetConversation(written.id()));
  ASSERT_TRUE(read.has_value());
  std::string diff;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(written, *read)) << diff;
  EXPECT_EQ(read->messages(1).metadata_json(),
            R"({"request_id": 9007199254740993, "average_rank": 1.75})");
  EXPECT_THAT(backend->CreateConversation(written),
              StatusIs(absl::StatusCode::kAlreadyExists, ""));
}

TEST(PostgresBackendTest, PreparedStatementsFalseWorks) {
  ASSERT_OK_AND_ASSIGN(std::string url,
                       NewPostgresTestStore("prepared_statements=false"));
  ASSERT_OK_AND_ASSIGN(auto backend, Open(url));
  ASSERT_THAT(backend->CreateConversation(RichConversation("c")), IsOk());
  ASSERT_THAT(backend->AppendMessage("c", UserMessage("more")), IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> read,
                       backend->GetConversation("c"));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->messages_size(), 3);
}

TEST(PostgresBackendTest, ConcurrentAppendsLoseNothing) {
  ASSERT_OK_AND_ASSIGN(std::string url,
                       NewPostgresTestStore("pool_size=4&max_overflow=4"));
  ASSERT_OK_AND_ASSIGN(auto backend, Open(url));
  Conversation c = RichConversation("busy");
  c.clear_messages();
  ASSERT_THAT(backend->CreateConversation(c), IsOk());
  constexpr int kThreads = 8;
  constexpr int kEach = 15;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        EXPECT_THAT(backend->AppendMessage(
                        "busy", UserMessage(absl::StrCat(t, ":", i))),
                    IsOk());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> read,
                       backend->GetConversation("busy"));
  ASSERT_TRUE(read.has_value());
  ASSERT_EQ(read->messages_size(), kThreads * kEach);
  // Each thread's messages keep their order.
  std::vector<int> next(kThreads, 0);
  for (const Message& m : read->messages()) {
    const int t = m.content()[0] - '0';
    EXPECT_EQ(m.content(), absl::StrCat(t, ":", next[t]));
    ++next[t];
  }
}

TEST(PostgresBackendTest, FailedTransactionLeavesNoTrace) {
  ASSERT_OK_AND_ASSIGN(auto backend, Open(FreshPostgresUrl()));
  absl::Status status = backend->RunInTransaction([](Backend& b) {
    absl::Status created = b.CreateConversation(RichConversation("gone"));
    if (!created.ok()) return created;
    return absl::CancelledError("changed my mind");
  });
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kCancelled, "changed my mind"));
  EXPECT_THAT(backend->GetConversation("gone"),
              IsOkAndHolds(::testing::Eq(std::nullopt)));
}

// A bulk write large enough for COPY works behind PgBouncer in transaction
// mode (the COPY runs inside PutBatch's transaction, on one server
// connection), and a rerun replaces what it wrote.
TEST(PostgresBackendTest, BulkCopyWorksThroughPgBouncerTransactionMode) {
  // Fails, never skips, without TEST_PGBOUNCER_TRANSACTION_URL
  // (tests/pgbouncer_test_server.sh; tests/run_all.sh starts it).
  ASSERT_OK_AND_ASSIGN(std::string url,
                       NewPgBouncerTestStore(PgBouncerMode::kTransaction));
  ASSERT_OK_AND_ASSIGN(auto backend, Open(url));
  for (int messages : {40, 35}) {
    RecordBatch batch;
    Conversation c = RichConversation("bulk");
    c.clear_messages();
    for (int i = 0; i < messages; ++i) {
      *c.add_messages() = UserMessage(absl::StrCat("m\t\\", i, "\n"));
    }
    batch.conversations.push_back(c);
    ASSERT_THAT(backend->stream().PutBatch(batch), IsOk());
    ASSERT_OK_AND_ASSIGN(std::optional<Conversation> got,
                         backend->GetConversation("bulk"));
    ASSERT_TRUE(got.has_value());
    ASSERT_EQ(got->messages_size(), messages);
    EXPECT_EQ(got->messages(messages - 1).content(),
              absl::StrCat("m\t\\", messages - 1, "\n"));
  }
}

TEST(PostgresBackendTest, WrongPasswordFailsWithoutShowingIt) {
  ASSERT_OK_AND_ASSIGN(std::string base, TestPostgresUrl());
  ASSERT_OK_AND_ASSIGN(StorageUrl url, PostgresBackendType().ParseUrl(base));
  const StorageUrl::Host& host = url.hosts().front();
  const std::string wrong =
      absl::StrCat("postgresql://", url.user(), ":", kCanary, "@", host.host,
                   ":", host.port, "/", url.path());
  absl::StatusOr<std::unique_ptr<Backend>> opened = Open(wrong);
  EXPECT_THAT(opened, StatusIs(absl::StatusCode::kPermissionDenied,
                               "password authentication failed"));
  const std::string unreachable = absl::StrCat(
      "postgresql://", url.user(), ":", kCanary, "@", host.host, ":1/db");
  absl::StatusOr<std::unique_ptr<Backend>> refused = Open(unreachable);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable, ""));
  for (const absl::Status& status : {opened.status(), refused.status()}) {
    EXPECT_THAT(status.ToString(), Not(HasSubstr(kCanary)));
    EXPECT_THAT(status.ToString(), HasSubstr(":***@"));
  }
}

TEST(PostgresBackendTest, UnknownOptionIsInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(std::string url, NewPostgresTestStore("fsync=false"));
  EXPECT_THAT(Open(url),
              StatusIs(absl::StatusCode::kInvalidArgument, "option \"fsync\""));
}

TEST(PostgresBackendTest, NotAPostgresUrlIsInvalidArgument) {
  EXPECT_THAT(PostgresBackendType().ParseUrl("json:data").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "postgresql://"));
}

}  // namespace
}  // namespace testing
}  // namespace parley
