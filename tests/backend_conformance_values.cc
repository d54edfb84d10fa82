// The conformance cases for values and types the original module could
// store, and for the original's Python semantics on them (../shared/API.md,
// "Values a store of the original can hold"). Part of the one conformance
// suite: every backend, sync and async, runs them.
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/json_value.h"
#include "storage/record_json.h"
#include "tests/backend_conformance.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

using ::testing::HasSubstr;

std::string Json(const Conversation& c) {
  absl::StatusOr<JsonValue> json = ConversationToJson(c);
  EXPECT_TRUE(json.ok()) << json.status();
  return json.ok() ? WriteCompactJson(*json) : "";
}

std::string Json(const Subscription& s) {
  absl::StatusOr<JsonValue> json = SubscriptionToJson(s);
  EXPECT_TRUE(json.ok()) << json.status();
  return json.ok() ? WriteCompactJson(*json) : "";
}

// The JSON of one key of stored conversation `id`.
std::string Key(StorageUnderTest& storage, absl::string_view id,
                absl::string_view key) {
  auto got = storage->GetConversation(id);
  if (!got.ok()) return got.status().ToString();
  if (!got->has_value()) return "<no conversation>";
  absl::StatusOr<JsonValue> json = ConversationToJson(**got);
  if (!json.ok()) return json.status().ToString();
  const JsonValue* value = json->Find(key);
  return value == nullptr ? "<absent>" : WriteCompactJson(*value);
}

// The summary of `id` as the original's list_conversations returned it.
std::string Summary(StorageUnderTest& storage, absl::string_view user,
                    absl::string_view id) {
  auto list = storage->ListConversations(user);
  if (!list.ok()) return list.status().ToString();
  for (const ConversationSummary& s : *list) {
    if (s.id() == id) return WriteCompactJson(*SummaryToJson(s));
  }
  return "<not listed>";
}

// A lone surrogate as Parley holds it (WTF-8), and as JSON writes it.
constexpr char kLoneSurrogate[] = "\xED\xB2\x80";

