// Migration between stores: round trips through every backend with zero
// differences (json -> json/sqlite -> json, and json -> postgresql -> sqlite
// -> json), idempotent re-runs, all-or-nothing destinations under an
// injected failure and under SIGKILL, export/import, unreadable source
// records, and the bulk operations migration writes and compares with.
//
// The PostgreSQL stores live on the throwaway server TEST_POSTGRES_URL names
// (tests/pg_test_server.sh); without it the test fails, it never skips.
//
// The council-workload case loads the WORKLOAD.md default store, U=200 users
// (C=10, E=3: 2,400 records, 12,000 messages, ~57 MB of JSON);
// --test_env=PARLEY_MIGRATION_USERS=N runs another size.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/storage.h"
#include "backends/builtin_backends.h"
#include "backends/json/json_import.h"
#include "backends/json/json_type.h"
#include "backends/postgres/postgres_test_connection.h"
#include "backends/postgres/postgres_test_store.h"
#include "cli/workload.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/backend.h"
#include "storage/export_format.h"
#include "storage/migrate.h"
#include "storage/migrate_source.h"
#include "storage/migrate_verify.h"
#include "storage/progress.h"
#include "storage/record_digest.h"
#include "storage/status_macros.h"
#include "storage/url.h"
#include "tests/fault_injecting_backend.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace parley {
namespace testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

BackendOpener PlainOpener() {
  return [](const StorageUrl& url, const BackendOptions& options) {
    return OpenBackend(url, options);
  };
}

std::string JsonUrl(const std::string& dir) {
  return absl::StrCat("json:", dir, "?fsync=false");
}

std::string SqliteUrl(const std::string& file) {
  return absl::StrCat("sqlite:///", file);  // file is absolute: sqlite:////x
}

// Whether sqlite:/// opens yet (the SQLite backend is registered by the
// lead once it is finished). Until then the middle store is JSON.
bool SqliteAvailable() {
  static const bool available = [] {
    absl::StatusOr<StorageUrl> url =
        ParseDatabaseUrl(SqliteUrl(FreshTempDir("sqlite_probe") + "/probe.db"));
    return url.ok() && OpenBackend(*url, BackendOptions()).ok();
  }();
  return available;
}

// A fresh empty store of each backend: json and sqlite in temporary
// folders, postgresql in a new schema on the test server (a test failure,
// naming the cause, when there is none).
std::vector<std::pair<std::string, std::string>> FreshStores(
    const std::string& name) {
  std::vector<std::pair<std::string, std::string>> stores;
  stores.emplace_back("json", JsonUrl(FreshTempDir(name) + "/store"));
  EXPECT_TRUE(SqliteAvailable());
  stores.emplace_back("sqlite", SqliteUrl(FreshTempDir(name) + "/store.db"));
  stores.emplace_back("postgresql", FreshPostgresUrl());
  return stores;
}

StorageUrl Url(const std::string& text) {
  absl::StatusOr<StorageUrl> url = ParseDatabaseUrl(text);
  EXPECT_THAT(url.status(), IsOk());
  // A URL that did not parse (no test server) fails the test, not the
  // process: the empty StorageUrl opens nothing.
  return url.ok() ? *url : StorageUrl();
}

// Counts and digests of the store `url` names.
absl::StatusOr<StoreDigest> Digest(const std::string& url) {
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend,
                   OpenSourceStore(Url(url), PlainOpener()));
  auto source = BackendRecordSource(*backend, url);
  return DigestStore(*source);
}

// Every file under `dir` (the lock file aside) with its bytes: a JSON store
// exactly as it is on disk.
std::map<std::string, std::string> Tree(const std::string& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string rel = fs::relative(entry.path(), dir).string();
    if (rel == ".parley.lock") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    files[rel] = bytes.str();
  }
  return files;
}

std::vector<std::string> Leftovers(const std::string& store_dir) {
  std::vector<std::string> found;
  const fs::path parent = fs::path(store_dir).parent_path();
  const std::string base = fs::path(store_dir).filename().string();
  for (const auto& entry : fs::directory_iterator(parent)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(base + ".parley-", 0) == 0) found.push_back(name);
  }
  return found;
}

std::string JsonDir(const std::string& url) { return Url(url).path(); }

absl::StatusOr<MigrationStats> Migrate(const std::string& from,
                                       const std::string& to,
                                       MigrateOptions options = {},
                                       BackendOpener open = PlainOpener()) {
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend,
                   OpenSourceStore(Url(from), PlainOpener()));
  auto source = BackendRecordSource(*backend, from);
  return MigrateInto(*source, Url(to), open, options);
}

absl::StatusOr<VerifyReport> Verify(const std::string& from,
                                    const std::string& to) {
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> a,
                   OpenSourceStore(Url(from), PlainOpener()));
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> b,
                   OpenSourceStore(Url(to), PlainOpener()));
  auto x = BackendRecordSource(*a, from);
  auto y = BackendRecordSource(*b, to);
  return VerifyStores(*x, *y, VerifyOptions());
}

std::string Describe(const VerifyReport& report) {
  std::string out = absl::StrCat(report.differences(), " differences");
  for (const RecordDifference& d : report.first_differences) {
    absl::StrAppend(&out, "; ", RecordKindName(d.kind), " ", d.id, ": ",
                    d.what);
  }
  return out;
}

