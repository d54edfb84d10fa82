// Bad input through the API, on disk and through the CLI: every refusal is a
// clear error (no crash, nothing written, no secret shown), and everything
// that is accepted comes back exactly.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "api/storage.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/json_value.h"
#include "tests/reliability/store_files.h"
#include "tests/reliability/subprocess.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace parley {
namespace testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The store sits alone in its own folder, so that a file written
    // outside it shows.
    outer_ = FreshTempDir("bad_input");
    folder_ = outer_ + "/store";
    storage_ = *Storage::Open("json:" + folder_);
    ASSERT_THAT(storage_->CreateConversation("keep", "u1"), IsOk());
    ASSERT_THAT(storage_->AddUserMessage("keep", "kept"), IsOk());
    ASSERT_THAT(storage_->CreateUserProfile("u1", "a@example.com", "{}"),
                IsOk());
    ASSERT_THAT(storage_->CreateSubscription("u1", "monthly"), IsOk());
  }

  // Everything outside the store, and the store itself.
  FolderSnapshot Outer() { return SnapshotFolder(outer_); }

  std::string outer_;
  std::string folder_;
  std::unique_ptr<Storage> storage_;
};

// `text` as a JSON string literal.
std::string JsonString(const std::string& text) {
  return WriteCompactJson(JsonValue::String(text));
}

std::vector<std::string> BadIds() {
  return {"",
          ".",
          "..",
          "../escape",
          "../../escape",
          "a/b",
          "/abs",
          "a\\b",
          ".hidden",
          std::string("nul\0byte", 8),
          std::string(10 * 1024, 'x'),
          std::string(251, 'y'),
          "bad\xff"
          "utf8",
          "\xc3\x28",
          "\xed\xa0\x80"};  // an encoded surrogate
}

TEST_F(BadInputTest, IdsThatCouldEscapeTheStoreAreInvalidArgument) {
  const FolderSnapshot before = Outer();
  int refused = 0;
  for (const std::string& id : BadIds()) {
    SCOPED_TRACE(absl::CHexEscape(id.substr(0, 40)));
    const auto invalid = [&](const absl::Status& status) {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
      EXPECT_LT(status.message().size(), 1000u) << "the id is echoed whole";
      ++refused;
    };
    invalid(storage_->CreateConversation(id, "u1").status());
    invalid(storage_->CreateConversation("ok-id", id).status());
    invalid(storage_->GetConversation(id).status());
    invalid(storage_->AddUserMessage(id, "x"));
    invalid(storage_->AddAssistantMessage(id, "[]", "[]", "{}"));
    invalid(storage_->UpdateConversation(id, "{}"));
    invalid(storage_->UpdateConversationTitle(id, "t"));
    invalid(storage_->ToggleConversationStarred(id).status());
    invalid(storage_->DeleteConversation(id));
    invalid(storage_->SaveFollowUpAnswers(id, "{}"));
    invalid(storage_->CreateUserProfile(id, "", "{}").status());
    invalid(storage_->GetUserProfile(id).status());
    invalid(storage_->UpdateUserProfile(id, "{}").status());
    invalid(storage_->CreateSubscription(id).status());
    invalid(storage_->GetSubscription(id).status());
    invalid(storage_->UpdateSubscription(id, "{}").status());
    Conversation c;
    c.set_id(id);
    c.set_user_id("u1");
    invalid(storage_->SaveConversation(c));
  }
  const std::vector<std::string> diff = DiffSnapshots(before, Outer());
  EXPECT_TRUE(diff.empty()) << absl::StrJoin(diff, "\n");
  std::printf(
      "RELIABILITY bad-input json: %d calls with %zu bad ids refused, "
      "nothing written\n",
      refused, BadIds().size());
}

