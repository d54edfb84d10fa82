#include "backends/json/json_backend.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "backends/json/json_backend_internal.h"
#include "backends/json/json_type.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/records.pb.h"
#include "storage/backend.h"
#include "storage/record_json.h"
#include "storage/url.h"

namespace parley {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// ---- Helpers ---------------------------------------------------------------

std::string FreshDir(absl::string_view name) {
  static int counter = 0;
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name, "_",
                                 ::getpid(), "_", counter++);
  return dir;  // not created: each test decides what exists
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

void MakeDirs(const std::string& path) {
  ASSERT_EQ(std::system(absl::StrCat("mkdir -p '", path, "'").c_str()), 0);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Writes in place, as the original Python module did (no rename).
void WriteInPlace(const std::string& path, absl::string_view text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fwrite(text.data(), 1, text.size(), f), text.size());
  ASSERT_EQ(std::fclose(f), 0);
}

void WriteByRename(const std::string& path, absl::string_view text) {
  const std::string temp = path + ".other-tool-tmp";
  WriteInPlace(temp, text);
  ASSERT_EQ(std::rename(temp.c_str(), path.c_str()), 0);
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return names;
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::unique_ptr<Backend> Open(const std::string& dir, bool fsync = true) {
  absl::StatusOr<StorageUrl> url = JsonBackendType().ParseUrl(
      absl::StrCat("json:", dir, fsync ? "" : "?fsync=false"));
  EXPECT_TRUE(url.ok()) << url.status();
  absl::StatusOr<std::unique_ptr<Backend>> backend =
      OpenJsonBackend(*url, BackendOptions());
  EXPECT_TRUE(backend.ok()) << backend.status();
  return backend.ok() ? *std::move(backend) : nullptr;
}

Conversation MakeConversation(absl::string_view id, absl::string_view user) {
  Conversation c;
  c.set_id(std::string(id));
  c.set_user_id(std::string(user));
  c.set_created_at("2025-12-04T10:11:12.123456");
  c.set_title("New Conversation");
  c.set_is_visible(true);
  return c;
}

Message UserMessage(absl::string_view content) {
  Message m;
  m.set_role("user");
  m.set_content(std::string(content));
  return m;
}

Profile MakeProfile(absl::string_view user) {
  Profile p;
  p.set_user_id(std::string(user));
  p.set_email("unknown@clerk.local");
  p.set_profile_json(R"({"gender":null,"age_range":null,"mood":null})");
  p.set_created_at("2025-12-04T10:11:12");
  p.set_profile_locked(true);
  return p;
}

Subscription MakeSubscription(absl::string_view user,
                              std::optional<std::string> stripe) {
  Subscription s;
  s.set_user_id(std::string(user));
  s.set_tier("monthly");
  s.set_status("active");
  if (stripe.has_value()) s.set_stripe_subscription_id(*stripe);
  s.set_created_at("2025-12-04T10:11:12");
  s.set_updated_at("2025-12-04T10:11:12");
  return s;
}

// What json.dump(obj, f, indent=2) wrote for a conversation.
std::string PythonConversation(absl::string_view id, absl::string_view user,
                               absl::string_view title = "New Conversation") {
  return absl::StrCat(
      "{\n  \"id\": \"", id, "\",\n  \"user_id\": \"", user,
      "\",\n  \"created_at\": \"2025-12-04T10:11:12.123456\",\n"
      "  \"title\": \"",
      title,
      "\",\n  \"starred\": false,\n  \"messages\": [\n    {\n"
      "      \"role\": \"user\",\n      \"content\": \"caf\\u00e9 "
      "\\ud83d\\ude00\"\n"
      "    }\n  ],\n  \"report_cycle\": 0,\n  \"has_follow_up\": false,\n"
      "  \"follow_up_answers\": null,\n  \"is_visible\": true,\n"
      "  \"expires_at\": null\n}");
}

// ---- Layout
// ------------------------------------------------------------------

TEST(JsonBackendTest, EmptyStoreCreatesNothingUntilFirstWrite) {
  const std::string dir = FreshDir("empty");
  auto backend = Open(dir);
  ASSERT_NE(backend, nullptr);
  EXPECT_FALSE(backend->GetConversation("c1")->has_value());
  EXPECT_TRUE(backend->ListConversations("u1")->empty());
  EXPECT_EQ(*backend->CountConversations("u1", std::nullopt), 0);
  EXPECT_EQ(backend->AppendMessage("c1", UserMessage("x")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(*backend->DeleteConversation("c1"));
  EXPECT_EQ(
      backend->UpdateProfile("u1", [](Profile&) { return absl::OkStatus(); })
          .status()
          .code(),
      absl::StatusCode::kNotFound);
  EXPECT_FALSE(backend
                   ->UpdateSubscriptionByStripeId(
                       "sub_1", [](Subscription&) { return absl::OkStatus(); })
                   ->has_value());
  StoreCounts counts = *backend->stream().Count();
  EXPECT_EQ(counts.conversations + counts.profiles + counts.subscriptions, 0);
  EXPECT_FALSE(Exists(dir));

  ASSERT_TRUE(backend->PutProfile(MakeProfile("u1")).ok());
  EXPECT_TRUE(Exists(dir + "/data/profiles/u1.json"));
  EXPECT_FALSE(Exists(dir + "/profiles"));
  EXPECT_FALSE(Exists(dir + "/conversations"));
}

TEST(JsonBackendTest, ReadsAndWritesNestedLayout) {
  const std::string dir = FreshDir("nested");
  MakeDirs(dir + "/data/profiles");
  WriteInPlace(dir + "/data/profiles/u1.json",
               "{\"user_id\": \"u1\", \"email\": \"a@b.c\"}");
  auto backend = Open(dir);
  absl::StatusOr<std::optional<Profile>> got = backend->GetProfile("u1");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  ASSERT_TRUE(backend->PutProfile(MakeProfile("u2")).ok());
  EXPECT_TRUE(Exists(dir + "/data/profiles/u2.json"));
  ASSERT_TRUE(backend->PutSubscription(MakeSubscription("u2", "s")).ok());
  EXPECT_TRUE(Exists(dir + "/data/subscriptions/u2.json"));
}

TEST(JsonBackendTest, ReadsAndWritesFlatLayout) {
  const std::string dir = FreshDir("flat");
  MakeDirs(dir + "/profiles");
  MakeDirs(dir + "/subscriptions");
  WriteInPlace(dir + "/profiles/u1.json", "{\"user_id\": \"u1\"}\n");
  auto backend = Open(dir);
  ASSERT_TRUE(backend->GetProfile("u1")->has_value());
  ASSERT_TRUE(backend->PutProfile(MakeProfile("u2")).ok());
  ASSERT_TRUE(backend->PutSubscription(MakeSubscription("u2", "s")).ok());
  EXPECT_TRUE(Exists(dir + "/profiles/u2.json"));
  EXPECT_TRUE(Exists(dir + "/subscriptions/u2.json"));
  EXPECT_FALSE(Exists(dir + "/data"));
  // An update writes where the record was found.
  ASSERT_TRUE(backend
                  ->UpdateProfile("u1",
                                  [](Profile& p) {
                                    p.set_email("x@y.z");
                                    EnsureKey("email", &p);
                                    return absl::OkStatus();
                                  })
                  .ok());
  EXPECT_THAT(ReadAll(dir + "/profiles/u1.json"), HasSubstr("x@y.z"));
}

TEST(JsonBackendTest, BothLayoutsNestedWinsListsAreTheUnion) {
  const std::string dir = FreshDir("both");
  MakeDirs(dir + "/data/profiles");
  MakeDirs(dir + "/profiles");
  WriteInPlace(dir + "/data/profiles/u1.json",
               "{\"user_id\": \"u1\", \"email\": \"nested@x\"}");
  WriteInPlace(dir + "/profiles/u1.json",
               "{\"user_id\": \"u1\", \"email\": \"flat@x\"}");
  WriteInPlace(dir + "/profiles/u2.json", "{\"user_id\": \"u2\"}");
  WriteInPlace(dir + "/profiles/notes.txt", "not a record");
  WriteInPlace(dir + "/profiles/.hidden.json", "{");
  auto backend = Open(dir);
  EXPECT_EQ((*backend->GetProfile("u1"))->email(), "nested@x");
  EXPECT_TRUE(backend->GetProfile("u2")->has_value());
  EXPECT_EQ(backend->stream().Count()->profiles, 2);

  struct Collect : RecordVisitor {
    std::vector<std::string> ids;
    absl::Status OnProfile(const Profile& p) override {
      ids.push_back(p.user_id() + "=" + p.email());
      return absl::OkStatus();
    }
    absl::Status OnSubscription(const Subscription&) override {
      return absl::OkStatus();
    }
    absl::Status OnConversation(const Conversation&) override {
      return absl::OkStatus();
    }
  } visitor;
  ASSERT_TRUE(backend->stream().Scan(visitor).ok());
  EXPECT_EQ(visitor.ids, (std::vector<std::string>{"u1=nested@x", "u2="}));

  ASSERT_TRUE(backend->PutProfile(MakeProfile("u3")).ok());
  EXPECT_TRUE(Exists(dir + "/data/profiles/u3.json"));
  ASSERT_TRUE(backend->PutProfile(MakeProfile("u2")).ok());
  EXPECT_TRUE(Exists(dir + "/profiles/u2.json"));
  EXPECT_FALSE(Exists(dir + "/data/profiles/u2.json"));
}

// ---- Format -----------------------------------------------------------------

TEST(JsonBackendTest, UntouchedPythonStyleRecordKeepsItsBytes) {
  const std::string dir = FreshDir("python_style");
  MakeDirs(dir + "/conversations");
  const std::string path = dir + "/conversations/c1.json";
  const std::string original = PythonConversation("c1", "u1");
  WriteInPlace(path, original);
  auto backend = Open(dir);
  absl::StatusOr<Conversation> updated = backend->UpdateConversation(
      "c1", [](Conversation&) { return absl::OkStatus(); });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(ReadAll(path), original);

  absl::StatusOr<std::optional<Conversation>> whole =
      backend->GetConversation("c1");
  ASSERT_TRUE(whole.ok() && whole->has_value());
  ASSERT_TRUE(backend->PutConversation(**whole).ok());
  EXPECT_EQ(ReadAll(path), original);
}

TEST(JsonBackendTest, UntouchedRawUtf8RecordWithNewlineKeepsItsBytes) {
  const std::string dir = FreshDir("raw_utf8");
  MakeDirs(dir + "/data/profiles");
  const std::string path = dir + "/data/profiles/u1.json";
  const std::string original =
      "{\n    \"user_id\": \"u1\",\n    \"email\": \"zoë@example.org\",\n"
      "    \"profile\": {\n        \"mood\": \"😀\"\n    },\n"
      "    \"big\": 9007199254740993,\n    \"f\": 1.75\n}\n";
  WriteInPlace(path, original);
  auto backend = Open(dir);
  absl::StatusOr<Profile> updated =
      backend->UpdateProfile("u1", [](Profile&) { return absl::OkStatus(); });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(ReadAll(path), original);
}

TEST(JsonBackendTest, NewFilesAreJsonDumpIndent2) {
  const std::string dir = FreshDir("new_format");
  auto backend = Open(dir);
  ASSERT_TRUE(backend->PutProfile(MakeProfile("u1")).ok());
  const std::string text = ReadAll(dir + "/data/profiles/u1.json");
  EXPECT_THAT(text, StartsWith("{\n  \"user_id\": \"u1\",\n  \"email\": "));
  EXPECT_NE(text.back(), '\n');
}

TEST(JsonBackendTest, WritesLeaveNoTemporaryFiles) {
  const std::string dir = FreshDir("no_temp");
  auto backend = Open(dir);
  ASSERT_TRUE(backend->CreateConversation(MakeConversation("c1", "u1")).ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(backend->AppendMessage("c1", UserMessage("hi")).ok());
  }
  ASSERT_TRUE(backend->PutProfile(MakeProfile("u1")).ok());
  ASSERT_TRUE(backend->PutSubscription(MakeSubscription("u1", "s1")).ok());
  ASSERT_TRUE(backend->CreateConversation(MakeConversation("c2", "u1")).ok());
  ASSERT_TRUE(*backend->DeleteConversation("c2"));
  EXPECT_EQ(ListDir(dir + "/conversations"),
            std::vector<std::string>{"c1.json"});
  EXPECT_EQ(ListDir(dir + "/data/profiles"),
            std::vector<std::string>{"u1.json"});
  EXPECT_EQ(ListDir(dir + "/data/subscriptions"),
            std::vector<std::string>{"u1.json"});
  EXPECT_EQ(ListDir(dir), (std::vector<std::string>{".parley.lock",
                                                    "conversations", "data"}));
}

// A writer killed between creating its temporary file and renaming it
// leaves ".parley-tmp-<pid>-<n>" behind: the next writer in that folder
// removes those of dead processes, and a reader touches nothing.
TEST(JsonBackendTest, FirstWriteSweepsTemporaryFilesOfDeadWriters) {
  const std::string dir = FreshDir("stale_temp");
  {
    auto backend = Open(dir);
    ASSERT_TRUE(backend->CreateConversation(MakeConversation("c1", "u1")).ok());
  }
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  ASSERT_GT(dead, 0);
  ASSERT_EQ(waitpid(dead, nullptr, 0), dead);
  const std::string folder = dir + "/conversations";
  const std::string stale_tmp = absl::StrCat(".parley-tmp-", dead, "-0");
  const std::string stale_old = absl::StrCat(".parley-old-", dead, "-3");
  const std::string live = absl::StrCat(".parley-tmp-", getpid(), "-999999");
  for (const std::string& name : {stale_tmp, stale_old, live}) {
    std::ofstream(folder + "/" + name) << "{\"id\": \"c1\", \"partial";
  }
  auto backend = Open(dir);
  ASSERT_TRUE(backend->GetConversation("c1").ok());
  ASSERT_TRUE(backend->ListConversations("u1").ok());
  EXPECT_EQ(ListDir(folder).size(), 4u);  // reading removes nothing
  ASSERT_TRUE(backend->AppendMessage("c1", UserMessage("hi")).ok());
  EXPECT_EQ(ListDir(folder), (std::vector<std::string>{live, "c1.json"}));
}

// ---- Ids and damaged files
// -----------------------------------------------------

TEST(JsonBackendTest, BadIdsAreRefusedAndTouchNothing) {
  const std::string dir = FreshDir("bad_ids");
  auto backend = Open(dir);
  const std::vector<std::string> bad = {"",
                                        ".",
                                        "..",
                                        "a/b",
                                        "../x",
                                        "a\\b",
                                        std::string("a\0b", 3),
                                        std::string(256, 'a'),
                                        ".hidden"};
  for (const std::string& id : bad) {
    SCOPED_TRACE(absl::StrCat("id of ", id.size(), " bytes"));
    EXPECT_EQ(backend->CreateConversation(MakeConversation(id, "u")).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(backend->PutConversation(MakeConversation(id, "u")).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(backend->GetConversation(id).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(backend->AppendMessage(id, UserMessage("x")).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(backend->DeleteConversation(id).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(backend->PutProfile(MakeProfile(id)).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(backend->PutSubscription(MakeSubscription(id, "s")).code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(Exists(dir));
}

TEST(JsonBackendTest, DamagedFilesAreDataLossNamingTheFile) {
  const std::string dir = FreshDir("damaged");
  MakeDirs(dir + "/conversations");
  MakeDirs(dir + "/data/profiles");
  struct Case {
    std::string id;
    std::string text;
    std::string problem;
  };
  const std::vector<Case> cases = {
      {"empty", "", "empty file"},
      {"truncated", "{\"id\": \"truncated\", \"user_id\": \"secret-u",
       "not valid JSON at byte"},
      {"array", "[1, 2]", "not a JSON object"},
  };
  auto backend = Open(dir);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.id);
    WriteInPlace(absl::StrCat(dir, "/conversations/", c.id, ".json"), c.text);
    absl::Status status = backend->GetConversation(c.id).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(status.message()),
                StartsWith(absl::StrCat("conversations/", c.id, ".json: ")));
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.problem));
    EXPECT_THAT(std::string(status.message()),
                ::testing::Not(HasSubstr("secret")));
    EXPECT_EQ(backend->AppendMessage(c.id, UserMessage("x")).code(),
              absl::StatusCode::kDataLoss);
    EXPECT_EQ(backend->ListConversations("u").status().code(),
              absl::StatusCode::kDataLoss);
    ::unlink(absl::StrCat(dir, "/conversations/", c.id, ".json").c_str());
  }
  EXPECT_TRUE(backend->ListConversations("u").ok());
}

// The original read whatever a file held: an update could write another
// "user_id" (or a non-string) into it. Such a record stays where it is and
// reads back as stored.
TEST(JsonBackendTest, KeyFieldThatDiffersFromTheFileNameReadsAsStored) {
  const std::string dir = FreshDir("other-key");
  MakeDirs(dir + "/conversations");
  MakeDirs(dir + "/data/profiles");
  WriteInPlace(dir + "/conversations/mine.json",
               "{\"id\": \"someone-else\", \"user_id\": \"u\"}");
  WriteInPlace(dir + "/data/profiles/u9.json", "{\"user_id\": 5}");
  auto backend = Open(dir);
  absl::StatusOr<std::optional<Conversation>> c =
      backend->GetConversation("mine");
  ASSERT_TRUE(c.ok() && c->has_value()) << c.status();
  EXPECT_EQ((*c)->id(), "mine");
  EXPECT_EQ(WriteCompactJson(*ConversationToJson(**c)),
            "{\"id\":\"someone-else\",\"user_id\":\"u\"}");
  EXPECT_TRUE(backend->AppendMessage("mine", UserMessage("x")).ok());
  absl::StatusOr<std::vector<ConversationSummary>> list =
      backend->ListConversations("u");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(WriteCompactJson(*SummaryToJson((*list)[0])),
            "{\"id\":\"someone-else\",\"created_at\":\"\",\"title\":"
            "\"New Conversation\",\"starred\":false,\"message_count\":1,"
            "\"expires_at\":null,\"is_visible\":true}");
  absl::StatusOr<std::optional<Profile>> p = backend->GetProfile("u9");
  ASSERT_TRUE(p.ok() && p->has_value()) << p.status();
  EXPECT_EQ(WriteCompactJson(*ProfileToJson(**p)), "{\"user_id\":5}");
}

// ---- Index
// -----------------------------------------------------------------------

std::vector<std::string> TitlesOf(Backend& backend, absl::string_view user) {
  absl::StatusOr<std::vector<ConversationSummary>> list =
      backend.ListConversations(user);
  EXPECT_TRUE(list.ok()) << list.status();
  std::vector<std::string> titles;
  if (!list.ok()) return titles;
  for (const ConversationSummary& s : *list) {
    titles.push_back(
        absl::StrCat(s.id(), ":", s.title(), ":", s.message_count()));
  }
  std::sort(titles.begin(), titles.end());
  return titles;
}

TEST(JsonBackendTest, IndexSeesChangesByOtherWriters) {
  const std::string dir = FreshDir("other_writers");
  auto backend = Open(dir);
  ASSERT_TRUE(backend->CreateConversation(MakeConversation("c1", "u1")).ok());
  EXPECT_EQ(TitlesOf(*backend, "u1"),
            std::vector<std::string>{"c1:New Conversation:0"});
  for (absl::Duration pause : {absl::ZeroDuration(), absl::Milliseconds(80)}) {
    SCOPED_TRACE(absl::StrCat("pause ", absl::FormatDuration(pause)));
    absl::SleepFor(pause);
    // In place, same size, as the old Python app rewrites a file.
    WriteInPlace(dir + "/conversations/c1.json",
                 PythonConversation("c1", "u1", "Title AAAA"));
    EXPECT_EQ(TitlesOf(*backend, "u1"),
              std::vector<std::string>{"c1:Title AAAA:1"});
    absl::SleepFor(pause);
    WriteInPlace(dir + "/conversations/c1.json",
                 PythonConversation("c1", "u1", "Title BBBB"));
    EXPECT_EQ(TitlesOf(*backend, "u1"),
              std::vector<std::string>{"c1:Title BBBB:1"});
    EXPECT_EQ(*backend->CountConversations("u1", std::nullopt), 1);
  }
  // A new file, by rename.
  WriteByRename(dir + "/conversations/c2.json",
                PythonConversation("c2", "u1", "Renamed"));
  EXPECT_EQ(TitlesOf(*backend, "u1"),
            (std::vector<std::string>{"c1:Title BBBB:1", "c2:Renamed:1"}));
  absl::SleepFor(absl::Milliseconds(80));
  WriteByRename(dir + "/conversations/c2.json",
                PythonConversation("c2", "u1", "Renamed again"));
  EXPECT_EQ(
      TitlesOf(*backend, "u1"),
      (std::vector<std::string>{"c1:Title BBBB:1", "c2:Renamed again:1"}));
  // Removed by someone else.
  ASSERT_EQ(::unlink((dir + "/conversations/c1.json").c_str()), 0);
  EXPECT_EQ(TitlesOf(*backend, "u1"),
            std::vector<std::string>{"c2:Renamed again:1"});
  EXPECT_EQ(backend->stream().Count()->conversations, 1);
  // Another backend object (as another process would) sees our writes.
  auto other = Open(dir);
  EXPECT_EQ(TitlesOf(*other, "u1"),
            std::vector<std::string>{"c2:Renamed again:1"});
  ASSERT_TRUE(backend->AppendMessage("c2", UserMessage("more")).ok());
  EXPECT_EQ(TitlesOf(*other, "u1"),
            std::vector<std::string>{"c2:Renamed again:2"});
}

TEST(JsonBackendTest, ListingOneUserReadsOnlyThatUsersFiles) {
  const std::string dir = FreshDir("big");
  MakeDirs(dir + "/conversations");
  for (int i = 0; i < 2000; ++i) {
    const std::string id = absl::StrCat("other", i);
    WriteInPlace(absl::StrCat(dir, "/conversations/", id, ".json"),
                 PythonConversation(id, absl::StrCat("user", i % 100)));
  }
  for (int i = 0; i < 3; ++i) {
    const std::string id = absl::StrCat("mine", i);
    WriteInPlace(absl::StrCat(dir, "/conversations/", id, ".json"),
                 PythonConversation(id, "me"));
  }
  // Let every file become clearly older than the first read (racy rule).
  absl::SleepFor(absl::Milliseconds(100));
  auto backend = Open(dir, /*fsync=*/false);
  const absl::Time t0 = absl::Now();
  EXPECT_EQ(TitlesOf(*backend, "me").size(), 3u);
  const absl::Duration first = absl::Now() - t0;
  const int64_t parsed = json_backend::FilesParsedForTesting(*backend);
  EXPECT_EQ(parsed, 2003);
  const absl::Time t1 = absl::Now();
  EXPECT_EQ(TitlesOf(*backend, "me").size(), 3u);
  EXPECT_EQ(*backend->CountConversations("me", std::nullopt), 3);
  EXPECT_EQ(*backend->CountConversations("user7", std::nullopt), 20);
  const absl::Duration second = absl::Now() - t1;
  EXPECT_EQ(json_backend::FilesParsedForTesting(*backend), parsed);
  std::cerr << "first listing (builds the index over 2003 files): "
            << absl::FormatDuration(first)
            << "; second listing + 2 counts: " << absl::FormatDuration(second)
            << "\n";
}

// ---- Concurrency
// -------------------------------------------------------------------

TEST(JsonBackendTest, ConcurrentAppendsFromThreadsLoseNothing) {
  const std::string dir = FreshDir("threads");
  auto backend = Open(dir, /*fsync=*/false);
  ASSERT_TRUE(backend->CreateConversation(MakeConversation("c1", "u1")).ok());
  constexpr int kThreads = 8;
  constexpr int kAppends = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&backend, t] {
      for (int i = 0; i < kAppends; ++i) {
        absl::Status s =
            backend->AppendMessage("c1", UserMessage(absl::StrCat(t, "-", i)));
        ASSERT_TRUE(s.ok()) << s;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::StatusOr<std::optional<Conversation>> c =
      backend->GetConversation("c1");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->messages_size(), kThreads * kAppends);
  std::set<std::string> contents;
  for (const Message& m : (*c)->messages()) contents.insert(m.content());
  EXPECT_EQ(contents.size(), static_cast<size_t>(kThreads * kAppends));
  EXPECT_EQ(TitlesOf(*backend, "u1"),
            std::vector<std::string>{"c1:New Conversation:1600"});
}

TEST(JsonBackendTest, ConcurrentAppendsFromProcessesLoseNothing) {
  const std::string dir = FreshDir("processes");
  {
    auto backend = Open(dir, /*fsync=*/false);
    ASSERT_TRUE(backend->CreateConversation(MakeConversation("c1", "u1")).ok());
  }
  constexpr int kProcesses = 2;
  constexpr int kAppends = 200;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Two threads per process, so both lock layers are exercised.
      auto backend = Open(dir, /*fsync=*/false);
      bool ok = true;
      auto run = [&](int thread) {
        for (int i = 0; i < kAppends / 2; ++i) {
          if (!backend
                   ->AppendMessage(
                       "c1", UserMessage(absl::StrCat(p, "-", thread, "-", i)))
                   .ok()) {
            ok = false;
          }
        }
      };
      std::thread a(run, 0), b(run, 1);
      a.join();
      b.join();
      ::_exit(ok ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto backend = Open(dir);
  absl::StatusOr<std::optional<Conversation>> c =
      backend->GetConversation("c1");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->messages_size(), kProcesses * kAppends);
}

// ---- Transactions and other operations
// ---------------------------------------------

TEST(JsonBackendTest, RolledBackTransactionRestoresExactBytes) {
  const std::string dir = FreshDir("rollback");
  MakeDirs(dir + "/conversations");
  const std::string conversation_path = dir + "/conversations/c1.json";
  const std::string original = PythonConversation("c1", "u1") + "\n";
  WriteInPlace(conversation_path, original);
  auto backend = Open(dir);
  absl::Status status = backend->RunInTransaction([&](Backend& tx) {
    EXPECT_TRUE(tx.AppendMessage("c1", UserMessage("one")).ok());
    EXPECT_TRUE(tx.AppendMessage("c1", UserMessage("two")).ok());
    EXPECT_TRUE(tx.PutProfile(MakeProfile("u1")).ok());
    EXPECT_TRUE(tx.CreateConversation(MakeConversation("c2", "u1")).ok());
    EXPECT_TRUE(*tx.DeleteConversation("c1"));
    EXPECT_EQ(TitlesOf(tx, "u1"),
              std::vector<std::string>{"c2:New Conversation:0"});
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status.message(), "changed my mind");
  EXPECT_EQ(ReadAll(conversation_path), original);
  EXPECT_FALSE(Exists(dir + "/conversations/c2.json"));
  EXPECT_FALSE(Exists(dir + "/data"));
  EXPECT_EQ(TitlesOf(*backend, "u1"),
            std::vector<std::string>{"c1:New Conversation:1"});

  ASSERT_TRUE(backend
                  ->RunInTransaction([&](Backend& tx) {
                    return tx.AppendMessage("c1", UserMessage("kept"));
                  })
                  .ok());
  EXPECT_EQ((*backend->GetConversation("c1"))->messages_size(), 2);
}

TEST(JsonBackendTest, UpdateByStripeIdPicksSmallestUserId) {
  const std::string dir = FreshDir("stripe");
  auto backend = Open(dir);
  ASSERT_TRUE(backend->PutSubscription(MakeSubscription("u3", "sub_x")).ok());
  ASSERT_TRUE(backend->PutSubscription(MakeSubscription("u2", "sub_x")).ok());
  ASSERT_TRUE(backend->PutSubscription(MakeSubscription("u1", "sub_y")).ok());
  ASSERT_TRUE(
      backend->PutSubscription(MakeSubscription("u0", std::nullopt)).ok());
  auto cancel = [](Subscription& s) {
    s.set_status("cancelled");
    return absl::OkStatus();
  };
  absl::StatusOr<std::optional<Subscription>> updated =
      backend->UpdateSubscriptionByStripeId("sub_x", cancel);
  ASSERT_TRUE(updated.ok()) << updated.status();
  ASSERT_TRUE(updated->has_value());
  EXPECT_EQ((*updated)->user_id(), "u2");
  EXPECT_EQ((*backend->GetSubscription("u2"))->status(), "cancelled");
  EXPECT_EQ((*backend->GetSubscription("u3"))->status(), "active");
  EXPECT_FALSE(
      backend->UpdateSubscriptionByStripeId("sub_z", cancel)->has_value());
  // Another writer gives u0 the Stripe id, in place.
  absl::SleepFor(absl::Milliseconds(60));
  WriteInPlace(dir + "/data/subscriptions/u0.json",
               "{\"user_id\": \"u0\", \"stripe_subscription_id\": \"sub_x\"}");
  updated = backend->UpdateSubscriptionByStripeId("sub_x", cancel);
  ASSERT_TRUE(updated.ok() && updated->has_value());
  EXPECT_EQ((*updated)->user_id(), "u0");
}

TEST(JsonBackendTest, UnknownUrlOptionIsRefused) {
  // Refused where the URL is read, before anything is opened.
  absl::StatusOr<StorageUrl> url =
      JsonBackendType().ParseUrl("json:/tmp/x?fsinc=false");
  EXPECT_EQ(url.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(url.status().message()), HasSubstr("fsinc"));
}

TEST(JsonBackendTest, CreateRefusesAnExistingIdAndCountsMessages) {
  const std::string dir = FreshDir("create");
  auto backend = Open(dir);
  ASSERT_TRUE(backend->CreateConversation(MakeConversation("c1", "u1")).ok());
  EXPECT_EQ(backend->CreateConversation(MakeConversation("c1", "u2")).code(),
            absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(backend->AppendMessage("c1", UserMessage("a")).ok());
  Conversation expiring = MakeConversation("c2", "u1");
  expiring.set_expires_at("2025-12-11T10:11:12");
  ASSERT_TRUE(backend->CreateConversation(expiring).ok());
  EXPECT_EQ(*backend->CountConversations("u1", std::nullopt), 2);
  EXPECT_EQ(*backend->CountConversations(
                "u1", absl::string_view("2025-12-12T00:00:00")),
            1);
  EXPECT_EQ(*backend->CountConversations(
                "u1", absl::string_view("2025-12-05T00:00:00")),
            2);
  StoreCounts counts = *backend->stream().Count();
  EXPECT_EQ(counts.conversations, 2);
  EXPECT_EQ(counts.messages, 1);
  absl::StatusOr<int64_t> restored =
      backend->UpdateUserConversations("u1", [](Conversation& c) {
        if (!c.has_expires_at()) return false;
        c.clear_expires_at();
        return true;
      });
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(*restored, 1);
  EXPECT_EQ(*backend->CountConversations(
                "u1", absl::string_view("2025-12-12T00:00:00")),
            2);
  EXPECT_EQ((*backend->GetConversation("c1"))->messages_size(), 1);
}

}  // namespace
}  // namespace parley