// Migrates `from` into `to` and checks: nothing bad, verify finds zero
// differences, a second run adds and updates nothing, the source is as it
// was.
void MigrateCleanly(const std::string& from, const std::string& to) {
  SCOPED_TRACE(absl::StrCat(from, " -> ", to));
  ASSERT_OK_AND_ASSIGN(StoreDigest source_before, Digest(from));
  ASSERT_OK_AND_ASSIGN(MigrationStats first, Migrate(from, to));
  EXPECT_EQ(first.records_bad(), 0);
  EXPECT_EQ(first.records_read(), source_before.counts[0] +
                                      source_before.counts[1] +
                                      source_before.counts[2]);
  ASSERT_OK_AND_ASSIGN(VerifyReport report, Verify(from, to));
  EXPECT_TRUE(report.clean(false)) << Describe(report);
  EXPECT_EQ(report.messages.in_source, source_before.messages);
  EXPECT_EQ(report.messages.in_destination, source_before.messages);
  ASSERT_OK_AND_ASSIGN(MigrationStats second, Migrate(from, to));
  for (int k = 0; k < kRecordKinds; ++k) {
    EXPECT_EQ(second.kinds[k].added, 0) << k;
    EXPECT_EQ(second.kinds[k].updated, 0) << k;
    EXPECT_EQ(second.kinds[k].unchanged, first.kinds[k].read) << k;
  }
  ASSERT_OK_AND_ASSIGN(StoreDigest source_after, Digest(from));
  EXPECT_EQ(source_after, source_before) << "the source changed";
  ASSERT_OK_AND_ASSIGN(StoreDigest destination, Digest(to));
  EXPECT_EQ(destination, source_before) << destination.DebugString();
}

// Migrates along `chain` (each leg clean: verified, idempotent, source
// untouched) and checks that its end equals its start.
void MigrateAlong(const std::vector<std::string>& chain) {
  ASSERT_OK_AND_ASSIGN(StoreDigest start, Digest(chain.front()));
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    MigrateCleanly(chain[i], chain[i + 1]);
    if (::testing::Test::HasFatalFailure()) return;
  }
  ASSERT_OK_AND_ASSIGN(StoreDigest finish, Digest(chain.back()));
  EXPECT_EQ(finish, start);
  ASSERT_OK_AND_ASSIGN(VerifyReport report,
                       Verify(chain.front(), chain.back()));
  EXPECT_TRUE(report.clean(false)) << Describe(report);
}

std::string FreshJson(const std::string& name) {
  return JsonUrl(FreshTempDir(name) + "/store");
}
std::string FreshSqlite(const std::string& name) {
  return SqliteUrl(FreshTempDir(name) + "/store.db");
}

// json -> json -> json and json -> sqlite -> json, each leg clean, each end
// equal to the start.
void RoundTripWithoutPostgres(const std::string& json_source) {
  {
    SCOPED_TRACE("json -> json -> json");
    MigrateAlong({json_source, FreshJson("middle"), FreshJson("end")});
  }
  {
    SCOPED_TRACE("json -> sqlite -> json");
    MigrateAlong({json_source, FreshSqlite("middle"), FreshJson("end")});
  }
}

// json -> postgresql -> sqlite -> json, each leg clean, the end equal to the
// start.
void RoundTripThroughPostgres(const std::string& json_source) {
  SCOPED_TRACE("json -> postgresql -> sqlite -> json");
  MigrateAlong({json_source, FreshPostgresUrl(), FreshSqlite("middle"),
                FreshJson("end")});
}

void RoundTrip(const std::string& json_source) {
  RoundTripWithoutPostgres(json_source);
  RoundTripThroughPostgres(json_source);
}

std::string GoldenCopy() {
  const std::string dir = FreshTempDir("golden") + "/store";
  fs::copy("tests/testdata/golden", dir, fs::copy_options::recursive);
  return JsonUrl(dir);
}

// Unknown keys everywhere, users without a profile, exact numbers.
std::string OddStore() {
  const std::string url = JsonUrl(FreshTempDir("odd") + "/store");
  auto storage = Storage::Open(url);
  EXPECT_THAT(storage.status(), IsOk());
  Storage& s = **storage;
  EXPECT_THAT(s.CreateUserProfile(
                  "user_p", "p@example.com",
                  R"({"gender":"x","age_range":"18-24","mood":"ok",)"
                  R"("nested":{"z":1,"a":[1e-07,-0.0,"caf\u00e9 😀"]}})"),
              IsOk());
  EXPECT_THAT(s.CreateSubscription("user_p", "monthly"), IsOk());
  EXPECT_THAT(
      s.UpdateSubscription(
          "user_p", R"({"stripe_customer_id":"cus_1","stripe_subscription_id":)"
                    R"("sub_1","big":9007199254740993,"ratio":1.75})"),
      IsOk());
  // A user with a subscription and conversations but no profile.
  EXPECT_THAT(s.CreateSubscription("ghost", "yearly"), IsOk());
  EXPECT_THAT(s.CreateConversation("ghost-conv-1", "ghost", "yearly"), IsOk());
  EXPECT_THAT(s.AddUserMessage("ghost-conv-1", "naïve ✓ 日本語"), IsOk());
  EXPECT_THAT(s.AddAssistantMessage(
                  "ghost-conv-1", R"([{"model":"m","response":"r"}])",
                  R"([{"model":"m","ranking":"1","parsed_ranking":["m"]}])",
                  R"({"model":"m","response":"final"})",
                  R"({"request_id":9007199254740993,"average_rank":1.75})"),
              IsOk());
  EXPECT_THAT(s.UpdateConversation(
                  "ghost-conv-1",
                  R"({"rating":5,"weight":1.0,"title":null,"tags":["a"]})"),
              IsOk());
  // A user with only a conversation.
  EXPECT_THAT(s.CreateConversation("lonely-conv", "nobody", "free"), IsOk());
  // A hand-written record: keys in an odd order, unknown keys in a message.
  Conversation c;
  c.set_id("hand-written");
  c.set_user_id("nobody");
  c.set_created_at("2025-12-04T10:11:12");
  for (const char* key :
       {"user_id", "id", "messages", "created_at", "legacy"}) {
    c.add_key_order(key);
  }
  JsonField* legacy = c.add_extra();
  legacy->set_key("legacy");
  legacy->set_json(R"({"v":2,"list":[true,null]})");
  Message* m = c.add_messages();
  m->set_role("user");
  m->set_content("hello");
  JsonField* client = m->add_extra();
  client->set_key("client");
  client->set_json(R"("web")");
  for (const char* key : {"role", "client", "content"}) m->add_key_order(key);
  EXPECT_THAT(s.SaveConversation(c), IsOk());
  return url;
}

