// Server-side limits (PostgreSQL): a limit the server enforces reaches the
// caller as a clear, correctly coded error, and the store works on
// afterwards: statement_timeout, idle_in_transaction_session_timeout, and a
// connection limit reached (a role's CONNECTION LIMIT: the same SQLSTATE,
// 53300, as max_connections, without starving the shared server).
#include <postgresql/libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "api/storage.h"
#include "backends/postgres/postgres_test_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

using ::testing::HasSubstr;

// The schema of a NewPostgresTestStore URL (options=-csearch_path%3D<name>).
std::string Schema(const std::string& url) {
  constexpr char kKey[] = "search_path%3D";
  const size_t at = url.find(kKey);
  if (at == std::string::npos) return "";
  const std::string rest = url.substr(at + sizeof(kKey) - 1);
  return rest.substr(0, rest.find('&'));
}

// A statement that waits past statement_timeout (an append blocked by a lock
// another session holds) fails with DeadlineExceeded naming the timeout, is
// not reported as retryable-and-stored, and the next call, once the lock is
// gone, succeeds on the same store.
TEST(ServerLimitsTest, StatementTimeoutIsDeadlineExceededAndThePoolGoesOn) {
  ASSERT_OK_AND_ASSIGN(std::string url,
                       NewPostgresTestStore("pipeline=false&pool_size=2"));
  const std::string schema = Schema(url);
  ASSERT_FALSE(schema.empty()) << url;
  url = absl::StrReplaceAll(
      url, {{"options=-csearch_path",
             "options=-cstatement_timeout%3D300%20-csearch_path"}});
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage, Storage::Open(url));
  ASSERT_THAT(storage->CreateConversation("c", "u"), IsOk());

  ASSERT_OK_AND_ASSIGN(const std::string base, TestPostgresUrl());
  std::unique_ptr<PGconn, void (*)(PGconn*)> side(PQconnectdb(base.c_str()),
                                                  PQfinish);
  ASSERT_EQ(PQstatus(side.get()), CONNECTION_OK) << PQerrorMessage(side.get());
  auto exec = [&](const std::string& sql) {
    std::unique_ptr<PGresult, void (*)(PGresult*)> result(
        PQexec(side.get(), sql.c_str()), PQclear);
    return PQresultStatus(result.get()) == PGRES_COMMAND_OK;
  };
  ASSERT_TRUE(exec(absl::StrCat("BEGIN; LOCK TABLE ", schema,
                                ".conversations IN ACCESS EXCLUSIVE MODE")))
      << PQerrorMessage(side.get());

  const absl::Time start = absl::Now();
  absl::Status blocked = storage->AddUserMessage("c", "blocked");
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(blocked.code(), absl::StatusCode::kDeadlineExceeded) << blocked;
  EXPECT_THAT(std::string(blocked.message()), HasSubstr("statement timeout"));
  EXPECT_FALSE(IsCommitOutcomeUnknown(blocked));
  EXPECT_LT(took, absl::Seconds(5)) << "the timeout did not end the wait";

  ASSERT_TRUE(exec("ROLLBACK"));
  EXPECT_THAT(storage->AddUserMessage("c", "after"), IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> back,
                       storage->GetConversation("c"));
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->messages_size(), 1) << "the timed-out append was stored";
  EXPECT_EQ(back->messages(0).content(), "after");
  std::printf(
      "RELIABILITY server-limits postgresql: statement_timeout=300ms on a "
      "blocked append -> %s after %.3f s; the next call succeeded\n",
      absl::StatusCodeToString(blocked.code()).c_str(),
      absl::ToDoubleSeconds(took));
}

