// The golden store (tests/testdata/golden, written by Python's json.dump in
// the original nested layout) read and written back byte for byte.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "api/storage.h"
#include "backends/builtin_backends.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/backend.h"
#include "storage/url.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace parley {
namespace testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class GoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshTempDir("golden");
    fs::copy("tests/testdata/golden", root_, fs::copy_options::recursive);
    url_ = "json:" + root_;
    ASSERT_OK_AND_ASSIGN(storage_, Storage::Open(url_));
    ASSERT_OK_AND_ASSIGN(StorageUrl url, ParseDatabaseUrl(url_));
    ASSERT_OK_AND_ASSIGN(backend_, OpenBackend(url, BackendOptions()));
  }

  // Every record file of the golden store, relative to its root.
  std::vector<std::string> Files(const std::string& folder) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(root_ + "/" + folder)) {
      files.push_back(folder + "/" + entry.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  static std::string Stem(const std::string& file) {
    return fs::path(file).stem().string();
  }

  std::string root_;
  std::string url_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Backend> backend_;
};

TEST_F(GoldenTest, ConversationsReadAndSavedBackAreByteIdentical) {
  const std::vector<std::string> files = Files("conversations");
  ASSERT_THAT(files, SizeIs(4));
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    const std::string before = ReadFile(root_ + "/" + file);
    ASSERT_OK_AND_ASSIGN(auto conversation,
                         storage_->GetConversation(Stem(file)));
    ASSERT_TRUE(conversation.has_value());
    ASSERT_THAT(storage_->SaveConversation(*conversation), IsOk());
    EXPECT_EQ(ReadFile(root_ + "/" + file), before);
  }
}

TEST_F(GoldenTest, ProfilesAndSubscriptionsWrittenBackAreByteIdentical) {
  for (const std::string& file : Files("data/profiles")) {
    SCOPED_TRACE(file);
    const std::string before = ReadFile(root_ + "/" + file);
    ASSERT_OK_AND_ASSIGN(auto profile, backend_->GetProfile(Stem(file)));
    ASSERT_TRUE(profile.has_value());
    ASSERT_THAT(backend_->PutProfile(*profile), IsOk());
    EXPECT_EQ(ReadFile(root_ + "/" + file), before);
  }
  for (const std::string& file : Files("data/subscriptions")) {
    SCOPED_TRACE(file);
    const std::string before = ReadFile(root_ + "/" + file);
    ASSERT_OK_AND_ASSIGN(auto subscription,
                         backend_->GetSubscription(Stem(file)));
    ASSERT_TRUE(subscription.has_value());
    ASSERT_THAT(backend_->PutSubscription(*subscription), IsOk());
    EXPECT_EQ(ReadFile(root_ + "/" + file), before);
  }
  // Nothing was written into the flat layout.
  EXPECT_FALSE(fs::exists(root_ + "/profiles"));
  EXPECT_FALSE(fs::exists(root_ + "/subscriptions"));
}