// WORKLOAD.md's default U.
constexpr int kWorkloadDefaultUsers = 200;

// U for the json and sqlite round trips of the workload store: 40 unless
// PARLEY_MIGRATION_USERS says otherwise. With U=200 for them too the whole
// test took about 5 minutes in fastbuild on 2 cores (300 s, against 95 s
// so); the PostgreSQL round trip always runs at U=200.
int WorkloadUsers() {
  int users = 40;
  const char* env = std::getenv("PARLEY_MIGRATION_USERS");
  if (env != nullptr && !absl::SimpleAtoi(env, &users)) users = 40;
  return users;
}

std::string WorkloadStore(int users) {
  const std::string url = JsonUrl(FreshTempDir("workload") + "/store");
  WorkloadParams params;
  params.users = users;
  auto storage = Storage::Open(url);
  EXPECT_THAT(storage.status(), IsOk());
  EXPECT_THAT(LoadUsers(**storage, Workload(params), 0, users), IsOk());
  return url;
}

// What json.dump wrote and a store of the original can hold: U+0000 and
// other control characters, lone surrogates, NaN and the infinities, in
// texts and payloads of every kind.
std::string PythonValuesStore() {
  const std::string url = JsonUrl(FreshTempDir("python-values") + "/store");
  auto storage = Storage::Open(url);
  EXPECT_THAT(storage.status(), IsOk());
  Storage& s = **storage;
  const std::string nul = std::string("a\0b", 3);
  const std::string surrogate = "lone \xED\xB2\x80 and \xED\xA0\x80x";
  EXPECT_THAT(
      s.CreateUserProfile("u1", nul, R"({"mood":"\u0000\udc80","gender":NaN})"),
      IsOk());
  EXPECT_THAT(s.CreateSubscription("u1", surrogate), IsOk());
  EXPECT_THAT(s.UpdateSubscription(
                  "u1", R"({"status":"x\u0000","stripe_subscription_id":)"
                        R"("sub\u0000\udc80","ratio":-Infinity})"),
              IsOk());
  EXPECT_THAT(s.CreateConversation("c1", "u1"), IsOk());
  EXPECT_THAT(s.UpdateConversationTitle("c1", nul), IsOk());
  EXPECT_THAT(s.AddUserMessage("c1", surrogate + nul), IsOk());
  EXPECT_THAT(s.AddAssistantMessage(
                  "c1", R"([{"r":NaN,"s":"\udfff"}])", "[Infinity,-Infinity]",
                  R"({"t":"\u0000\u001f"})", R"({"average_rank":NaN})"),
              IsOk());
  EXPECT_THAT(s.SaveFollowUpAnswers("c1", R"({"q":[NaN,"\ud800x"]})"), IsOk());
  EXPECT_THAT(
      s.UpdateConversation("c1", R"({"note":"\u0000","expires_at":"\udc80"})"),
      IsOk());
  return url;
}

TEST(MigrationTest, PythonValuesRoundTripByteForByte) {
  const std::string source = PythonValuesStore();
  const std::string sqlite = FreshSqlite("middle");
  const std::string end = FreshJson("end");
  MigrateAlong({source, FreshPostgresUrl(), sqlite, end});
  EXPECT_EQ(Tree(JsonDir(end)), Tree(JsonDir(source)));
  EXPECT_FALSE(Tree(JsonDir(source)).empty());
}

TEST(MigrationTest, GoldenStoreRoundTripsWithZeroDifferences) {
  RoundTrip(GoldenCopy());
}

TEST(MigrationTest, UnknownKeysAndProfilelessUsersRoundTrip) {
  RoundTrip(OddStore());
}

TEST(MigrationTest, WorkloadStoreRoundTripsWithZeroDifferences) {
  const int users = WorkloadUsers();
  const std::string source = WorkloadStore(users);
  ASSERT_OK_AND_ASSIGN(StoreDigest digest, Digest(source));
  EXPECT_EQ(digest.counts[0], users);
  EXPECT_EQ(digest.counts[2], users * 10);
  EXPECT_EQ(digest.messages, users * 10 * 6);
  RoundTripWithoutPostgres(source);
}