// A transaction left idle past idle_in_transaction_session_timeout: the
// server ends the session. The transaction either fails with a retryable
// code and leaves nothing, or is run again on a new connection and commits
// exactly once; either way the store goes on.
TEST(ServerLimitsTest, IdleInTransactionTimeoutIsRetryableAndLeavesNoHalf) {
  ASSERT_OK_AND_ASSIGN(std::string url,
                       NewPostgresTestStore("pipeline=false&pool_size=2"));
  url = absl::StrReplaceAll(
      url, {{"options=-csearch_path",
             "options=-cidle_in_transaction_session_timeout%3D200%20-csearch_"
             "path"}});
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage, Storage::Open(url));
  ASSERT_THAT(storage->CreateConversation("c", "u"), IsOk());
  int attempts = 0;
  absl::Status status = storage->RunInTransaction([&](Storage& tx) {
    ++attempts;
    absl::Status first = tx.AddUserMessage("c", "one");
    if (!first.ok()) return first;
    if (attempts == 1) absl::SleepFor(absl::Milliseconds(700));
    return tx.AddUserMessage("c", "two");
  });
  if (!status.ok()) {
    EXPECT_TRUE(absl::IsUnavailable(status) || absl::IsAborted(status))
        << status;
    EXPECT_FALSE(IsCommitOutcomeUnknown(status)) << status;
  }
  EXPECT_THAT(storage->AddUserMessage("c", "after"), IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> back,
                       storage->GetConversation("c"));
  ASSERT_TRUE(back.has_value());
  std::vector<std::string> texts;
  for (const Message& m : back->messages()) texts.push_back(m.content());
  if (status.ok()) {
    EXPECT_THAT(texts, ::testing::ElementsAre("one", "two", "after"));
  } else {
    EXPECT_THAT(texts, ::testing::ElementsAre("after"));
  }
  std::printf(
      "RELIABILITY server-limits postgresql: idle_in_transaction_session_"
      "timeout=200ms, transaction idle 0.7 s -> %s after %d attempt(s); "
      "stored exactly once or not at all; the next call succeeded\n",
      status.ok() ? "OK (run again on a new connection)"
                  : absl::StatusCodeToString(status.code()).c_str(),
      attempts);
}

// All the connections a role may open are taken: opening a store is a
// clear error naming the cause, never a hang; once one is free, it works.
TEST(ServerLimitsTest, ConnectionLimitReachedIsClearAndPassesOff) {
  ASSERT_OK_AND_ASSIGN(const std::string base, TestPostgresUrl());
  std::unique_ptr<PGconn, void (*)(PGconn*)> admin(PQconnectdb(base.c_str()),
                                                   PQfinish);
  ASSERT_EQ(PQstatus(admin.get()), CONNECTION_OK);
  // Unique across runs against the same server (the sandbox's pid is not).
  const std::string role = absl::StrCat("parley_limit_", getpid(), "_",
                                        absl::ToUnixMicros(absl::Now()));
  const std::string password = "limit-pw-x7";
  {
    std::unique_ptr<PGresult, void (*)(PGresult*)> r(
        PQexec(admin.get(),
               absl::StrCat("CREATE ROLE ", role,
                            " LOGIN CONNECTION LIMIT 2 PASSWORD '", password,
                            "'; GRANT ALL ON SCHEMA public TO ", role)
                   .c_str()),
        PQclear);
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK)
        << PQerrorMessage(admin.get());
  }
  ASSERT_OK_AND_ASSIGN(const std::string store, NewPostgresTestStore());
  // The store's schema, for the role: its URL with the role instead.
  {
    std::unique_ptr<PGresult, void (*)(PGresult*)> r(
        PQexec(admin.get(),
               absl::StrCat("GRANT ALL ON SCHEMA ", Schema(store), " TO ", role)
                   .c_str()),
        PQclear);
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  }
  const size_t user_start = store.find("://") + 3;
  const std::string url = absl::StrCat(store.substr(0, user_start), role, ":",
                                       password, store.substr(store.find('@')),
                                       "&pipeline=false&pool_timeout=1");
  const std::string plain = absl::StrCat(base.substr(0, user_start), role, ":",
                                         password, base.substr(base.find('@')));
  std::vector<std::unique_ptr<PGconn, void (*)(PGconn*)>> hogs;
  for (int i = 0; i < 2; ++i) {
    hogs.emplace_back(PQconnectdb(plain.c_str()), PQfinish);
    ASSERT_EQ(PQstatus(hogs.back().get()), CONNECTION_OK)
        << PQerrorMessage(hogs.back().get());
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<Storage>> refused = Storage::Open(url);
  const absl::Duration took = absl::Now() - start;
  ASSERT_FALSE(refused.ok());
  // Not PermissionDenied: it heals once a connection closes.
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted)
      << refused.status();
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("too many connections"));
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::Not(HasSubstr(password)));
  EXPECT_LT(took, absl::Seconds(5));
  hogs.pop_back();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage, Storage::Open(url));
  EXPECT_THAT(storage->CreateConversation("c", "u"), IsOk());
  EXPECT_THAT(storage->AddUserMessage("c", "works"), IsOk());
  std::printf(
      "RELIABILITY server-limits postgresql: connection limit reached -> %s "
      "in %.3f s (\"too many connections\"); works once a connection is "
      "free\n",
      absl::StatusCodeToString(refused.status().code()).c_str(),
      absl::ToDoubleSeconds(took));
}

}  // namespace
}  // namespace testing
}  // namespace parley