TEST_F(BadInputTest, InvalidUtf8InEveryTextArgumentIsRefusedOrKeptExactly) {
  const std::string bad = "caf\xe9 \xff\xfe";
  const std::string bad_json = "{\"k\":\"\xff\"}";
  const FolderSnapshot before = Outer();
  const std::vector<absl::Status> statuses = {
      storage_->AddUserMessage("keep", bad),
      storage_->AddAssistantMessage("keep", bad_json, "[]", "{}"),
      storage_->AddAssistantMessage("keep", "[]", bad_json, "{}"),
      storage_->AddAssistantMessage("keep", "[]", "[]", bad_json),
      storage_->AddAssistantMessage("keep", "[]", "[]", "{}", bad_json),
      storage_->UpdateConversation("keep", bad_json),
      storage_->UpdateConversationTitle("keep", bad),
      storage_->SaveFollowUpAnswers("keep", bad_json),
      storage_->CreateUserProfile("u2", bad, "{}").status(),
      storage_->CreateUserProfile("u2", "", bad_json).status(),
      storage_->UpdateUserProfile("u1", bad_json).status(),
      storage_->CreateSubscription("u2", bad).status(),
      storage_->UpdateSubscription("u1", bad_json).status(),
      storage_->UpdateSubscriptionByStripeId(bad, "{}").status(),
  };
  for (size_t i = 0; i < statuses.size(); ++i) {
    // UpdateSubscriptionByStripeId with an id no record has may answer
    // "none"; every other call must refuse.
    if (i + 1 == statuses.size() && statuses[i].ok()) continue;
    EXPECT_EQ(statuses[i].code(), absl::StatusCode::kInvalidArgument)
        << "call " << i << ": " << statuses[i];
  }
  const std::vector<std::string> diff = DiffSnapshots(before, Outer());
  EXPECT_TRUE(diff.empty()) << absl::StrJoin(diff, "\n");
}

TEST_F(BadInputTest, LongTextAndSqlMetacharactersRoundTripExactly) {
  const std::vector<std::string> texts = {
      std::string(10 * 1024, 'z'),
      "'; DROP TABLE conversations; --",
      "\" OR \"1\"=\"1",
      "Robert'); DELETE FROM messages WHERE ('1'='1",
      "100% _under_ \\backslash\\ $1 ?1 :name @p0 `tick` [br] {brace}",
      "line\nbreak\ttab\r\x01\x1f control",
      "unicode: \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xae rtl",
  };
  int round_trips = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& text = texts[i];
    SCOPED_TRACE(i);
    // Ids take what a file name can hold.
    const bool id_ok =
        text.size() <= 250 && text.find_first_of("/\\\0", 0, 3) == text.npos;
    const std::string id = id_ok ? "q" + text : absl::StrCat("long-", i);
    const std::string user = id_ok ? "u" + text : absl::StrCat("user-", i);
    ASSERT_THAT(storage_->CreateConversation(id, user, text), IsOk());
    ASSERT_THAT(storage_->UpdateConversationTitle(id, text), IsOk());
    ASSERT_THAT(storage_->AddUserMessage(id, text), IsOk());
    const std::string json_text =
        absl::StrCat("{", JsonString(text), ":", JsonString(text), "}");
    ASSERT_THAT(storage_->AddAssistantMessage(id, json_text, "[]", json_text,
                                              json_text),
                IsOk());
    ASSERT_OK_AND_ASSIGN(std::optional<Conversation> c,
                         storage_->GetConversation(id));
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->id(), id);
    EXPECT_EQ(c->user_id(), user);
    EXPECT_EQ(c->title(), text);
    EXPECT_EQ(c->messages(0).content(), text);
    EXPECT_EQ(c->messages(1).stage1_json(), json_text);
    EXPECT_EQ(c->messages(1).metadata_json(), json_text);
    ASSERT_OK_AND_ASSIGN(std::vector<ConversationSummary> list,
                         storage_->ListConversations(user));
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].title(), text);

    ASSERT_OK_AND_ASSIGN(Profile profile,
                         storage_->CreateUserProfile(user, text, "{}"));
    ASSERT_OK_AND_ASSIGN(std::optional<Profile> got,
                         storage_->GetUserProfile(user));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->email(), text);

    ASSERT_THAT(storage_->CreateSubscription(user, text), IsOk());
    ASSERT_THAT(storage_->UpdateSubscription(
                    user, absl::StrCat("{\"stripe_subscription_id\":",
                                       JsonString(text), "}")),
                IsOk());
    ASSERT_OK_AND_ASSIGN(std::optional<Subscription> sub,
                         storage_->UpdateSubscriptionByStripeId(
                             text, "{\"status\":\"cancelled\"}"));
    ASSERT_TRUE(sub.has_value());
    EXPECT_EQ(sub->tier(), text);
    EXPECT_EQ(sub->stripe_subscription_id(), text);
    EXPECT_EQ(sub->status(), "cancelled");
    ++round_trips;
  }
  std::printf(
      "RELIABILITY bad-input json: %d hostile texts round-tripped "
      "exactly through ids, titles, content, e-mail, tier, Stripe "
      "id\n",
      round_trips);
}