// The WORKLOAD.md default store (2,400 records, 12,000 messages, ~57 MB of
// JSON) through PostgreSQL and SQLite and back.
TEST(MigrationTest, DefaultWorkloadStoreRoundTripsThroughPostgres) {
  const int users = std::max(WorkloadUsers(), kWorkloadDefaultUsers);
  const std::string source = WorkloadStore(users);
  ASSERT_OK_AND_ASSIGN(StoreDigest digest, Digest(source));
  EXPECT_EQ(digest.counts[0], users);
  EXPECT_EQ(digest.counts[1], users);
  EXPECT_EQ(digest.counts[2], users * 10);
  EXPECT_EQ(digest.messages, users * 10 * 6);
  RoundTripThroughPostgres(source);
}

TEST(MigrationTest, SourceWinsOverADifferentDestinationRecord) {
  const std::string source = GoldenCopy();
  for (const auto& [name, destination] : FreshStores("wins")) {
    SCOPED_TRACE(name);
    ASSERT_THAT(Migrate(source, destination).status(), IsOk());
    {
      auto storage = Storage::Open(destination);
      ASSERT_THAT(storage.status(), IsOk());
      ASSERT_THAT((*storage)->UpdateConversationTitle(
                      "legacy-conversation-0001", "secret title"),
                  IsOk());
      ASSERT_THAT((*storage)->CreateConversation("extra-conv", "someone"),
                  IsOk());
      ASSERT_THAT((*storage)->AddUserMessage(
                      "3f2b8c1e-7a4d-4e2b-9c1a-5d6e7f809a1b", "one more"),
                  IsOk());
    }
    ASSERT_OK_AND_ASSIGN(VerifyReport before, Verify(source, destination));
    EXPECT_FALSE(before.clean(false));
    const KindComparison& conversations = before.of(RecordKind::kConversation);
    EXPECT_EQ(conversations.different, 2);
    EXPECT_EQ(conversations.extra, 1);
    EXPECT_EQ(conversations.missing, 0);
    EXPECT_EQ(before.messages.extra, 1);
    ASSERT_EQ(before.first_differences.size(), 3u);
    std::string listed;
    for (const RecordDifference& d : before.first_differences) {
      absl::StrAppend(&listed, d.id, ": ", d.what, "\n");
    }
    EXPECT_THAT(listed, HasSubstr("legacy-conversation-0001: key \"title\""));
    EXPECT_THAT(listed, HasSubstr("extra-conv: only in destination"));
    EXPECT_THAT(listed, HasSubstr("messages: 4 in source, 5 in destination"));
    EXPECT_THAT(listed, Not(HasSubstr("secret")));

    ASSERT_OK_AND_ASSIGN(MigrationStats stats, Migrate(source, destination));
    EXPECT_EQ(stats.of(RecordKind::kConversation).updated, 2);
    EXPECT_EQ(stats.of(RecordKind::kConversation).added, 0);
    ASSERT_OK_AND_ASSIGN(VerifyReport after, Verify(source, destination));
    EXPECT_EQ(after.differences(), 1);  // the extra record is kept
    EXPECT_EQ(after.of(RecordKind::kConversation).extra, 1);
  }
}

TEST(MigrationTest, MissingRecordsAreReported) {
  const std::string source = GoldenCopy();
  const std::string destination = JsonUrl(FreshTempDir("missing") + "/store");
  ASSERT_THAT(Migrate(source, destination).status(), IsOk());
  fs::remove(JsonDir(destination) + "/data/subscriptions/user_a.json");
  ASSERT_OK_AND_ASSIGN(VerifyReport report, Verify(source, destination));
  EXPECT_EQ(report.of(RecordKind::kSubscription).missing, 1);
  EXPECT_EQ(report.of(RecordKind::kSubscription).in_destination, 1);
  ASSERT_EQ(report.first_differences.size(), 1u);
  EXPECT_EQ(report.first_differences[0].id, "user_a");
  EXPECT_NE(report.of(RecordKind::kSubscription).source_digest,
            report.of(RecordKind::kSubscription).destination_digest);
}

TEST(MigrationTest, InjectedFailureMidwayLeavesTheDestinationUnchanged) {
  const std::string source = OddStore();
  for (const auto& [name, destination] : FreshStores("fault")) {
    SCOPED_TRACE(name);
    // The destination already holds something, which must survive as is.
    ASSERT_THAT(Migrate(GoldenCopy(), destination).status(), IsOk());
    ASSERT_OK_AND_ASSIGN(StoreDigest before, Digest(destination));
    const auto tree_before =
        name == "json" ? Tree(JsonDir(destination)) : decltype(Tree("")){};
    int64_t attempted = 0;
    BackendOpener failing = [&attempted](const StorageUrl& url,
                                         const BackendOptions& options)
        -> absl::StatusOr<std::unique_ptr<Backend>> {
      ASSIGN_OR_RETURN(std::unique_ptr<Backend> inner,
                       OpenBackend(url, options));
      ++attempted;
      return std::make_unique<FaultInjectingBackend>(std::move(inner), 3);
    };
    absl::StatusOr<MigrationStats> result =
        Migrate(source, destination, MigrateOptions(), failing);
    EXPECT_THAT(result.status(),
                StatusIs(absl::StatusCode::kUnavailable, "injected fault"));
    EXPECT_THAT(result.status(), StatusIs(absl::StatusCode::kUnavailable,
                                          "the destination is unchanged"));
    EXPECT_GE(attempted, 1);
    ASSERT_OK_AND_ASSIGN(StoreDigest after, Digest(destination));
    EXPECT_EQ(after, before);
    if (name == "json") {
      EXPECT_EQ(Tree(JsonDir(destination)), tree_before);
      EXPECT_THAT(Leftovers(JsonDir(destination)), ::testing::IsEmpty());
    }
    // And a run without the fault then succeeds.
    ASSERT_THAT(Migrate(source, destination).status(), IsOk());
    ASSERT_OK_AND_ASSIGN(VerifyReport report, Verify(source, destination));
    EXPECT_EQ(report.of(RecordKind::kConversation).missing, 0);
    EXPECT_EQ(report.of(RecordKind::kConversation).different, 0);
    EXPECT_EQ(report.of(RecordKind::kConversation).extra, 4);  // golden's
  }
}