TEST_P(BackendConformanceTest, CreateUserProfileStoresExactlyTheThreeKeys) {
  ASSERT_OK_AND_ASSIGN(
      Profile created,
      storage_->CreateUserProfile(
          "user_a", "a@example.com",
          R"({"mood":"calm","gender":"female","hobby":"chess"})"));
  constexpr absl::string_view kProfile =
      R"({"gender":"female","age_range":null,"mood":"calm"})";
  EXPECT_EQ(created.profile_json(), kProfile);
  ASSERT_OK_AND_ASSIGN(auto got, storage_->GetUserProfile("user_a"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->profile_json(), kProfile);
  ASSERT_OK_AND_ASSIGN(Profile empty,
                       storage_->CreateUserProfile("user_b", "", "{}"));
  EXPECT_EQ(empty.profile_json(),
            R"({"gender":null,"age_range":null,"mood":null})");
}

// U+0000, lone surrogates, NaN and the infinities: json.dump wrote them all,
// so every backend keeps them, in every text and payload, exactly.
TEST_P(BackendConformanceTest,
       NulLoneSurrogatesNanAndInfinityAreKeptEverywhere) {
  const std::string nul_title = std::string("a\0b", 3);
  const std::string content =
      absl::StrCat(std::string("x\0y", 3), kLoneSurrogate, "😀");
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_THAT(storage_->UpdateConversationTitle("c1", nul_title), IsOk());
  ASSERT_THAT(storage_->AddUserMessage("c1", content), IsOk());
  ASSERT_THAT(storage_->AddAssistantMessage(
                  "c1", R"([{"r":NaN}])", R"([Infinity,-Infinity])",
                  R"({"s":"\u0000\udc80"})", R"({"average_rank":NaN})"),
              IsOk());
  ASSERT_THAT(storage_->SaveFollowUpAnswers("c1", R"({"q":[NaN,"\ud83d"]})"),
              IsOk());
  ASSERT_THAT(storage_->UpdateConversation(
                  "c1", R"({"note":"\u0000","score":-Infinity})"),
              IsOk());
  EXPECT_EQ(Key(storage_, "c1", "title"), R"("a\u0000b")");
  EXPECT_EQ(Key(storage_, "c1", "messages"),
            R"([{"role":"user","content":"x\u0000y\udc80😀"},)"
            R"({"role":"assistant","stage1":[{"r":NaN}],)"
            R"("stage2":[Infinity,-Infinity],"stage3":{"s":"\u0000\udc80"},)"
            R"("metadata":{"average_rank":NaN}}])");
  EXPECT_EQ(Key(storage_, "c1", "follow_up_answers"),
            R"({"q":[NaN,"\ud83d"]})");
  EXPECT_EQ(Key(storage_, "c1", "note"), R"("\u0000")");
  EXPECT_EQ(Key(storage_, "c1", "score"), "-Infinity");
  // The typed fields hold them too, whatever the backend underneath.
  Conversation c = MustGet("c1");
  EXPECT_EQ(c.title(), nul_title);
  ASSERT_EQ(c.messages_size(), 2);
  EXPECT_EQ(c.messages(0).content(), content);
  EXPECT_EQ(c.messages(1).metadata_json(), R"({"average_rank":NaN})");
  EXPECT_THAT(Summary(storage_, "u1", "c1"),
              HasSubstr(R"("title":"a\u0000b")"));

  const std::string email = std::string("a\0@example.com", 14);
  ASSERT_THAT(storage_->CreateUserProfile(
                  "u1", email, R"({"mood":"\u0000\udc80","gender":NaN})"),
              IsOk());
  ASSERT_OK_AND_ASSIGN(auto p, storage_->GetUserProfile("u1"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->email(), email);
  EXPECT_EQ(p->profile_json(),
            R"({"gender":NaN,"age_range":null,"mood":"\u0000\udc80"})");

  ASSERT_THAT(storage_->CreateSubscription("u1", std::string("mo\0", 3)),
              IsOk());
  ASSERT_THAT(storage_->UpdateSubscription(
                  "u1", R"({"status":"x\u0000","stripe_customer_id":"\udc80",)"
                        R"("ratio":Infinity})"),
              IsOk());
  ASSERT_OK_AND_ASSIGN(auto s, storage_->GetSubscription("u1"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->tier(), std::string("mo\0", 3));
  EXPECT_EQ(s->status(), std::string("x\0", 2));
  EXPECT_THAT(Json(*s), HasSubstr(R"("stripe_customer_id":"\udc80")"));
  EXPECT_THAT(Json(*s), HasSubstr(R"("ratio":Infinity)"));
}

// Argument checks never change which error a call gives.
TEST_P(BackendConformanceTest, MissingConversationIsNotFoundWhateverTheValues) {
  const std::string nul = std::string("a\0b", 3);
  EXPECT_THAT(
      storage_->AddUserMessage("ghost", nul),
      StatusIs(absl::StatusCode::kNotFound, "Conversation ghost not found"));
  EXPECT_THAT(
      storage_->UpdateConversationTitle("ghost", nul),
      StatusIs(absl::StatusCode::kNotFound, "Conversation ghost not found"));
  EXPECT_THAT(
      storage_->AddAssistantMessage("ghost", "[NaN]", "[]", "{}"),
      StatusIs(absl::StatusCode::kNotFound, "Conversation ghost not found"));
}

// The original rewrote user a's file with "user_id": "b" in it; user b's
// subscription stayed as it was. Every backend does the same: the record
// stays a's and reads back with the value written.
TEST_P(BackendConformanceTest, UserIdWrittenByAnUpdateStaysInItsRecord) {
  ASSERT_THAT(storage_->CreateSubscription("a", "monthly"), IsOk());
  ASSERT_THAT(storage_->CreateSubscription("b", "yearly"), IsOk());
  ASSERT_OK_AND_ASSIGN(Subscription updated,
                       storage_->UpdateSubscription(
                           "a", R"({"user_id":"b","status":"cancelled",)"
                                R"("stripe_subscription_id":"sub_a"})"));
  EXPECT_THAT(Json(updated), HasSubstr(R"("user_id":"b","tier":"monthly")"));
  ASSERT_OK_AND_ASSIGN(auto b, storage_->GetSubscription("b"));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->tier(), "yearly");
  EXPECT_EQ(b->status(), "active");
  EXPECT_FALSE(b->has_stripe_subscription_id());
  ASSERT_OK_AND_ASSIGN(auto a, storage_->GetSubscription("a"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(Json(*a), Json(updated));
  EXPECT_EQ(a->status(), "cancelled");
  // The Stripe webhook path finds the same record, and leaves b alone.
  ASSERT_OK_AND_ASSIGN(auto by_stripe, storage_->UpdateSubscriptionByStripeId(
                                           "sub_a", R"({"status":"expired"})"));
  ASSERT_TRUE(by_stripe.has_value());
  EXPECT_THAT(Json(*by_stripe), HasSubstr(R"("user_id":"b")"));
  EXPECT_EQ(by_stripe->status(), "expired");
  ASSERT_OK_AND_ASSIGN(b, storage_->GetSubscription("b"));
  EXPECT_EQ(b->status(), "active");
  EXPECT_EQ(Counts().subscriptions, 2);
}

// Messages are appended to and counted on every backend: a saved
// "messages" that is not a list of message objects is refused up front.
TEST_P(BackendConformanceTest, SavedMessagesMustBeMessageObjects) {
  for (const char* messages :
       {R"(["hello"])", R"([{"role":"user"},3])", R"("text")", "null"}) {
    SCOPED_TRACE(messages);
    ASSERT_OK_AND_ASSIGN(
        JsonValue object,
        ParseJson(absl::StrCat(R"({"id":"c1","user_id":"u1","messages":)",
                               messages, "}")));
    ASSERT_OK_AND_ASSIGN(Conversation c, ConversationFromJson(object));
    EXPECT_THAT(storage_->SaveConversation(c),
                StatusIs(absl::StatusCode::kInvalidArgument, "messages"));
    ASSERT_OK_AND_ASSIGN(auto got, storage_->GetConversation("c1"));
    EXPECT_FALSE(got.has_value());
  }
}

TEST_P(BackendConformanceTest, ToggleUsesPythonTruthinessOfWhatIsStored) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  // Each pair: the stored value, and `not value`.
  const std::pair<const char*, bool> cases[] = {
      {"1", false},   {"0", true},     {"\"yes\"", false}, {"\"\"", true},
      {"null", true}, {"[0]", false},  {"{}", true},       {"0.0", true},
      {"NaN", false}, {"false", true},
  };
  for (const auto& [stored, toggled] : cases) {
    SCOPED_TRACE(stored);
    ASSERT_THAT(storage_->UpdateConversation(
                    "c1", absl::StrCat(R"({"starred":)", stored, "}")),
                IsOk());
    EXPECT_THAT(Summary(storage_, "u1", "c1"),
                HasSubstr(absl::StrCat("\"starred\":", stored, ",")));
    ASSERT_OK_AND_ASSIGN(bool now, storage_->ToggleConversationStarred("c1"));
    EXPECT_EQ(now, toggled);
    EXPECT_EQ(Key(storage_, "c1", "starred"), toggled ? "true" : "false");
  }
}

TEST_P(BackendConformanceTest, RestoreUsesPythonTruthinessOfWhatIsStored) {
  // `conv.get("expires_at") or not conv.get("is_visible", True)`.
  const std::pair<const char*, bool> cases[] = {
      {R"({"is_visible":0})", true},
      {R"({"is_visible":null})", true},
      {R"({"is_visible":""})", true},
      {R"({"is_visible":[]})", true},
      {R"({"is_visible":"no"})", false},
      {R"({"is_visible":1})", false},
      {R"({"expires_at":""})", false},
      {R"({"expires_at":0})", false},
      {R"({"expires_at":1})", true},
      {R"({"expires_at":"2000-01-01T00:00:00"})", true},
  };
  int n = 0;
  for (const auto& [updates, restored] : cases) {
    SCOPED_TRACE(updates);
    const std::string id = absl::StrCat("c", n++);
    ASSERT_THAT(storage_->CreateConversation(id, "u1", "monthly"), IsOk());
    ASSERT_THAT(storage_->UpdateConversation(id, updates), IsOk());
    ASSERT_OK_AND_ASSIGN(int64_t count,
                         storage_->RestoreAllExpiredReports("u1"));
    EXPECT_EQ(count, restored ? 1 : 0);
    if (restored) {
      EXPECT_EQ(Key(storage_, id, "is_visible"), "true");
      EXPECT_EQ(Key(storage_, id, "expires_at"), "null");
    }
    ASSERT_THAT(storage_->DeleteConversation(id), IsOk());
  }
}

TEST_P(BackendConformanceTest, ReportCycleAddsOneAsPythonDoes) {
  const std::pair<const char*, const char*> cases[] = {
      {"9223372036854775807", "9223372036854775808"},
      {"9223372036854775808", "9223372036854775809"},
      {"18446744073709551617", "18446744073709551618"},
      {"2.0", "3.0"},
      {"-1", "0"},
      {"true", "2"},
      {"1e16", "1e+16"},
  };
  for (const auto& [stored, next] : cases) {
    SCOPED_TRACE(stored);
    ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
    ASSERT_THAT(storage_->UpdateConversation(
                    "c1", absl::StrCat(R"({"report_cycle":)", stored, "}")),
                IsOk());
    ASSERT_THAT(storage_->SaveFollowUpAnswers("c1", "{}"), IsOk());
    EXPECT_EQ(Key(storage_, "c1", "report_cycle"), next);
    ASSERT_THAT(storage_->DeleteConversation("c1"), IsOk());
  }
  // Where the original raised TypeError: InvalidArgument, nothing changed.
  for (const char* stored : {R"("3")", "null", "[]", "{}"}) {
    SCOPED_TRACE(stored);
    ASSERT_THAT(storage_->CreateConversation("c2", "u1"), IsOk());
    ASSERT_THAT(storage_->UpdateConversation(
                    "c2", absl::StrCat(R"({"report_cycle":)", stored, "}")),
                IsOk());
    const std::string before = Json(MustGet("c2"));
    EXPECT_THAT(storage_->SaveFollowUpAnswers("c2", "{}"),
                StatusIs(absl::StatusCode::kInvalidArgument, "report_cycle"));
    EXPECT_EQ(Json(MustGet("c2")), before);
    ASSERT_THAT(storage_->DeleteConversation("c2"), IsOk());
  }
}

// list_conversations returned the stored values: data.get("title", "New
// Conversation") is None for a stored null.
TEST_P(BackendConformanceTest, SummariesShowStoredValuesOfOtherTypes) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_THAT(storage_->UpdateConversation(
                  "c1", R"({"title":null,"starred":1,"is_visible":0,)"
                        R"("expires_at":5})"),
              IsOk());
  EXPECT_EQ(Summary(storage_, "u1", "c1"),
            R"({"id":"c1","created_at":"2025-12-04T10:11:12.123456",)"
            R"("title":null,"starred":1,"message_count":0,"expires_at":5,)"
            R"("is_visible":0})");
}

}  // namespace
}  // namespace testing
}  // namespace parley
