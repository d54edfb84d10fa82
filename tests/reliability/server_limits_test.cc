// Server-side limits (PostgreSQL): a limit the server enforces reaches the
// caller as a clear, correctly coded error, and the store works on
// afterwards. So far: statement_timeout.
#include <postgresql/libpq-fe.h>

#include <memory>
#include <optional>
#include <string>

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
      url, {{"options=-csearch_path", "options=-cstatement_timeout%3D300%20-csearch_path"}});
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

}  // namespace
}  // namespace testing
}  // namespace parley