// The bulk path itself failing midway: PostgreSQL refuses one conversation
// of the second batch (a trigger raises), after the first batch and every
// profile and subscription were written in the same transaction.
TEST(MigrationTest, FailedBatchLeavesThePostgresDestinationUnchanged) {
  const std::string source = OddStore();
  const std::string destination = FreshPostgresUrl();
  ASSERT_THAT(Migrate(GoldenCopy(), destination).status(), IsOk());
  ASSERT_OK_AND_ASSIGN(StoreDigest before, Digest(destination));
  ASSERT_OK_AND_ASSIGN(auto admin, ConnectForTest(destination));
  ASSERT_THAT(admin->ExecuteScript(R"sql(
CREATE FUNCTION parley_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id = 'lonely-conv' THEN
    RAISE EXCEPTION 'injected fault at conversation %', NEW.id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER parley_test_fault BEFORE INSERT OR UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION parley_test_fault();
)sql"),
              IsOk());
  MigrateOptions options;
  options.batch_size = 2;  // conversations: [ghost-conv-1, hand-written], ...
  int64_t handled = 0;
  options.after_record_for_testing = [&](int64_t done) { handled = done; };
  absl::Status failed = Migrate(source, destination, options).status();
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kUnknown,
                               "injected fault at conversation lonely-conv"));
  EXPECT_THAT(failed.message(), HasSubstr("write 1 conversations"));
  EXPECT_THAT(failed.message(), HasSubstr("the destination is unchanged"));
  EXPECT_EQ(handled, 5);  // 1 profile, 2 subscriptions, 2 conversations
  ASSERT_OK_AND_ASSIGN(StoreDigest after, Digest(destination));
  EXPECT_EQ(after, before);

  ASSERT_THAT(admin->ExecuteScript("DROP TRIGGER parley_test_fault ON "
                                   "conversations"),
              IsOk());
  ASSERT_OK_AND_ASSIGN(MigrationStats stats,
                       Migrate(source, destination, options));
  EXPECT_EQ(stats.records_written(), 6);
  ASSERT_OK_AND_ASSIGN(VerifyReport report, Verify(source, destination));
  for (int k = 0; k < kRecordKinds; ++k) {
    EXPECT_EQ(report.kinds[k].missing, 0) << Describe(report);
    EXPECT_EQ(report.kinds[k].different, 0) << Describe(report);
  }
}

TEST(MigrationTest, KilledMigrationLeavesTheDestinationUnchanged) {
  const std::string source = WorkloadStore(3);  // 36 records
  for (const auto& [name, destination] : FreshStores("killed")) {
    SCOPED_TRACE(name);
    ASSERT_THAT(Migrate(GoldenCopy(), destination).status(), IsOk());
    ASSERT_OK_AND_ASSIGN(StoreDigest before, Digest(destination));
    const auto tree_before =
        name == "json" ? Tree(JsonDir(destination)) : decltype(Tree("")){};
    std::fflush(nullptr);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      MigrateOptions options;
      options.after_record_for_testing = [](int64_t done) {
        if (done == 20) ::raise(SIGKILL);
      };
      absl::Status status = Migrate(source, destination, options).status();
      ::_exit(status.ok() ? 0 : 1);  // not reached: killed at record 20
    }
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wait_status));
    EXPECT_EQ(WTERMSIG(wait_status), SIGKILL);
    ASSERT_OK_AND_ASSIGN(StoreDigest after, Digest(destination));
    EXPECT_EQ(after, before);
    if (name == "json") {
      EXPECT_EQ(Tree(JsonDir(destination)), tree_before);
      EXPECT_THAT(
          Leftovers(JsonDir(destination)),
          ::testing::ElementsAre(absl::StrCat("store.parley-staging-", child)));
    }
    // The next run removes the leftover and succeeds.
    ASSERT_OK_AND_ASSIGN(MigrationStats stats, Migrate(source, destination));
    EXPECT_EQ(stats.records_written(), 36);
    if (name == "json") {
      EXPECT_THAT(Leftovers(JsonDir(destination)), ::testing::IsEmpty());
    }
    ASSERT_OK_AND_ASSIGN(VerifyReport report, Verify(source, destination));
    EXPECT_EQ(report.of(RecordKind::kConversation).missing, 0);
    EXPECT_EQ(report.of(RecordKind::kConversation).different, 0);
  }
}

