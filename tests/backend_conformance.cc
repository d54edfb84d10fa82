// The contract of ../shared/API.md, case by case, for any backend.
#include "tests/backend_conformance.h"

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "api/storage.h"
#include "backends/builtin_backends.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "storage/backend.h"
#include "storage/url.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {

std::string FreshJsonUrl() { return "json:" + FreshTempDir("json_store"); }

std::string FreshSqliteFileUrl() {
  return "sqlite:///" + FreshTempDir("sqlite_store") + "/parley.db";
}

std::string FreshSqliteMemoryUrl() { return "sqlite:///:memory:"; }

void BackendConformanceTest::SetUp() {
  url_ = GetParam().fresh_url();
  StorageOptions options;
  options.clock = [this] { return clock_.Now(); };
  auto opened = Storage::Open(url_, options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  storage_ = StorageUnderTest(GetParam().through_async);
  storage_ = std::move(*opened);
}

StorageUnderTest& StorageUnderTest::operator=(
    std::unique_ptr<Storage> storage) {
  async_.reset();  // drains its queued calls first
  sync_.reset();
  storage_ = storage.get();
  if (storage == nullptr) return *this;
  if (through_async_) {
    // Few threads, so that calls of concurrent cases still queue up.
    AsyncStorageOptions options;
    options.workers = 3;
    async_ = AsyncStorage::Wrap(std::move(storage), options);
  } else {
    sync_ = std::move(storage);
  }
  return *this;
}

// Each method: the Storage call, or the AsyncStorage call of the same name
// and arguments, waited for.
absl::StatusOr<Conversation> StorageUnderTest::CreateConversation(
    absl::string_view conversation_id, absl::string_view user_id,
    absl::string_view subscription_tier) {
  if (async_ != nullptr) {
    return async_
        ->CreateConversation(conversation_id, user_id, subscription_tier)
        .get();
  }
  return sync_->CreateConversation(conversation_id, user_id, subscription_tier);
}

absl::StatusOr<std::optional<Conversation>> StorageUnderTest::GetConversation(
    absl::string_view conversation_id) {
  if (async_ != nullptr) {
    return async_->GetConversation(conversation_id).get();
  }
  return sync_->GetConversation(conversation_id);
}

absl::Status StorageUnderTest::SaveConversation(
    const Conversation& conversation) {
  if (async_ != nullptr) {
    return async_->SaveConversation(conversation).get();
  }
  return sync_->SaveConversation(conversation);
}

absl::StatusOr<std::vector<ConversationSummary>>
StorageUnderTest::ListConversations(absl::string_view user_id) {
  if (async_ != nullptr) {
    return async_->ListConversations(user_id).get();
  }
  return sync_->ListConversations(user_id);
}

absl::Status StorageUnderTest::AddUserMessage(absl::string_view conversation_id,
                                              absl::string_view content) {
  if (async_ != nullptr) {
    return async_->AddUserMessage(conversation_id, content).get();
  }
  return sync_->AddUserMessage(conversation_id, content);
}

absl::Status StorageUnderTest::AddAssistantMessage(
    absl::string_view conversation_id, absl::string_view stage1_json,
    absl::string_view stage2_json, absl::string_view stage3_json,
    std::optional<absl::string_view> metadata_json) {
  if (async_ != nullptr) {
    return async_
        ->AddAssistantMessage(conversation_id, stage1_json, stage2_json,
                              stage3_json, metadata_json)
        .get();
  }
  return sync_->AddAssistantMessage(conversation_id, stage1_json, stage2_json,
                                    stage3_json, metadata_json);
}

absl::Status StorageUnderTest::UpdateConversation(
    absl::string_view conversation_id, absl::string_view updates_json) {
  if (async_ != nullptr) {
    return async_->UpdateConversation(conversation_id, updates_json).get();
  }
  return sync_->UpdateConversation(conversation_id, updates_json);
}

absl::Status StorageUnderTest::UpdateConversationTitle(
    absl::string_view conversation_id, absl::string_view title) {
  if (async_ != nullptr) {
    return async_->UpdateConversationTitle(conversation_id, title).get();
  }
  return sync_->UpdateConversationTitle(conversation_id, title);
}

absl::StatusOr<bool> StorageUnderTest::ToggleConversationStarred(
    absl::string_view conversation_id) {
  if (async_ != nullptr) {
    return async_->ToggleConversationStarred(conversation_id).get();
  }
  return sync_->ToggleConversationStarred(conversation_id);
}

absl::Status StorageUnderTest::DeleteConversation(
    absl::string_view conversation_id) {
  if (async_ != nullptr) {
    return async_->DeleteConversation(conversation_id).get();
  }
  return sync_->DeleteConversation(conversation_id);
}

absl::Status StorageUnderTest::SaveFollowUpAnswers(
    absl::string_view conversation_id, absl::string_view answers_json) {
  if (async_ != nullptr) {
    return async_->SaveFollowUpAnswers(conversation_id, answers_json).get();
  }
  return sync_->SaveFollowUpAnswers(conversation_id, answers_json);
}

absl::StatusOr<int64_t> StorageUnderTest::RestoreAllExpiredReports(
    absl::string_view user_id) {
  if (async_ != nullptr) {
    return async_->RestoreAllExpiredReports(user_id).get();
  }
  return sync_->RestoreAllExpiredReports(user_id);
}

absl::StatusOr<int64_t> StorageUnderTest::CountUserConversations(
    absl::string_view user_id) {
  if (async_ != nullptr) {
    return async_->CountUserConversations(user_id).get();
  }
  return sync_->CountUserConversations(user_id);
}

absl::StatusOr<int64_t> StorageUnderTest::GetActiveConversationsCount(
    absl::string_view user_id) {
  if (async_ != nullptr) {
    return async_->GetActiveConversationsCount(user_id).get();
  }
  return sync_->GetActiveConversationsCount(user_id);
}

absl::StatusOr<Profile> StorageUnderTest::CreateUserProfile(
    absl::string_view user_id, absl::string_view email,
    absl::string_view profile_data_json) {
  if (async_ != nullptr) {
    return async_->CreateUserProfile(user_id, email, profile_data_json).get();
  }
  return sync_->CreateUserProfile(user_id, email, profile_data_json);
}

absl::StatusOr<std::optional<Profile>> StorageUnderTest::GetUserProfile(
    absl::string_view user_id) {
  if (async_ != nullptr) {
    return async_->GetUserProfile(user_id).get();
  }
  return sync_->GetUserProfile(user_id);
}

absl::StatusOr<Profile> StorageUnderTest::UpdateUserProfile(
    absl::string_view user_id, absl::string_view profile_data_json) {
  if (async_ != nullptr) {
    return async_->UpdateUserProfile(user_id, profile_data_json).get();
  }
  return sync_->UpdateUserProfile(user_id, profile_data_json);
}

absl::StatusOr<Subscription> StorageUnderTest::CreateSubscription(
    absl::string_view user_id, absl::string_view tier) {
  if (async_ != nullptr) {
    return async_->CreateSubscription(user_id, tier).get();
  }
  return sync_->CreateSubscription(user_id, tier);
}

absl::StatusOr<std::optional<Subscription>> StorageUnderTest::GetSubscription(
    absl::string_view user_id) {
  if (async_ != nullptr) {
    return async_->GetSubscription(user_id).get();
  }
  return sync_->GetSubscription(user_id);
}

absl::StatusOr<Subscription> StorageUnderTest::UpdateSubscription(
    absl::string_view user_id, absl::string_view data_json) {
  if (async_ != nullptr) {
    return async_->UpdateSubscription(user_id, data_json).get();
  }
  return sync_->UpdateSubscription(user_id, data_json);
}

absl::StatusOr<std::optional<Subscription>>
StorageUnderTest::UpdateSubscriptionByStripeId(
    absl::string_view stripe_subscription_id, absl::string_view data_json) {
  if (async_ != nullptr) {
    return async_
        ->UpdateSubscriptionByStripeId(stripe_subscription_id, data_json)
        .get();
  }
  return sync_->UpdateSubscriptionByStripeId(stripe_subscription_id, data_json);
}

absl::StatusOr<StorageCounts> StorageUnderTest::Count() {
  if (async_ != nullptr) {
    return async_->Count().get();
  }
  return sync_->Count();
}

absl::Status StorageUnderTest::RunInTransaction(
    absl::FunctionRef<absl::Status(Storage&)> fn) {
  // `fn` outlives the call: the future is waited for here.
  if (async_ != nullptr) {
    return async_->RunInTransaction([fn](Storage& tx) { return fn(tx); }).get();
  }
  return sync_->RunInTransaction(fn);
}

Conversation BackendConformanceTest::MustGet(absl::string_view id) {
  auto got = storage_->GetConversation(id);
  EXPECT_TRUE(got.ok()) << got.status();
  if (!got.ok() || !got->has_value()) {
    ADD_FAILURE() << "conversation " << id << " missing";
    return Conversation();
  }
  return **got;
}

StorageCounts BackendConformanceTest::Counts() {
  auto counts = storage_->Count();
  EXPECT_TRUE(counts.ok()) << counts.status();
  return counts.ok() ? *counts : StorageCounts();
}

std::vector<std::string> BackendConformanceTest::Keys(const Conversation& c) {
  return {c.key_order().begin(), c.key_order().end()};
}

namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

// Payloads that must come back exactly: integers above 2^53, float text,
// non-ASCII inside and outside the BMP, key order, empty strings.
constexpr absl::string_view kStage1 =
    R"([{"model":"openai/gpt-5","response":"caf\u00e9 na\u00efve \u2713 日本語 😀"},{"model":"b","response":""}])";
constexpr absl::string_view kStage1Canonical =
    R"([{"model":"openai/gpt-5","response":"café naïve ✓ 日本語 😀"},{"model":"b","response":""}])";
constexpr absl::string_view kStage2 =
    R"([{"model":"a","ranking":"1. B\n2. A","parsed_ranking":["Response B","Response A"]}])";
constexpr absl::string_view kStage3 =
    R"({"z":1,"a":2,"model":"c","response":"ok"})";
constexpr absl::string_view kMetadata =
    R"({"label_to_model":{"Response A":"a"},"aggregate_rankings":[{"model":"a","average_rank":1.75,"rankings_count":3}],"request_id":9007199254740993,"f":0.30000000000000004,"tiny":1e-07,"neg":-0.0,"big":1e+16,"empty":{},"list":[]})";

// ---- create / get -----------------------------------------------------------

TEST_P(BackendConformanceTest, CreateConversationHasContractDefaults) {
  ASSERT_OK_AND_ASSIGN(Conversation created,
                       storage_->CreateConversation("c1", "u1"));
  EXPECT_EQ(created.id(), "c1");
  EXPECT_EQ(created.user_id(), "u1");
  EXPECT_EQ(created.created_at(), "2025-12-04T10:11:12.123456");
  EXPECT_EQ(created.title(), "New Conversation");
  EXPECT_FALSE(created.starred());
  EXPECT_THAT(created.messages(), SizeIs(0));
  EXPECT_EQ(created.report_cycle(), 0);
  EXPECT_FALSE(created.has_follow_up());
  EXPECT_FALSE(created.has_follow_up_answers_json());
  EXPECT_TRUE(created.is_visible());
  EXPECT_EQ(created.expires_at(), "2025-12-11T10:11:12.123456");
  EXPECT_THAT(Keys(created),
              ElementsAre("id", "user_id", "created_at", "title", "starred",
                          "messages", "report_cycle", "has_follow_up",
                          "follow_up_answers", "is_visible", "expires_at"));
  Conversation stored = MustGet("c1");
  EXPECT_TRUE(MessageDifferencer::Equals(created, stored))
      << stored.DebugString();
}

TEST_P(BackendConformanceTest, PaidTierConversationDoesNotExpire) {
  ASSERT_OK_AND_ASSIGN(Conversation created,
                       storage_->CreateConversation("c1", "u1", "monthly"));
  EXPECT_FALSE(created.has_expires_at());
  EXPECT_FALSE(MustGet("c1").has_expires_at());
}

TEST_P(BackendConformanceTest, TimestampWithoutMicrosecondsHasNoFraction) {
  clock_.Advance(absl::Microseconds(1000000 - 123456));
  ASSERT_OK_AND_ASSIGN(Conversation created,
                       storage_->CreateConversation("c1", "u1"));
  EXPECT_EQ(created.created_at(), "2025-12-04T10:11:13");
  EXPECT_EQ(MustGet("c1").created_at(), "2025-12-04T10:11:13");
}

TEST_P(BackendConformanceTest, CreateExistingConversationIsAlreadyExists) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_THAT(storage_->AddUserMessage("c1", "keep me"), IsOk());
  EXPECT_THAT(storage_->CreateConversation("c1", "u2"),
              StatusIs(absl::StatusCode::kAlreadyExists, "c1"));
  Conversation stored = MustGet("c1");
  EXPECT_EQ(stored.user_id(), "u1");
  ASSERT_THAT(stored.messages(), SizeIs(1));
  EXPECT_EQ(stored.messages(0).content(), "keep me");
}