int64_t PeakRssKb() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST_F(BadInputTest, HugeStagePayloadWorksWithSaneMemory) {
  constexpr size_t kPayloadBytes = 32 << 20;
  std::string stage = "[\"";
  stage.append(kPayloadBytes, 'a');
  stage.append("\"]");
  const int64_t before_kb = PeakRssKb();
  const absl::Time start = absl::Now();
  absl::Status status =
      storage_->AddAssistantMessage("keep", stage, "[]", "{}");
  // Working is the promise; a clear refusal would do, a crash would not.
  ASSERT_THAT(status, IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> c,
                       storage_->GetConversation("keep"));
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->messages_size(), 2);
  EXPECT_EQ(c->messages(1).stage1_json().size(), stage.size());
  EXPECT_THAT(storage_->AddUserMessage("keep", "after"), IsOk());
  const int64_t growth_mb = (PeakRssKb() - before_kb) / 1024;
  // A handful of copies of the payload, not hundreds.
  EXPECT_LT(growth_mb, 16 * 32) << "peak RSS grew by " << growth_mb << " MB";
  std::printf(
      "RELIABILITY bad-input json: 32 MB stage payload stored and "
      "read back in %.1f s, peak RSS +%lld MB\n",
      absl::ToDoubleSeconds(absl::Now() - start),
      static_cast<long long>(growth_mb));
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(BadInputTest, DamagedRecordFileIsDataLossNamingItAndTouchesNothingElse) {
  const std::string good = ReadFile(folder_ + "/conversations/keep.json");
  ASSERT_FALSE(good.empty());
  const std::vector<std::pair<std::string, std::string>> damage = {
      {"malformed", "{\"id\": \"bad\", \"user_id\": "},
      {"empty", ""},
      {"truncated", good.substr(0, good.size() / 2)},
      {"not an object", "[1, 2, 3]"},
      {"binary", std::string("\0\xff\x01", 3)},
  };
  int cases = 0;
  for (const auto& [what, bytes] : damage) {
    SCOPED_TRACE(what);
    const std::string path = folder_ + "/conversations/bad.json";
    WriteFile(path, bytes);
    std::unique_ptr<Storage> storage = *Storage::Open("json:" + folder_);
    const FolderSnapshot before = Outer();
    const auto data_loss = [&](const absl::Status& status) {
      EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
      EXPECT_THAT(std::string(status.message()),
                  HasSubstr("conversations/bad.json"));
    };
    data_loss(storage->GetConversation("bad").status());
    data_loss(storage->AddUserMessage("bad", "x"));
    data_loss(storage->UpdateConversationTitle("bad", "x"));
    data_loss(storage->ToggleConversationStarred("bad").status());
    data_loss(storage->SaveFollowUpAnswers("bad", "{}"));
    EXPECT_EQ(storage->CreateConversation("bad", "u1").status().code(),
              absl::StatusCode::kAlreadyExists);
    // Listing either names the bad file or leaves it out; never a crash.
    absl::StatusOr<std::vector<ConversationSummary>> list =
        storage->ListConversations("");
    if (!list.ok()) data_loss(list.status());
    // The rest of the store reads and writes as before.
    ASSERT_OK_AND_ASSIGN(std::optional<Conversation> keep,
                         storage->GetConversation("keep"));
    ASSERT_TRUE(keep.has_value());
    EXPECT_EQ(keep->messages(0).content(), "kept");
    const std::vector<std::string> diff = DiffSnapshots(before, Outer());
    EXPECT_TRUE(diff.empty()) << absl::StrJoin(diff, "\n");
    EXPECT_THAT(storage->AddUserMessage("keep", "still works"), IsOk());
    EXPECT_EQ(ReadFile(path), bytes) << "the damaged file was changed";
    // Deleting the damaged record is how an operator clears it.
    EXPECT_THAT(storage->DeleteConversation("bad"), IsOk());
    ++cases;
  }
  std::printf(
      "RELIABILITY bad-input json: %d kinds of damaged file -> "
      "DataLoss naming the file, rest of the store untouched\n",
      cases);
}