TEST(MigrationTest, ExportImportVerifyIsClean) {
  const std::string source = OddStore();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> backend,
                       OpenSourceStore(Url(source), PlainOpener()));
  auto records = BackendRecordSource(*backend, source);
  const std::string file = FreshTempDir("export") + "/all.ndjson";
  ASSERT_OK_AND_ASSIGN(MigrationStats exported,
                       ExportToFile(*records, file, ExportOptions()));
  EXPECT_EQ(exported.records_read(), 6);
  auto export_file = ExportFileSource(file);
  ASSERT_OK_AND_ASSIGN(StoreCounts counts, export_file->Count());
  EXPECT_EQ(counts.profiles, 1);
  EXPECT_EQ(counts.subscriptions, 2);
  EXPECT_EQ(counts.conversations, 3);
  EXPECT_EQ(counts.messages, 3);
  // The file itself verifies against the store.
  ASSERT_OK_AND_ASSIGN(VerifyReport direct,
                       VerifyStores(*export_file, *records, VerifyOptions()));
  EXPECT_TRUE(direct.clean(false)) << Describe(direct);

  for (const auto& [name, destination] : FreshStores("import")) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(
        MigrationStats imported,
        MigrateInto(*export_file, Url(destination), PlainOpener(), {}));
    EXPECT_EQ(imported.records_written(), 6);
    ASSERT_OK_AND_ASSIGN(VerifyReport report, Verify(source, destination));
    EXPECT_TRUE(report.clean(false)) << Describe(report);
    ASSERT_OK_AND_ASSIGN(
        MigrationStats again,
        MigrateInto(*export_file, Url(destination), PlainOpener(), {}));
    EXPECT_EQ(again.records_written(), 0);
  }
}

TEST(MigrationTest, TruncatedExportImportsNothing) {
  const std::string source = GoldenCopy();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> backend,
                       OpenSourceStore(Url(source), PlainOpener()));
  auto records = BackendRecordSource(*backend, source);
  const std::string file = FreshTempDir("truncated") + "/all.ndjson";
  ASSERT_THAT(ExportToFile(*records, file, ExportOptions()).status(), IsOk());
  // Drop the trailer, as a copy cut short would.
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_GE(lines.size(), 3u);
  lines.pop_back();
  std::ofstream(file, std::ios::trunc) << absl::StrJoin(lines, "\n") << "\n";
  auto export_file = ExportFileSource(file);
  EXPECT_THAT(export_file->Count().status(),
              StatusIs(absl::StatusCode::kDataLoss, "no trailer"));
  const std::string destination = JsonUrl(FreshTempDir("trunc") + "/store");
  EXPECT_THAT(
      MigrateInto(*export_file, Url(destination), PlainOpener(), {}).status(),
      StatusIs(absl::StatusCode::kDataLoss, "no trailer"));
  EXPECT_FALSE(fs::exists(JsonDir(destination)));
  EXPECT_THAT(Leftovers(JsonDir(destination)), ::testing::IsEmpty());
}

TEST(MigrationTest, ExportOutOfOrderIsDataLoss) {
  const std::string file = FreshTempDir("order") + "/bad.ndjson";
  std::ofstream(file)
      << R"({"format":"parley-export","version":1})"
         "\n"
      << R"({"kind":"profile","record":{"user_id":"b"}})"
         "\n"
      << R"({"kind":"profile","record":{"user_id":"a"}})"
         "\n"
      << R"({"format":"parley-export-end","counts":{"profiles":2,)"
         R"("subscriptions":0,"conversations":0,"messages":0}})"
         "\n";
  auto export_file = ExportFileSource(file);
  EXPECT_THAT(
      DigestStore(*export_file).status(),
      StatusIs(absl::StatusCode::kDataLoss, ":3: records out of order"));
}

TEST(MigrationTest, CorruptSourceFileStopsTheMigrationNamingIt) {
  const std::string source = GoldenCopy();
  const std::string broken =
      JsonDir(source) + "/conversations/broken-conversation.json";
  std::ofstream(broken) << R"({"id": "broken-conversation", "user_id": )";
  for (const auto& [name, destination] : FreshStores("corrupt")) {
    SCOPED_TRACE(name);
    EXPECT_THAT(Migrate(source, destination).status(),
                StatusIs(absl::StatusCode::kDataLoss,
                         "conversations/broken-conversation.json"));
    if (name == "json") {
      EXPECT_FALSE(fs::exists(JsonDir(destination)));
    }

    MigrateOptions skip;
    skip.skip_bad = true;
    ASSERT_OK_AND_ASSIGN(MigrationStats stats,
                         Migrate(source, destination, skip));
    EXPECT_EQ(stats.of(RecordKind::kConversation).bad, 1);
    EXPECT_EQ(stats.of(RecordKind::kConversation).added, 4);
    ASSERT_EQ(stats.bad.size(), 1u);
    EXPECT_EQ(stats.bad[0].id, "broken-conversation");
    EXPECT_THAT(stats.bad[0].error,
                HasSubstr("conversations/broken-conversation.json"));

    ASSERT_OK_AND_ASSIGN(VerifyReport report, Verify(source, destination));
    EXPECT_EQ(report.of(RecordKind::kConversation).bad_source, 1);
    EXPECT_EQ(report.differences(), 0) << Describe(report);
    EXPECT_FALSE(report.clean(/*allow_bad_source=*/false));
    EXPECT_TRUE(report.clean(/*allow_bad_source=*/true));
  }
}