TEST_P(BackendConformanceTest, GetMissingConversationIsEmpty) {
  ASSERT_OK_AND_ASSIGN(auto got, storage_->GetConversation("nope"));
  EXPECT_FALSE(got.has_value());
}

// ---- messages ---------------------------------------------------------------

TEST_P(BackendConformanceTest, MessagesKeepTheirOrder) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  for (int i = 0; i < 12; ++i) {
    ASSERT_THAT(storage_->AddUserMessage("c1", absl::StrCat("m", i)), IsOk());
  }
  Conversation c = MustGet("c1");
  ASSERT_THAT(c.messages(), SizeIs(12));
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(c.messages(i).role(), "user");
    EXPECT_EQ(c.messages(i).content(), absl::StrCat("m", i));
  }
}

TEST_P(BackendConformanceTest, AssistantPayloadsRoundTripExactly) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_THAT(storage_->AddUserMessage("c1", "Quel temps? 日本語 😀 \"q\"\n"),
              IsOk());
  ASSERT_THAT(
      storage_->AddAssistantMessage("c1", kStage1, kStage2, kStage3, kMetadata),
      IsOk());
  ASSERT_THAT(storage_->AddAssistantMessage("c1", "[]", "[]", "{}"), IsOk());
  Conversation c = MustGet("c1");
  ASSERT_THAT(c.messages(), SizeIs(3));
  EXPECT_EQ(c.messages(0).content(), "Quel temps? 日本語 😀 \"q\"\n");
  const Message& a = c.messages(1);
  EXPECT_EQ(a.role(), "assistant");
  EXPECT_FALSE(a.has_content());
  EXPECT_EQ(a.stage1_json(), kStage1Canonical);
  EXPECT_EQ(a.stage2_json(), kStage2);
  EXPECT_EQ(a.stage3_json(), kStage3);
  EXPECT_EQ(a.metadata_json(), kMetadata);
  EXPECT_THAT(
      std::vector<std::string>(a.key_order().begin(), a.key_order().end()),
      ElementsAre("role", "stage1", "stage2", "stage3", "metadata"));
  const Message& b = c.messages(2);
  EXPECT_FALSE(b.has_metadata_json());
  EXPECT_THAT(
      std::vector<std::string>(b.key_order().begin(), b.key_order().end()),
      ElementsAre("role", "stage1", "stage2", "stage3"));
}