// ---- The CLI ----------------------------------------------------------------

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
  while (process.ReadLinesUntil(absl::InfiniteFuture(), &lines)) {
  }
  const int status = process.Wait();
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  result.output = absl::StrJoin(lines, "\n");
  return result;
}

TEST(CliBadInputTest, MalformedUrlsExitNonZeroWithAClearMessageAndNoPassword) {
  const std::vector<std::string> urls = {
      "postgresql://bob:CANARY-s3cret@db:99999/chat",
      "postgresql://bob:CANARY-s3cret@db:port/chat",
      "postgresql://bob:CANARY-s3cret@[::1/chat",
      "postgresql://bob:CANARY%zz-s3cret@db/chat",
      "postgresql://db/"
      "chat?application_name=a:b@c&password=CANARY-s3cret&x=%zz",
      "postgresql://db/chat?password=CANARY-s3cret&pool_size=lots",
      "mysql://bob:CANARY-s3cret@db/chat",
      "bob:CANARY-s3cret@db/chat",
      "sqlite://host/x.db",
      "json://host/data",
      "json:",
      "",
      "   ",
      "json:data?fsync=perhaps",
      "json:data?unknown=1",
  };
  int checked = 0;
  for (const std::string& url : urls) {
    for (const std::string& command : {"info", "schema"}) {
      std::vector<std::string> args = {command};
      if (command == "schema") args.push_back("status");
      args.push_back("--url");
      args.push_back(url);
      const CliResult result = RunCli(args);
      SCOPED_TRACE(absl::StrCat(command, " ", url, "\n", result.output));
      EXPECT_NE(result.exit_code, 0);
      EXPECT_LT(result.exit_code, 128) << "crashed";
      EXPECT_THAT(result.output, HasSubstr("parley"));
      EXPECT_THAT(result.output, Not(HasSubstr("s3cret")));
      EXPECT_THAT(result.output, Not(HasSubstr("CANARY")));
      ++checked;
    }
  }
  std::printf(
      "RELIABILITY bad-input cli: %d malformed-URL runs exit non-zero "
      "with a message, no password shown\n",
      checked);
}

TEST(CliBadInputTest, BadArgumentsExitNonZeroWithUsage) {
  const std::vector<std::vector<std::string>> runs = {
      {"no-such-command"},
      {"schema"},
      {"schema", "sideways"},
      {"demo", "--users", "many"},
      {"demo", "--users", "-5"},
      {"demo", "--seed", std::string(10 * 1024, '9')},
      {"info", "--url"},
      {"--bogus-flag"},
      {"info", "extra-word"},
      {"info", "--urll", "json:elsewhere"},
      {"schema", "status", "now"},
      {"migrate", "--form", "json:a", "--to", "json:b"},
      {"demo", "--user", "3"},
  };
  // Should a bad flag be taken for a good one, nothing is written outside.
  const std::string store = "json:" + FreshTempDir("cli_store");
  for (auto args : runs) {
    if (args[0] == "demo") {
      args.push_back("--url");
      args.push_back(store);
    }
    const CliResult result = RunCli(args);
    SCOPED_TRACE(absl::StrCat(absl::StrJoin(args, " ").substr(0, 80), "\n",
                              result.output));
    EXPECT_NE(result.exit_code, 0);
    EXPECT_LT(result.exit_code, 128) << "crashed";
    EXPECT_FALSE(result.output.empty());
  }
}

TEST(CliBadInputTest, SchemaStatusOfAMissingDatabaseCreatesNothing) {
  const std::string path = FreshTempDir("cli_schema") + "/absent.db";
  const CliResult result =
      RunCli({"schema", "status", "--url", "sqlite:///" + path});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr("database file " + path + " does not exist"));
  struct stat st;
  EXPECT_NE(::stat(path.c_str(), &st), 0) << "the file was created";
}

}  // namespace
}  // namespace testing
}  // namespace parley