TEST(MigrationTest, MissingSourceAndSameStoreAreRefused) {
  const std::string nowhere = JsonUrl(FreshTempDir("nowhere") + "/absent");
  EXPECT_THAT(OpenSourceStore(Url(nowhere), PlainOpener()).status(),
              StatusIs(absl::StatusCode::kNotFound, "does not exist"));
  EXPECT_FALSE(fs::exists(JsonDir(nowhere)));
  const std::string dir = FreshTempDir("same");
  EXPECT_THAT(CheckDistinctStores(Url("json:" + dir), Url("json:" + dir + "/")),
              StatusIs(absl::StatusCode::kInvalidArgument, "same store"));
  EXPECT_THAT(
      CheckDistinctStores(Url("json:" + dir), Url("json:" + dir + "/other")),
      IsOk());
}

TEST(MigrationTest, StagingUrlSurvivesOddFolderNames) {
  const std::string dir = FreshTempDir("odd names") + "/a?b%c&d store";
  ASSERT_OK_AND_ASSIGN(StorageUrl url,
                       json_backend::JsonFolderUrl(JsonBackendType(), dir,
                                                   {{"fsync", "false"}}));
  EXPECT_EQ(url.path(), dir);
  ASSERT_NE(url.FindOption("fsync"), nullptr);
  EXPECT_EQ(*url.FindOption("fsync"), "false");
}

Conversation TestConversation(const std::string& id, const std::string& user,
                              int messages) {
  Conversation c;
  c.set_id(id);
  c.set_user_id(user);
  c.set_created_at("2025-12-04T10:11:12.000001");
  c.set_title(absl::StrCat("title of ", id));
  c.set_is_visible(true);
  for (int i = 0; i < messages; ++i) {
    Message* m = c.add_messages();
    m->set_role(i % 2 == 0 ? "user" : "assistant");
    m->set_content(absl::StrCat(id, " message ", i, " caf\u00e9"));
  }
  return c;
}

Profile TestProfile(const std::string& user, const std::string& email) {
  Profile p;
  p.set_user_id(user);
  p.set_email(email);
  p.set_profile_json(R"({"gender":"x","n":9007199254740993})");
  p.set_created_at("2025-12-04T10:11:12");
  p.set_profile_locked(true);
  return p;
}

// Canonical texts of `records`, sorted by id.
template <typename Record>
std::vector<std::string> Texts(const std::vector<Record>& records) {
  std::vector<std::string> texts;
  for (const Record& r : records) {
    absl::StatusOr<std::string> text = CanonicalRecordJson(r);
    EXPECT_THAT(text.status(), IsOk());
    texts.push_back(text.value_or(""));
  }
  std::sort(texts.begin(), texts.end());
  return texts;
}

// PutBatch means Put* called for each record in order; GetBatch gives what
// Get* would, leaving out absent ids and reading repeated ones once.
TEST(RecordStreamTest, BatchesMeanWhatPerRecordCallsMean) {
  for (const auto& [name, url] : FreshStores("bulk")) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> backend,
                         OpenBackend(Url(url), BackendOptions()));
    RecordStream& stream = backend->stream();
    ASSERT_THAT(backend->PutConversation(TestConversation("c", "u1", 3)),
                IsOk());
    ASSERT_THAT(backend->PutProfile(TestProfile("u1", "old@example.com")),
                IsOk());

    RecordBatch batch;
    batch.profiles.push_back(TestProfile("u1", "first@example.com"));
    batch.profiles.push_back(TestProfile("u1", "second@example.com"));
    Subscription s;
    s.set_user_id("ghost");  // no profile: a stub user, not a profile
    s.set_tier("monthly");
    s.set_status("active");
    s.set_stripe_subscription_id("sub_9");
    batch.subscriptions.push_back(s);
    batch.conversations.push_back(TestConversation("c", "u1", 1));
    batch.conversations.push_back(TestConversation("d", "ghost", 2));
    batch.conversations.push_back(TestConversation("d", "ghost", 4));
    ASSERT_THAT(stream.PutBatch(batch), IsOk());
    ASSERT_THAT(stream.PutBatch(RecordBatch()), IsOk());

    RecordIds ids;
    ids.profiles = {"u1", "ghost", "u1", "nobody"};
    ids.subscriptions = {"ghost", "u1"};
    ids.conversations = {"d", "nope", "c", "d"};
    ASSERT_OK_AND_ASSIGN(RecordBatch got, stream.GetBatch(ids));
    ASSERT_EQ(got.profiles.size(), 1u);
    EXPECT_EQ(got.profiles[0].email(), "second@example.com");
    ASSERT_EQ(got.subscriptions.size(), 1u);
    EXPECT_EQ(got.subscriptions[0].user_id(), "ghost");
    ASSERT_EQ(got.conversations.size(), 2u);

    // Exactly what the per-record reads give.
    ASSERT_OK_AND_ASSIGN(std::optional<Profile> u1, backend->GetProfile("u1"));
    ASSERT_OK_AND_ASSIGN(std::optional<Subscription> ghost,
                         backend->GetSubscription("ghost"));
    ASSERT_OK_AND_ASSIGN(std::optional<Conversation> c,
                         backend->GetConversation("c"));
    ASSERT_OK_AND_ASSIGN(std::optional<Conversation> d,
                         backend->GetConversation("d"));
    ASSERT_TRUE(u1.has_value() && ghost.has_value() && c.has_value() &&
                d.has_value());
    EXPECT_EQ(Texts(got.profiles), Texts(std::vector<Profile>{*u1}));
    EXPECT_EQ(Texts(got.subscriptions),
              Texts(std::vector<Subscription>{*ghost}));
    EXPECT_EQ(Texts(got.conversations),
              Texts(std::vector<Conversation>{*c, *d}));
    EXPECT_EQ(c->messages_size(), 1);  // replaced, not appended to
    EXPECT_EQ(d->messages_size(), 4);  // the later "d" won
    EXPECT_EQ(
        Texts(std::vector<Conversation>{*d}),
        Texts(std::vector<Conversation>{TestConversation("d", "ghost", 4)}));
    ASSERT_OK_AND_ASSIGN(std::optional<Profile> stub,
                         backend->GetProfile("ghost"));
    EXPECT_FALSE(stub.has_value());
    ASSERT_OK_AND_ASSIGN(StoreCounts counts, backend->stream().Count());
    EXPECT_EQ(counts.profiles, 1);
    EXPECT_EQ(counts.subscriptions, 1);
    EXPECT_EQ(counts.conversations, 2);
    EXPECT_EQ(counts.messages, 5);
  }
}

