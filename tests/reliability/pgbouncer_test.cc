// PostgreSQL through PgBouncer 1.18 (tests/pgbouncer_test_server.sh), as a new
// user meets it: default URL options, transaction and session mode.
//
// Issue 16: `parley migrate --from json:... --to postgresql://...@pgbouncer/...
// --verify` committed the copy and then failed its verify step with
// `prepared statement "parley_0" already exists (SQLSTATE 42P05)`: in
// transaction mode one server session serves many clients in turn, and a
// named statement one client prepared is there when the next client
// prepares its own of the same name. Parley now sees the pooler when it
// connects and then uses no named statements and no pipeline.
#include <sys/wait.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "api/storage.h"
#include "backends/builtin_backends.h"
#include "backends/postgres/postgres_connection.h"
#include "backends/postgres/postgres_test_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/url.h"
#include "tests/reliability/store_files.h"
#include "tests/reliability/subprocess.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace parley {
namespace testing {
namespace {

using ::testing::HasSubstr;

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CliResult RunCli(std::vector<std::string> args) {
  const std::string parley = RunfilePath("cli/parley");
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1",
                                   parley};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess process(argv);
  std::vector<std::string> lines;
  const absl::Time deadline = absl::Now() + absl::Seconds(120);
  while (absl::Now() < deadline && process.ReadLinesUntil(deadline, &lines)) {
  }
  const int status = process.Wait();
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  result.output = absl::StrJoin(lines, "\n");
  return result;
}

absl::StatusOr<bool> BehindPooler(const std::string& url_text) {
  absl::StatusOr<StorageUrl> url = ParseDatabaseUrl(url_text);
  if (!url.ok()) return url.status();
  absl::StatusOr<postgres::PostgresConnectParams> params =
      postgres::PostgresConnectParams::FromUrl(*url);
  if (!params.ok()) return params.status();
  absl::StatusOr<std::unique_ptr<postgres::PostgresConnection>> connection =
      postgres::PostgresConnection::Open(*params);
  if (!connection.ok()) return connection.status();
  return (*connection)->behind_pooler();
}

TEST(PgBouncerTest, ConnectionSeesThePoolerAndTheDirectServer) {
  ASSERT_OK_AND_ASSIGN(const std::string direct, NewPostgresTestStore());
  ASSERT_OK_AND_ASSIGN(const std::string transaction,
                       NewPgBouncerTestStore(PgBouncerMode::kTransaction));
  ASSERT_OK_AND_ASSIGN(const std::string session,
                       NewPgBouncerTestStore(PgBouncerMode::kSession));
  EXPECT_THAT(BehindPooler(direct), IsOkAndHolds(false));
  EXPECT_THAT(BehindPooler(transaction), IsOkAndHolds(true));
  EXPECT_THAT(BehindPooler(session), IsOkAndHolds(true));
}

// The report, run as the user ran it: migrate --verify, twice (the
// second run's clients get server sessions the first run's clients used),
// then a third client writing and reading back, in both modes.
TEST(PgBouncerTest, MigrateVerifyWithDefaultOptions) {
  const std::string source = "json:" + FreshTempDir("pgbouncer_source");
  CliResult demo = RunCli({"demo", "--url", source});
  ASSERT_EQ(demo.exit_code, 0) << demo.output;
  for (PgBouncerMode mode :
       {PgBouncerMode::kTransaction, PgBouncerMode::kSession}) {
    SCOPED_TRACE(mode == PgBouncerMode::kTransaction ? "transaction mode"
                                                     : "session mode");
    ASSERT_OK_AND_ASSIGN(const std::string destination,
                         NewPgBouncerTestStore(mode));
    for (int run = 1; run <= 2; ++run) {
      CliResult migrate = RunCli(
          {"migrate", "--from", source, "--to", destination, "--verify"});
      EXPECT_EQ(migrate.exit_code, 0) << "run " << run << ":\n"
                                      << migrate.output;
      EXPECT_THAT(migrate.output, HasSubstr("verify: no differences"));
      EXPECT_THAT(migrate.output, ::testing::Not(HasSubstr("42P05")));
    }
    CliResult verify =
        RunCli({"verify", "--from", source, "--to", destination});
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
  }
}

// An explicit prepared_statements=true is honoured behind a pooler (session
// mode keeps a session per client, so it is correct there).
TEST(PgBouncerTest, ExplicitPreparedStatementsInSessionMode) {
  ASSERT_OK_AND_ASSIGN(
      const std::string url,
      NewPgBouncerTestStore(PgBouncerMode::kSession,
                            "prepared_statements=true&pipeline=false"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage,
                       Storage::Open(url, StorageOptions()));
  ASSERT_THAT(storage->CreateConversation("c", "u"), IsOk());
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(storage->AddUserMessage("c", absl::StrCat("m", i)), IsOk());
  }
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> back,
                       storage->GetConversation("c"));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->messages_size(), 20);
}

}  // namespace
}  // namespace testing
}  // namespace parley