TEST_F(GoldenTest, ValuesComeBackExactly) {
  ASSERT_OK_AND_ASSIGN(auto c, storage_->GetConversation(
                                   "3f2b8c1e-7a4d-4e2b-9c1a-5d6e7f809a1b"));
  ASSERT_TRUE(c.has_value());
  ASSERT_THAT(c->messages(), SizeIs(4));
  EXPECT_EQ(c->messages(0).content(), "Pourquoi le ciel est bleu ? \u2600");
  const std::string& metadata = c->messages(1).metadata_json();
  EXPECT_THAT(metadata, HasSubstr("\"request_id\":9007199254740993"));
  EXPECT_THAT(metadata, HasSubstr("\"average_rank\":1.75"));
  EXPECT_THAT(metadata, HasSubstr("\"average_rank\":0.30000000000000004"));
  EXPECT_THAT(metadata, HasSubstr("\"tiny\":1e-07"));
  EXPECT_THAT(metadata, HasSubstr("\"huge\":1e+16"));
  EXPECT_THAT(metadata, HasSubstr("\"negative_zero\":-0.0"));
  EXPECT_THAT(c->messages(1).stage1_json(), HasSubstr("日本語 😀"));
  EXPECT_EQ(c->follow_up_answers_json(),
            R"({"q1":"oui","q2":["a","b"],"score":7})");

  ASSERT_OK_AND_ASSIGN(auto raw,
                       storage_->GetConversation("raw-utf8-conversation"));
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->title(), "Ça va? 日本語 😀");
  EXPECT_EQ(raw->created_at(), "2025-12-06T09:30:00.5");

  ASSERT_OK_AND_ASSIGN(auto legacy,
                       storage_->GetConversation("legacy-conversation-0001"));
  ASSERT_TRUE(legacy.has_value());
  ASSERT_THAT(legacy->extra(), SizeIs(2));
  EXPECT_EQ(legacy->extra(1).json(), R"({"rating":5,"weight":1.0})");
  EXPECT_EQ(legacy->messages(0).extra(0).key(), "client");

  ASSERT_OK_AND_ASSIGN(auto mine, storage_->ListConversations("user_a"));
  ASSERT_THAT(mine, SizeIs(2));
  EXPECT_EQ(mine[0].id(), "0a1b2c3d-0000-4000-8000-000000000001");
  EXPECT_FALSE(mine[0].is_visible());
  EXPECT_EQ(mine[1].message_count(), 4);
  ASSERT_OK_AND_ASSIGN(auto theirs, storage_->ListConversations("user_c"));
  ASSERT_THAT(theirs, SizeIs(1));
  EXPECT_TRUE(theirs[0].is_visible());  // no is_visible key: the default

  ASSERT_OK_AND_ASSIGN(auto no_profile, storage_->GetUserProfile("user_c"));
  EXPECT_FALSE(no_profile.has_value());
  ASSERT_OK_AND_ASSIGN(auto sub, storage_->UpdateSubscriptionByStripeId(
                                     "sub_000001", R"({"status":"active"})"));
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->user_id(), "user_a");
  ASSERT_OK_AND_ASSIGN(StorageCounts counts, storage_->Count());
  EXPECT_EQ(counts.profiles, 2);
  EXPECT_EQ(counts.subscriptions, 2);
  EXPECT_EQ(counts.conversations, 4);
  EXPECT_EQ(counts.messages, 6);
}

// A changed record is written as the original module would have written it:
// Python loads the file, makes the same change, and dumps it.
TEST_F(GoldenTest, ChangedRecordMatchesWhatPythonWrites) {
  const std::string id = "legacy-conversation-0001";
  const std::string path = root_ + "/conversations/" + id + ".json";
  const std::string expected_path = root_ + "/expected.json";
  const std::string script = absl::StrCat(
      "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
      "d[\"title\"]=\"Caf\\u00e9 \\U0001F600\"; d[\"starred\"]=not "
      "d.get(\"starred\", False); "
      "d.setdefault(\"messages\", []).append({\"role\": \"user\", \"content\": "
      "\"again\"}); "
      "json.dump(d, open(sys.argv[2], \"w\"), indent=2)' ",
      path, " ", expected_path);
  ASSERT_EQ(std::system(script.c_str()), 0)
      << "python3 is needed by this test (apt-get install python3)";
  ASSERT_THAT(storage_->UpdateConversationTitle(id, "Café 😀"), IsOk());
  ASSERT_THAT(storage_->ToggleConversationStarred(id), IsOk());
  ASSERT_THAT(storage_->AddUserMessage(id, "again"), IsOk());
  EXPECT_EQ(ReadFile(path), ReadFile(expected_path));
}

// What Parley writes reads back in Python's json.load with the same values.
TEST_F(GoldenTest, PythonReadsWhatParleyWrites) {
  ASSERT_THAT(storage_->CreateConversation("py", "user_z"), IsOk());
  ASSERT_THAT(storage_->AddAssistantMessage(
                  "py", R"([{"r":"日本語 😀","n":9007199254740993}])", "[]",
                  R"({"x":1e-07,"y":0.30000000000000004})"),
              IsOk());
  const std::string path = root_ + "/conversations/py.json";
  const std::string script = absl::StrCat(
      "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
      "m=d[\"messages\"][0]; "
      "assert m[\"stage1\"][0][\"r\"]==\"\\u65e5\\u672c\\u8a9e \\U0001F600\"; "
      "assert m[\"stage1\"][0][\"n\"]==9007199254740993; "
      "assert m[\"stage3\"][\"x\"]==1e-07 and m[\"stage3\"][\"y\"]==0.1+0.2; "
      "assert d[\"title\"]==\"New Conversation\" and d[\"is_visible\"] is "
      "True; "
      "assert open(sys.argv[1]).read()==json.dumps(d, indent=2)' ",
      path);
  EXPECT_EQ(std::system(script.c_str()), 0);
}

}  // namespace
}  // namespace testing
}  // namespace parley