// Batches past the SQL layer's statement limits (rows per INSERT, ids per
// IN list) are split and still read back whole and in order.
TEST(RecordStreamTest, LargeBatchesAreSplitAndReadBackWhole) {
  for (const auto& [name, url] : FreshStores("bulk_large")) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> backend,
                         OpenBackend(Url(url), BackendOptions()));
    RecordBatch batch;
    RecordIds ids;
    for (int i = 0; i < 1100; ++i) {
      const std::string user = absl::StrCat("user-", i);
      batch.profiles.push_back(TestProfile(user, "x@example.com"));
      ids.profiles.push_back(user);
    }
    for (int i = 0; i < 700; ++i) {
      const std::string id = absl::StrCat("conv-", i);
      batch.conversations.push_back(
          TestConversation(id, absl::StrCat("user-", i % 1500), 1 + i % 7));
      ids.conversations.push_back(id);
    }
    ASSERT_THAT(backend->stream().PutBatch(batch), IsOk());
    ASSERT_OK_AND_ASSIGN(RecordBatch got, backend->stream().GetBatch(ids));
    EXPECT_EQ(Texts(got.profiles), Texts(batch.profiles));
    EXPECT_EQ(Texts(got.conversations), Texts(batch.conversations));
    ASSERT_OK_AND_ASSIGN(StoreCounts counts, backend->stream().Count());
    EXPECT_EQ(counts.profiles, 1100);
    EXPECT_EQ(counts.conversations, 700);
  }
}

// A rerun of a large batch (PostgreSQL loads its messages with COPY) means
// what per-record puts mean: each conversation's messages are replaced,
// also by fewer, and texts with COPY's special bytes come back unchanged.
TEST(RecordStreamTest, LargeBatchRerunsReplaceMessages) {
  for (const auto& [name, url] : FreshStores("bulk_rerun")) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> backend,
                         OpenBackend(Url(url), BackendOptions()));
    RecordBatch first;
    RecordBatch second;
    for (int i = 0; i < 100; ++i) {
      const std::string id = absl::StrCat("conv-", i);
      first.conversations.push_back(TestConversation(id, "u", 5));
      Conversation c = TestConversation(id, "u", 3);
      c.mutable_messages(0)->set_content(
          absl::StrCat("tab\there\\ \\N \t\n\r \u00ff ", i));
      second.conversations.push_back(c);
    }
    ASSERT_THAT(backend->stream().PutBatch(first), IsOk());
    ASSERT_THAT(backend->stream().PutBatch(second), IsOk());
    RecordIds ids;
    for (const Conversation& c : second.conversations) {
      ids.conversations.push_back(c.id());
    }
    ASSERT_OK_AND_ASSIGN(RecordBatch got, backend->stream().GetBatch(ids));
    EXPECT_EQ(Texts(got.conversations), Texts(second.conversations));
    ASSERT_OK_AND_ASSIGN(StoreCounts counts, backend->stream().Count());
    EXPECT_EQ(counts.conversations, 100);
    EXPECT_EQ(counts.messages, 300);
  }
}

TEST(ProgressMeterTest, SilentWhenDisabledAndRateLimitedWhenEnabled) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    ProgressMeter off(out, false, "migrate", 100);
    for (int i = 0; i < 1000; ++i) off.Update(i);
    EXPECT_EQ(off.draws(), 0);
  }
  EXPECT_EQ(std::ftell(out), 0);
  ProgressMeter on(out, true, "migrate", 100000, absl::Milliseconds(200));
  for (int i = 0; i < 100000; ++i) on.Update(i);
  EXPECT_GE(on.draws(), 1);
  EXPECT_LE(on.draws(), 30);  // 5 per second at most, whatever the speed
  on.Finish();
  std::fclose(out);
  EXPECT_EQ(FormatEta(absl::Seconds(65)), "1:05");
  EXPECT_EQ(FormatEta(absl::Seconds(3 * 3600 + 2)), "3:00:02");
}

}  // namespace
}  // namespace testing
}  // namespace parley