TEST_P(BackendConformanceTest, PayloadWhiteSpaceIsCanonicalized) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_THAT(storage_->AddAssistantMessage(
                  "c1", "[ {\"model\" : \"a\" ,\n \"n\": 1.50} ]", " [ ] ",
                  "{ \"x\" : [ 1 , 2 ] }", "\n{\"r\": 12345678901234567890}\n"),
              IsOk());
  const Conversation c = MustGet("c1");
  ASSERT_THAT(c.messages(), SizeIs(1));
  const Message& m = c.messages(0);
  EXPECT_EQ(m.stage1_json(), R"([{"model":"a","n":1.50}])");
  EXPECT_EQ(m.stage2_json(), "[]");
  EXPECT_EQ(m.stage3_json(), R"({"x":[1,2]})");
  EXPECT_EQ(m.metadata_json(), R"({"r":12345678901234567890})");
}

TEST_P(BackendConformanceTest, AppendToMissingConversationIsNotFound) {
  EXPECT_THAT(
      storage_->AddUserMessage("ghost", "hi"),
      StatusIs(absl::StatusCode::kNotFound, "Conversation ghost not found"));
  EXPECT_THAT(
      storage_->AddAssistantMessage("ghost", "[]", "[]", "{}"),
      StatusIs(absl::StatusCode::kNotFound, "Conversation ghost not found"));
  EXPECT_EQ(Counts().conversations, 0);
}

TEST_P(BackendConformanceTest,
       MalformedPayloadIsInvalidArgumentAndStoresNothing) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  EXPECT_THAT(storage_->AddAssistantMessage("c1", "[1,", "[]", "{}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "stage1"));
  EXPECT_THAT(storage_->AddAssistantMessage("c1", "[]", "[]", "{}", "nope"),
              StatusIs(absl::StatusCode::kInvalidArgument, "metadata"));
  EXPECT_THAT(storage_->AddUserMessage("c1", "\xff\xfe"),
              StatusIs(absl::StatusCode::kInvalidArgument, "UTF-8"));
  EXPECT_THAT(MustGet("c1").messages(), SizeIs(0));
}

// ---- listing
// ------------------------------------------------------------------

TEST_P(BackendConformanceTest, ListIsNewestFirstAndFiltersByUser) {
  ASSERT_THAT(storage_->CreateConversation("old", "u1"), IsOk());
  clock_.Advance(absl::Seconds(1));
  ASSERT_THAT(storage_->CreateConversation("other", "u2", "monthly"), IsOk());
  clock_.Advance(absl::Seconds(1));
  ASSERT_THAT(storage_->CreateConversation("new", "u1", "monthly"), IsOk());
  ASSERT_THAT(storage_->CreateConversation("new-b", "u1"), IsOk());
  ASSERT_THAT(storage_->AddUserMessage("new", "x"), IsOk());
  ASSERT_THAT(storage_->AddUserMessage("new", "y"), IsOk());

  ASSERT_OK_AND_ASSIGN(auto mine, storage_->ListConversations("u1"));
  ASSERT_THAT(mine, SizeIs(3));
  EXPECT_EQ(mine[0].id(), "new");  // equal created_at: ascending id
  EXPECT_EQ(mine[1].id(), "new-b");
  EXPECT_EQ(mine[2].id(), "old");
  EXPECT_EQ(mine[0].message_count(), 2);
  EXPECT_EQ(mine[0].title(), "New Conversation");
  EXPECT_FALSE(mine[0].starred());
  EXPECT_TRUE(mine[0].is_visible());
  EXPECT_FALSE(mine[0].has_expires_at());
  EXPECT_EQ(mine[2].expires_at(), "2025-12-11T10:11:12.123456");
  EXPECT_EQ(mine[2].created_at(), "2025-12-04T10:11:12.123456");

  ASSERT_OK_AND_ASSIGN(auto all, storage_->ListConversations());
  ASSERT_THAT(all, SizeIs(4));
  EXPECT_EQ(all[2].id(), "other");
  ASSERT_OK_AND_ASSIGN(auto none, storage_->ListConversations("nobody"));
  EXPECT_THAT(none, SizeIs(0));
}

// ---- updates
// ------------------------------------------------------------------

TEST_P(BackendConformanceTest, UpdateConversationIsAShallowMerge) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_THAT(storage_->AddUserMessage("c1", "first"), IsOk());
  ASSERT_THAT(
      storage_->UpdateConversation(
          "c1",
          R"({"title":"T","custom":{"b":1,"a":[9007199254740993]},"is_visible":false})"),
      IsOk());
  ASSERT_THAT(storage_->AddUserMessage("c1", "second"), IsOk());
  ASSERT_THAT(storage_->UpdateConversationTitle("c1", "T2 ✓"), IsOk());
  Conversation c = MustGet("c1");
  EXPECT_EQ(c.title(), "T2 ✓");
  EXPECT_FALSE(c.is_visible());
  EXPECT_THAT(c.messages(), SizeIs(2));
  EXPECT_THAT(Keys(c), ElementsAre("id", "user_id", "created_at", "title",
                                   "starred", "messages", "report_cycle",
                                   "has_follow_up", "follow_up_answers",
                                   "is_visible", "expires_at", "custom"));
  ASSERT_THAT(c.extra(), SizeIs(1));
  EXPECT_EQ(c.extra(0).key(), "custom");
  EXPECT_EQ(c.extra(0).json(), R"({"b":1,"a":[9007199254740993]})");
  ASSERT_OK_AND_ASSIGN(auto list, storage_->ListConversations("u1"));
  ASSERT_THAT(list, SizeIs(1));
  EXPECT_EQ(list[0].title(), "T2 ✓");
  EXPECT_FALSE(list[0].is_visible());
}

TEST_P(BackendConformanceTest, UpdateWithWrongTypeKeepsTheValue) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_THAT(storage_->UpdateConversation("c1", R"({"title":null})"), IsOk());
  Conversation c = MustGet("c1");
  ASSERT_THAT(c.extra(), SizeIs(1));
  EXPECT_EQ(c.extra(0).key(), "title");
  EXPECT_EQ(c.extra(0).json(), "null");
  EXPECT_EQ(Keys(c)[3], "title");
}

TEST_P(BackendConformanceTest, UpdateErrors) {
  EXPECT_THAT(
      storage_->UpdateConversation("ghost", "{}"),
      StatusIs(absl::StatusCode::kNotFound, "Conversation ghost not found"));
  EXPECT_THAT(
      storage_->UpdateConversationTitle("ghost", "t"),
      StatusIs(absl::StatusCode::kNotFound, "Conversation ghost not found"));
  EXPECT_THAT(
      storage_->ToggleConversationStarred("ghost"),
      StatusIs(absl::StatusCode::kNotFound, "Conversation ghost not found"));
  EXPECT_THAT(
      storage_->SaveFollowUpAnswers("ghost", "{}"),
      StatusIs(absl::StatusCode::kNotFound, "Conversation ghost not found"));
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  EXPECT_THAT(storage_->UpdateConversation("c1", "[1]"),
              StatusIs(absl::StatusCode::kInvalidArgument, "object"));
  EXPECT_THAT(storage_->UpdateConversation("c1", "{"),
              StatusIs(absl::StatusCode::kInvalidArgument, "updates"));
  EXPECT_THAT(storage_->UpdateConversation("c1", R"({"id":"c2"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "id"));
  EXPECT_THAT(storage_->UpdateConversation("c1", R"({"messages":[]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "messages"));
  EXPECT_EQ(MustGet("c1").title(), "New Conversation");
}

TEST_P(BackendConformanceTest, ToggleStarredFlipsAndReturnsTheNewValue) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_OK_AND_ASSIGN(bool first, storage_->ToggleConversationStarred("c1"));
  EXPECT_TRUE(first);
  EXPECT_TRUE(MustGet("c1").starred());
  ASSERT_OK_AND_ASSIGN(bool second, storage_->ToggleConversationStarred("c1"));
  EXPECT_FALSE(second);
  EXPECT_FALSE(MustGet("c1").starred());
}

TEST_P(BackendConformanceTest, FollowUpAnswersSetFlagsAndAddOneToTheCycle) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_THAT(storage_->SaveFollowUpAnswers("c1", R"({"q1": "oui", "n": 2})"),
              IsOk());
  Conversation c = MustGet("c1");
  EXPECT_TRUE(c.has_follow_up());
  EXPECT_EQ(c.report_cycle(), 1);
  EXPECT_EQ(c.follow_up_answers_json(), R"({"q1":"oui","n":2})");
  ASSERT_THAT(storage_->SaveFollowUpAnswers("c1", "[1]"), IsOk());
  c = MustGet("c1");
  EXPECT_EQ(c.report_cycle(), 2);
  EXPECT_EQ(c.follow_up_answers_json(), "[1]");
}

TEST_P(BackendConformanceTest, DeleteRemovesAndUnknownIdIsNotAnError) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_THAT(storage_->AddUserMessage("c1", "x"), IsOk());
  ASSERT_THAT(storage_->CreateConversation("c2", "u1"), IsOk());
  ASSERT_THAT(storage_->DeleteConversation("c1"), IsOk());
  ASSERT_THAT(storage_->DeleteConversation("c1"), IsOk());
  ASSERT_THAT(storage_->DeleteConversation("never"), IsOk());
  ASSERT_OK_AND_ASSIGN(auto got, storage_->GetConversation("c1"));
  EXPECT_FALSE(got.has_value());
  ASSERT_OK_AND_ASSIGN(auto list, storage_->ListConversations("u1"));
  ASSERT_THAT(list, SizeIs(1));
  EXPECT_EQ(list[0].id(), "c2");
  EXPECT_EQ(Counts().messages, 0);
  // The id can be used again.
  ASSERT_THAT(storage_->CreateConversation("c1", "u9"), IsOk());
  EXPECT_THAT(MustGet("c1").messages(), SizeIs(0));
}

// ---- save_conversation
// ----------------------------------------------------------

TEST_P(BackendConformanceTest, SaveConversationStoresTheWholeRecordAsGiven) {
  Conversation c;
  c.set_id("c1");
  c.set_user_id("u1");
  c.set_created_at("2024-01-02T03:04:05");
  c.set_title("Imported");
  c.set_starred(true);
  c.set_report_cycle(3);
  c.set_follow_up_answers_json(R"({"a": [1, 2.50]})");
  c.set_is_visible(false);
  c.add_key_order("user_id");
  c.add_key_order("id");
  c.add_key_order("legacy_flag");
  c.add_key_order("created_at");
  c.add_key_order("title");
  c.add_key_order("messages");
  c.add_key_order("starred");
  c.add_key_order("report_cycle");
  c.add_key_order("follow_up_answers");
  c.add_key_order("is_visible");
  c.add_key_order("expires_at");
  JsonField* legacy = c.add_extra();
  legacy->set_key("legacy_flag");
  legacy->set_json(R"({"since": 1e-07})");
  Message* m = c.add_messages();
  m->set_role("assistant");
  m->set_stage1_json("[]");
  m->set_stage2_json("[]");
  m->set_stage3_json(R"({"response": "ok"})");
  JsonField* note = m->add_extra();
  note->set_key("note");
  note->set_json("\"ü\"");
  ASSERT_THAT(storage_->SaveConversation(c), IsOk());

  Conversation got = MustGet("c1");
  EXPECT_THAT(Keys(got),
              ElementsAre("user_id", "id", "legacy_flag", "created_at", "title",
                          "messages", "starred", "report_cycle",
                          "follow_up_answers", "is_visible", "expires_at"));
  EXPECT_EQ(got.extra(0).json(), R"({"since":1e-07})");
  EXPECT_EQ(got.follow_up_answers_json(), R"({"a":[1,2.50]})");
  EXPECT_FALSE(got.has_expires_at());
  EXPECT_FALSE(got.is_visible());
  ASSERT_THAT(got.messages(), SizeIs(1));
  EXPECT_EQ(got.messages(0).stage3_json(), R"({"response":"ok"})");
  ASSERT_THAT(got.messages(0).extra(), SizeIs(1));
  EXPECT_EQ(got.messages(0).extra(0).json(), "\"ü\"");

  // Saving what was read changes nothing.
  ASSERT_THAT(storage_->SaveConversation(got), IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(got, MustGet("c1")));
  // A record without some keys lists with the contract's defaults.
  Conversation bare;
  bare.set_id("bare");
  bare.set_user_id("u1");
  bare.set_created_at("2020-01-01T00:00:00");
  bare.add_key_order("id");
  bare.add_key_order("user_id");
  bare.add_key_order("created_at");
  bare.add_key_order("messages");
  ASSERT_THAT(storage_->SaveConversation(bare), IsOk());
  ASSERT_OK_AND_ASSIGN(auto list, storage_->ListConversations("u1"));
  ASSERT_THAT(list, SizeIs(2));
  EXPECT_EQ(list[1].id(), "bare");
  EXPECT_EQ(list[1].title(), "New Conversation");
  EXPECT_TRUE(list[1].is_visible());
  EXPECT_FALSE(list[1].starred());
  Conversation bare_got = MustGet("bare");
  EXPECT_THAT(Keys(bare_got),
              ElementsAre("id", "user_id", "created_at", "messages"));
  // Toggling adds the key at the end, as a Python dict would.
  ASSERT_THAT(storage_->ToggleConversationStarred("bare"), IsOk());
  EXPECT_THAT(Keys(MustGet("bare")), ElementsAre("id", "user_id", "created_at",
                                                 "messages", "starred"));
}

TEST_P(BackendConformanceTest, SaveConversationRejectsMalformedPayloads) {
  Conversation c;
  c.set_id("c1");
  c.set_user_id("u1");
  c.add_messages()->set_stage1_json("{oops");
  EXPECT_THAT(storage_->SaveConversation(c),
              StatusIs(absl::StatusCode::kInvalidArgument, "stage1"));
  ASSERT_OK_AND_ASSIGN(auto got, storage_->GetConversation("c1"));
  EXPECT_FALSE(got.has_value());
}

// ---- restore / counts
// -------------------------------------------------------------

TEST_P(BackendConformanceTest, RestoreAllExpiredReportsOnlyTouchesThatUser) {
  ASSERT_THAT(storage_->CreateConversation("free", "u1"), IsOk());
  ASSERT_THAT(storage_->CreateConversation("paid", "u1", "yearly"), IsOk());
  ASSERT_THAT(storage_->CreateConversation("hidden", "u1", "yearly"), IsOk());
  ASSERT_THAT(storage_->UpdateConversation("hidden", R"({"is_visible":false})"),
              IsOk());
  ASSERT_THAT(storage_->CreateConversation("theirs", "u2"), IsOk());
  ASSERT_OK_AND_ASSIGN(int64_t restored,
                       storage_->RestoreAllExpiredReports("u1"));
  EXPECT_EQ(restored, 2);
  EXPECT_FALSE(MustGet("free").has_expires_at());
  EXPECT_TRUE(MustGet("free").is_visible());
  EXPECT_TRUE(MustGet("hidden").is_visible());
  EXPECT_TRUE(MustGet("theirs").has_expires_at());
  ASSERT_OK_AND_ASSIGN(int64_t again, storage_->RestoreAllExpiredReports("u1"));
  EXPECT_EQ(again, 0);
}

TEST_P(BackendConformanceTest, ActiveCountExcludesExpiredConversations) {
  ASSERT_THAT(storage_->CreateConversation("free", "u1"), IsOk());
  ASSERT_THAT(storage_->CreateConversation("paid", "u1", "monthly"), IsOk());
  ASSERT_THAT(storage_->CreateConversation("theirs", "u2"), IsOk());
  EXPECT_THAT(storage_->CountUserConversations("u1"), IsOkAndHolds(2));
  EXPECT_THAT(storage_->GetActiveConversationsCount("u1"), IsOkAndHolds(2));
  clock_.Advance(absl::Hours(24 * 8));
  EXPECT_THAT(storage_->GetActiveConversationsCount("u1"), IsOkAndHolds(1));
  EXPECT_THAT(storage_->CountUserConversations("u1"), IsOkAndHolds(2));
  EXPECT_THAT(storage_->CountUserConversations("nobody"), IsOkAndHolds(0));
}

// ---- profiles
// ---------------------------------------------------------------------

TEST_P(BackendConformanceTest, ProfileDefaultsAndLock) {
  ASSERT_OK_AND_ASSIGN(
      Profile p,
      storage_->CreateUserProfile(
          "u1", "", R"({"gender":"f","age_range":"25-34","mood":"calme ✓"})"));
  EXPECT_EQ(p.email(), "unknown@clerk.local");
  EXPECT_TRUE(p.profile_locked());
  EXPECT_EQ(p.created_at(), "2025-12-04T10:11:12.123456");
  ASSERT_OK_AND_ASSIGN(auto got, storage_->GetUserProfile("u1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(p, *got)) << got->DebugString();
  EXPECT_EQ(got->profile_json(),
            R"({"gender":"f","age_range":"25-34","mood":"calme ✓"})");
  EXPECT_THAT(storage_->UpdateUserProfile("u1", R"({"mood":"x"})"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "Profile is locked and cannot be edited"));
  EXPECT_THAT(storage_->UpdateUserProfile("ghost", R"({"mood":"x"})"),
              StatusIs(absl::StatusCode::kNotFound,
                       "Profile for user ghost not found"));
  ASSERT_OK_AND_ASSIGN(auto none, storage_->GetUserProfile("ghost"));
  EXPECT_FALSE(none.has_value());
}

TEST_P(BackendConformanceTest, UnlockedProfileMergesIntoProfileObject) {
  // Profiles are created locked; an unlocked one comes from older data.
  Backend& backend = StorageTestPeer::backend(*storage_);
  Profile p;
  p.set_user_id("u1");
  p.set_email("a@example.com");
  p.set_profile_json(R"({"gender":"m","age_range":"18-24","mood":"ok"})");
  p.set_created_at("2025-01-01T00:00:00");
  p.set_profile_locked(false);
  ASSERT_THAT(backend.PutProfile(p), IsOk());
  ASSERT_OK_AND_ASSIGN(
      Profile updated,
      storage_->UpdateUserProfile("u1", R"({"mood":"great","hobby":"chess"})"));
  EXPECT_EQ(
      updated.profile_json(),
      R"({"gender":"m","age_range":"18-24","mood":"great","hobby":"chess"})");
  ASSERT_OK_AND_ASSIGN(auto got, storage_->GetUserProfile("u1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->profile_json(), updated.profile_json());
  EXPECT_EQ(got->email(), "a@example.com");
}

// ---- subscriptions
// ------------------------------------------------------------------

TEST_P(BackendConformanceTest, SubscriptionDefaultsAndMerge) {
  ASSERT_OK_AND_ASSIGN(Subscription s, storage_->CreateSubscription("u1"));
  EXPECT_EQ(s.tier(), "free");
  EXPECT_EQ(s.status(), "active");
  EXPECT_FALSE(s.has_stripe_subscription_id());
  EXPECT_FALSE(s.has_current_period_end());
  EXPECT_EQ(s.created_at(), s.updated_at());
  clock_.Advance(absl::Seconds(5));
  ASSERT_OK_AND_ASSIGN(
      Subscription updated,
      storage_->UpdateSubscription(
          "u1",
          R"({"tier":"monthly","stripe_subscription_id":"sub_1","stripe_customer_id":"cus_1","current_period_end":"2026-01-04T10:11:12"})"));
  EXPECT_EQ(updated.tier(), "monthly");
  EXPECT_EQ(updated.updated_at(), "2025-12-04T10:11:17.123456");
  EXPECT_EQ(updated.created_at(), "2025-12-04T10:11:12.123456");
  ASSERT_OK_AND_ASSIGN(auto got, storage_->GetSubscription("u1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(updated, *got)) << got->DebugString();
  EXPECT_EQ(got->stripe_subscription_id(), "sub_1");
  ASSERT_THAT(got->extra(), SizeIs(1));
  EXPECT_EQ(got->extra(0).key(), "stripe_customer_id");
  EXPECT_EQ(got->key_order(got->key_order_size() - 1), "stripe_customer_id");
  EXPECT_THAT(storage_->UpdateSubscription("ghost", "{}"),
              StatusIs(absl::StatusCode::kNotFound,
                       "Subscription for user ghost not found"));
}

TEST_P(BackendConformanceTest, UpdateByStripeIdFindsTheRightSubscription) {
  ASSERT_THAT(storage_->CreateSubscription("u1"), IsOk());
  ASSERT_THAT(storage_->CreateSubscription("u2", "monthly"), IsOk());
  ASSERT_THAT(storage_->UpdateSubscription(
                  "u2", R"({"stripe_subscription_id":"sub_2"})"),
              IsOk());
  ASSERT_OK_AND_ASSIGN(
      auto updated,
      storage_->UpdateSubscriptionByStripeId(
          "sub_2", R"({"status":"cancelled","current_period_end":null})"));
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->user_id(), "u2");
  EXPECT_EQ(updated->status(), "cancelled");
  ASSERT_OK_AND_ASSIGN(auto u1, storage_->GetSubscription("u1"));
  EXPECT_EQ(u1->status(), "active");
  ASSERT_OK_AND_ASSIGN(auto none, storage_->UpdateSubscriptionByStripeId(
                                      "sub_404", R"({"status":"expired"})"));
  EXPECT_FALSE(none.has_value());
  // The index follows a changed Stripe id.
  ASSERT_THAT(storage_->UpdateSubscription(
                  "u2", R"({"stripe_subscription_id":"sub_3"})"),
              IsOk());
  ASSERT_OK_AND_ASSIGN(auto old_id, storage_->UpdateSubscriptionByStripeId(
                                        "sub_2", R"({"status":"expired"})"));
  EXPECT_FALSE(old_id.has_value());
  ASSERT_OK_AND_ASSIGN(auto new_id, storage_->UpdateSubscriptionByStripeId(
                                        "sub_3", R"({"status":"expired"})"));
  ASSERT_TRUE(new_id.has_value());
  EXPECT_EQ(new_id->user_id(), "u2");
}

TEST_P(BackendConformanceTest,
       CreateProfileAndSubscriptionReplaceAsTheOriginal) {
  ASSERT_THAT(storage_->CreateSubscription("u1", "monthly"), IsOk());
  ASSERT_THAT(storage_->CreateSubscription("u1", "yearly"), IsOk());
  ASSERT_OK_AND_ASSIGN(auto s, storage_->GetSubscription("u1"));
  EXPECT_EQ(s->tier(), "yearly");
  ASSERT_THAT(storage_->CreateUserProfile("u1", "a@x", "{}"), IsOk());
  ASSERT_THAT(storage_->CreateUserProfile("u1", "b@x", "{}"), IsOk());
  ASSERT_OK_AND_ASSIGN(auto p, storage_->GetUserProfile("u1"));
  EXPECT_EQ(p->email(), "b@x");
  EXPECT_EQ(Counts().profiles, 1);
  EXPECT_EQ(Counts().subscriptions, 1);
}

TEST_P(BackendConformanceTest,
       UsersWithoutProfileHaveConversationsAndSubscriptions) {
  ASSERT_THAT(storage_->CreateConversation("c1", "lonely"), IsOk());
  ASSERT_THAT(storage_->CreateSubscription("lonely", "monthly"), IsOk());
  ASSERT_OK_AND_ASSIGN(auto profile, storage_->GetUserProfile("lonely"));
  EXPECT_FALSE(profile.has_value());
  EXPECT_EQ(Counts().profiles, 0);
  ASSERT_OK_AND_ASSIGN(auto sub, storage_->GetSubscription("lonely"));
  EXPECT_TRUE(sub.has_value());
  // A profile created later is a real one.
  ASSERT_THAT(storage_->CreateUserProfile("lonely", "l@x", "{}"), IsOk());
  ASSERT_OK_AND_ASSIGN(profile, storage_->GetUserProfile("lonely"));
  EXPECT_TRUE(profile.has_value());
  EXPECT_THAT(storage_->CountUserConversations("lonely"), IsOkAndHolds(1));
}

// ---- bad input
// ------------------------------------------------------------------

TEST_P(BackendConformanceTest, IdsThatCouldEscapeAreRefusedAndChangeNothing) {
  const std::vector<std::string> bad = {"",
                                        ".",
                                        "..",
                                        "../x",
                                        "a/b",
                                        "a\\b",
                                        "/abs",
                                        std::string("a\0b", 3),
                                        std::string(251, 'x'),
                                        std::string(10000, 'z'),
                                        ".hidden",
                                        "\xc3\x28"};
  for (const std::string& id : bad) {
    SCOPED_TRACE(absl::StrCat("id of ", id.size(), " bytes"));
    EXPECT_THAT(
        storage_->CreateConversation(id, "u1"),
        StatusIs(absl::StatusCode::kInvalidArgument, "conversation id"));
    EXPECT_THAT(storage_->CreateConversation("ok", id),
                StatusIs(absl::StatusCode::kInvalidArgument, "user id"));
    EXPECT_THAT(storage_->CreateUserProfile(id, "e", "{}"),
                StatusIs(absl::StatusCode::kInvalidArgument, "user id"));
    EXPECT_THAT(storage_->CreateSubscription(id),
                StatusIs(absl::StatusCode::kInvalidArgument, "user id"));
    EXPECT_THAT(
        storage_->AddUserMessage(id, "x"),
        StatusIs(absl::StatusCode::kInvalidArgument, "conversation id"));
    EXPECT_THAT(
        storage_->GetConversation(id),
        StatusIs(absl::StatusCode::kInvalidArgument, "conversation id"));
    EXPECT_THAT(
        storage_->DeleteConversation(id),
        StatusIs(absl::StatusCode::kInvalidArgument, "conversation id"));
    // Counting and listing check the id as every other call does.
    EXPECT_THAT(storage_->CountUserConversations(id),
                StatusIs(absl::StatusCode::kInvalidArgument, "user id"));
    EXPECT_THAT(storage_->GetActiveConversationsCount(id),
                StatusIs(absl::StatusCode::kInvalidArgument, "user id"));
    if (!id.empty()) {  // an empty user lists every conversation
      EXPECT_THAT(storage_->ListConversations(id),
                  StatusIs(absl::StatusCode::kInvalidArgument, "user id"));
    }
  }
  std::string longest(250, 'y');
  EXPECT_THAT(storage_->CreateConversation(longest, "u1"), IsOk());
  const StorageCounts counts = Counts();
  EXPECT_EQ(counts.conversations, 1);
  EXPECT_EQ(counts.profiles, 0);
  EXPECT_EQ(counts.subscriptions, 0);
}

TEST_P(BackendConformanceTest, QuotesAndSqlMetacharactersAreJustText) {
  const std::string id = "it's \"q\"; DROP TABLE conversations; --";
  ASSERT_THAT(storage_->CreateConversation(id, "o'brien"), IsOk());
  ASSERT_THAT(storage_->AddUserMessage(id, "'); DELETE FROM messages; --"),
              IsOk());
  ASSERT_THAT(storage_->UpdateConversationTitle(id, "%_*?'\""), IsOk());
  Conversation c = MustGet(id);
  EXPECT_EQ(c.user_id(), "o'brien");
  EXPECT_EQ(c.title(), "%_*?'\"");
  EXPECT_EQ(c.messages(0).content(), "'); DELETE FROM messages; --");
  ASSERT_OK_AND_ASSIGN(auto list, storage_->ListConversations("o'brien"));
  EXPECT_THAT(list, SizeIs(1));
  ASSERT_OK_AND_ASSIGN(auto none, storage_->ListConversations("o%"));
  EXPECT_THAT(none, SizeIs(0));
}

// ---- transactions
// -----------------------------------------------------------------

TEST_P(BackendConformanceTest, FailedTransactionLeavesNoTrace) {
  ASSERT_THAT(storage_->CreateConversation("keep", "u1"), IsOk());
  absl::Status status = storage_->RunInTransaction([](Storage& tx) {
    RETURN_IF_ERROR(tx.CreateConversation("new", "u1").status());
    RETURN_IF_ERROR(tx.AddUserMessage("keep", "should vanish"));
    RETURN_IF_ERROR(tx.CreateUserProfile("u1", "e", "{}").status());
    RETURN_IF_ERROR(tx.CreateSubscription("u1", "monthly").status());
    RETURN_IF_ERROR(tx.DeleteConversation("keep"));
    return absl::AbortedError("caller changed its mind");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAborted, "changed its mind"));
  ASSERT_OK_AND_ASSIGN(auto gone, storage_->GetConversation("new"));
  EXPECT_FALSE(gone.has_value());
  EXPECT_THAT(MustGet("keep").messages(), SizeIs(0));
  const StorageCounts counts = Counts();
  EXPECT_EQ(counts.conversations, 1);
  EXPECT_EQ(counts.profiles, 0);
  EXPECT_EQ(counts.subscriptions, 0);
}

TEST_P(BackendConformanceTest, SuccessfulTransactionCommitsEverything) {
  ASSERT_THAT(storage_->RunInTransaction([](Storage& tx) {
    RETURN_IF_ERROR(tx.CreateConversation("a", "u1").status());
    RETURN_IF_ERROR(tx.AddUserMessage("a", "hello"));
    RETURN_IF_ERROR(tx.CreateSubscription("u1").status());
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_THAT(MustGet("a").messages(), SizeIs(1));
  EXPECT_EQ(Counts().subscriptions, 1);
}

// ---- concurrency
// --------------------------------------------------------------------

TEST_P(BackendConformanceTest, ConcurrentAppendsLoseNothing) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  ASSERT_THAT(storage_->CreateConversation("hot", "u1"), IsOk());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!storage_->AddUserMessage("hot", absl::StrCat(t, ":", i)).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  Conversation c = MustGet("hot");
  ASSERT_THAT(c.messages(), SizeIs(kThreads * kPerThread));
  std::vector<int> next(kThreads, 0);
  for (const Message& m : c.messages()) {
    int t = m.content()[0] - '0';
    EXPECT_EQ(m.content(), absl::StrCat(t, ":", next[t]));
    ++next[t];
  }
}

// ---- whole store
// ----------------------------------------------------------------------

TEST_P(BackendConformanceTest, CountsEveryKind) {
  ASSERT_THAT(storage_->CreateUserProfile("u1", "e", "{}"), IsOk());
  ASSERT_THAT(storage_->CreateSubscription("u1"), IsOk());
  ASSERT_THAT(storage_->CreateSubscription("u2"), IsOk());
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_THAT(storage_->CreateConversation("c2", "u2"), IsOk());
  ASSERT_THAT(storage_->AddUserMessage("c1", "a"), IsOk());
  ASSERT_THAT(storage_->AddAssistantMessage("c1", "[]", "[]", "{}"), IsOk());
  ASSERT_THAT(storage_->AddUserMessage("c2", "b"), IsOk());
  const StorageCounts counts = Counts();
  EXPECT_EQ(counts.profiles, 1);
  EXPECT_EQ(counts.subscriptions, 2);
  EXPECT_EQ(counts.conversations, 2);
  EXPECT_EQ(counts.messages, 3);
}

TEST_P(BackendConformanceTest, ReopenedStoreHasEverything) {
  ASSERT_THAT(storage_->CreateConversation("c1", "u1"), IsOk());
  ASSERT_THAT(
      storage_->AddAssistantMessage("c1", kStage1, kStage2, kStage3, kMetadata),
      IsOk());
  Conversation before = MustGet("c1");
  if (url_.find(":memory:") != std::string::npos) return;  // nothing to reopen
  storage_.reset();
  ASSERT_OK_AND_ASSIGN(storage_, Storage::Open(url_));
  EXPECT_TRUE(MessageDifferencer::Equals(before, MustGet("c1")));
}

TEST_P(BackendConformanceTest, ErrorsNeverShowThePassword) {
  const std::string url =
      "postgresql://bob:CANARY-pw-7731@127.0.0.1:1/nodb?connect_timeout=1";
  auto opened = Storage::Open(url);
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(std::string(opened.status().message()),
              Not(HasSubstr("CANARY-pw-7731")));
  auto bad_scheme = Storage::Open("mysql://bob:CANARY-pw-7731@h/db");
  EXPECT_THAT(bad_scheme,
              StatusIs(absl::StatusCode::kInvalidArgument, "mysql"));
  EXPECT_THAT(std::string(bad_scheme.status().message()),
              Not(HasSubstr("CANARY-pw-7731")));
}

}  // namespace
}  // namespace testing
}  // namespace parley
