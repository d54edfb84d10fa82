#include "storage/record_json.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/records.pb.h"
#include "storage/json_value.h"

namespace parley {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

JsonValue MustParse(absl::string_view text) {
  absl::StatusOr<JsonValue> value = ParseJson(text);
  EXPECT_TRUE(value.ok()) << value.status() << " in " << text;
  return value.ok() ? *std::move(value) : JsonValue();
}

template <typename Proto>
void ExpectProtoEq(const Proto& a, const Proto& b) {
  EXPECT_TRUE(MessageDifferencer::Equals(a, b)) << a.DebugString() << "\nvs\n"
                                                << b.DebugString();
}

std::string KeyOrderOf(
    const google::protobuf::RepeatedPtrField<std::string>& key_order) {
  std::string out;
  for (const std::string& key : key_order) absl::StrAppend(&out, key, ",");
  return out;
}

std::string ExtraOf(
    const google::protobuf::RepeatedPtrField<JsonField>& extra) {
  std::string out;
  for (const JsonField& f : extra)
    absl::StrAppend(&out, f.key(), "=", f.json(), ";");
  return out;
}

// FromJson then ToJson must give back the same object, key order included;
// and FromJson(ToJson(record)) must give back the same record.
template <typename Record, typename From, typename To>
Record ExpectRoundTrip(absl::string_view text, From from, To to) {
  const JsonValue json = MustParse(text);
  absl::StatusOr<Record> record = from(json);
  EXPECT_TRUE(record.ok()) << record.status();
  if (!record.ok()) return Record();
  absl::StatusOr<JsonValue> back = to(*record);
  EXPECT_TRUE(back.ok()) << back.status();
  if (!back.ok()) return Record();
  EXPECT_EQ(WriteCompactJson(*back), WriteCompactJson(json));
  absl::StatusOr<Record> again = from(*back);
  EXPECT_TRUE(again.ok()) << again.status();
  if (again.ok()) ExpectProtoEq(*again, *record);
  return *record;
}

Conversation ConversationRoundTrip(absl::string_view text) {
  return ExpectRoundTrip<Conversation>(text, ConversationFromJson,
                                       ConversationToJson);
}

// A conversation as the original module wrote it.
constexpr char kStored[] =
    R"({"id":"c1","user_id":"u1","created_at":"2025-12-04T10:11:12.123456",)"
    R"("title":"Plan","starred":false,"messages":[)"
    R"({"role":"user","content":"日本語 😀"},)"
    R"({"role":"assistant","stage1":[{"model":"m","response":"r"}],)"
    R"("stage2":[],"stage3":{"model":"m","response":"final"},)"
    R"("metadata":{"big":9007199254740993,"f":0.30000000000000004,)"
    R"("tiny":1e-07,"huge":1e+16,"neg":-0.0}}],)"
    R"("report_cycle":0,"has_follow_up":false,"follow_up_answers":null,)"
    R"("is_visible":true,"expires_at":"2025-12-11T10:11:12.123456"})";

Conversation HandBuilt() {
  Conversation c;
  c.set_id("c1");
  c.set_user_id("u1");
  c.set_created_at("2025-12-04T10:11:12");
  c.set_title("New Conversation");
  c.set_is_visible(true);
  Message* user = c.add_messages();
  user->set_role("user");
  user->set_content("hi 😀");
  Message* assistant = c.add_messages();
  assistant->set_role("assistant");
  assistant->set_stage1_json(R"([{"model":"a","response":"x"}])");
  assistant->set_stage2_json("[]");
  assistant->set_stage3_json(R"({"response":"r"})");
  return c;
}

TEST(RecordJsonTest, ContractKeyLists) {
  EXPECT_THAT(ConversationKeys(),
              ElementsAre("id", "user_id", "created_at", "title", "starred",
                          "messages", "report_cycle", "has_follow_up",
                          "follow_up_answers", "is_visible", "expires_at"));
  EXPECT_THAT(MessageKeys(), ElementsAre("role", "content", "stage1", "stage2",
                                         "stage3", "metadata"));
  EXPECT_THAT(ProfileKeys(), ElementsAre("user_id", "email", "profile",
                                         "created_at", "profile_locked"));
  EXPECT_THAT(SubscriptionKeys(),
              ElementsAre("user_id", "tier", "status", "stripe_subscription_id",
                          "current_period_end", "created_at", "updated_at"));
}

TEST(RecordJsonTest, CanonicalConversationOrder) {
  Conversation c = HandBuilt();
  JsonField* extra = c.add_extra();
  extra->set_key("zz");
  extra->set_json("[1,2.50]");
  absl::StatusOr<JsonValue> json = ConversationToJson(c);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(
      WriteCompactJson(*json),
      R"({"id":"c1","user_id":"u1","created_at":"2025-12-04T10:11:12",)"
      R"("title":"New Conversation","starred":false,"messages":[)"
      R"({"role":"user","content":"hi 😀"},{"role":"assistant",)"
      R"("stage1":[{"model":"a","response":"x"}],"stage2":[],)"
      R"("stage3":{"response":"r"}}],"report_cycle":0,"has_follow_up":false,)"
      R"("follow_up_answers":null,"is_visible":true,"expires_at":null,)"
      R"("zz":[1,2.50]})");
  // Back again: the same record, now with its key order listed.
  absl::StatusOr<Conversation> back = ConversationFromJson(*json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(KeyOrderOf(back->key_order()),
            "id,user_id,created_at,title,starred,messages,report_cycle,"
            "has_follow_up,follow_up_answers,is_visible,expires_at,zz,");
  EXPECT_EQ(KeyOrderOf(back->messages(1).key_order()),
            "role,stage1,stage2,stage3,");
  back->clear_key_order();
  for (Message& m : *back->mutable_messages()) m.clear_key_order();
  ExpectProtoEq(*back, c);
}

TEST(RecordJsonTest, StoredConversationRoundTrips) {
  const Conversation c = ConversationRoundTrip(kStored);
  EXPECT_EQ(c.title(), "Plan");
  EXPECT_EQ(c.messages_size(), 2);
  EXPECT_EQ(c.messages(0).content(), "日本語 😀");
  EXPECT_EQ(c.messages(1).metadata_json(),
            R"({"big":9007199254740993,"f":0.30000000000000004,"tiny":1e-07,)"
            R"("huge":1e+16,"neg":-0.0})");
  EXPECT_FALSE(c.has_follow_up_answers_json());
  EXPECT_EQ(c.expires_at(), "2025-12-11T10:11:12.123456");
  EXPECT_EQ(c.extra_size(), 0);
  // The file bytes come back too.
  const std::string file = WritePythonJson(MustParse(kStored));
  EXPECT_EQ(WritePythonJson(*ConversationToJson(c)), file);
}

TEST(RecordJsonTest, UnknownKeysAndOddOrder) {
  const Conversation c = ConversationRoundTrip(
      R"({"title":"T","custom":{"z":1,"a":[1,2.50,"é"]},"id":"c2",)"
      R"("user_id":"u","messages":[],"created_at":"t","zeta":null})");
  EXPECT_EQ(KeyOrderOf(c.key_order()),
            "title,custom,id,user_id,messages,created_at,zeta,");
  EXPECT_EQ(ExtraOf(c.extra()),
            R"(custom={"z":1,"a":[1,2.50,"é"]};zeta=null;)");
  EXPECT_EQ(c.id(), "c2");
  EXPECT_FALSE(HasTypedKey(c, "starred"));  // not listed: absent
  EXPECT_TRUE(HasTypedKey(c, "title"));
  EXPECT_FALSE(HasTypedKey(c, "custom"));  // not a contract key
}

TEST(RecordJsonTest, NullTitleAndMissingIsVisible) {
  const Conversation c = ConversationRoundTrip(
      R"({"id":"c3","user_id":"u","created_at":"t","title":null,)"
      R"("starred":true,"messages":[],"report_cycle":2,"has_follow_up":true,)"
      R"("follow_up_answers":{"q1":"a","n":[1e-07]},"expires_at":null})");
  EXPECT_FALSE(HasTypedKey(c, "title"));
  EXPECT_EQ(ExtraOf(c.extra()), "title=null;");
  EXPECT_FALSE(HasTypedKey(c, "is_visible"));
  EXPECT_TRUE(HasTypedKey(c, "expires_at"));
  EXPECT_FALSE(c.has_expires_at());
  EXPECT_EQ(c.follow_up_answers_json(), R"({"q1":"a","n":[1e-07]})");
  EXPECT_EQ(c.report_cycle(), 2);

  const ConversationSummary summary = SummarizeConversation(c, 7);
  EXPECT_EQ(summary.id(), "c3");
  EXPECT_EQ(summary.created_at(), "t");
  EXPECT_EQ(summary.title(), "New Conversation");
  EXPECT_TRUE(summary.starred());
  EXPECT_TRUE(summary.is_visible());
  EXPECT_FALSE(summary.has_expires_at());
  EXPECT_EQ(summary.message_count(), 7);
}

TEST(RecordJsonTest, WrongTypesGoToExtra) {
  const Conversation c = ConversationRoundTrip(
      R"({"id":"c4","user_id":7,"created_at":"t","title":["x"],)"
      R"("starred":"yes","messages":"none","report_cycle":1.0,)"
      R"("has_follow_up":0,"follow_up_answers":false,"is_visible":null,)"
      R"("expires_at":5})");
  EXPECT_EQ(ExtraOf(c.extra()),
            R"(user_id=7;title=["x"];starred="yes";messages="none";)"
            R"(report_cycle=1.0;has_follow_up=0;is_visible=null;)"
            R"(expires_at=5;)");
  EXPECT_EQ(c.follow_up_answers_json(), "false");  // any JSON is typed

  const ConversationSummary summary = SummarizeConversation(c, 0);
  EXPECT_EQ(summary.title(), "New Conversation");
  EXPECT_FALSE(summary.starred());
  EXPECT_TRUE(summary.is_visible());
  EXPECT_FALSE(summary.has_expires_at());
}

TEST(RecordJsonTest, ReportCycleMustBeAnExactInt64) {
  Conversation c =
      ConversationRoundTrip(R"({"report_cycle":9007199254740993})");
  EXPECT_EQ(c.report_cycle(), 9007199254740993);
  EXPECT_EQ(c.extra_size(), 0);
  for (const char* text :
       {R"({"report_cycle":99999999999999999999})", R"({"report_cycle":-0})",
        R"({"report_cycle":1e3})", R"({"report_cycle":NaN})"}) {
    c = ConversationRoundTrip(text);
    EXPECT_EQ(c.extra_size(), 1) << text;
  }
}

TEST(RecordJsonTest, MessagesThatAreNotObjectsStayWhole) {
  const Conversation c = ConversationRoundTrip(
      R"({"id":"c5","messages":[{"role":"user","content":"a"},"oops",1]})");
  EXPECT_EQ(c.messages_size(), 0);
  EXPECT_EQ(ExtraOf(c.extra()),
            R"(messages=[{"role":"user","content":"a"},"oops",1];)");
}

TEST(RecordJsonTest, MessageVariants) {
  const Conversation c = ConversationRoundTrip(
      R"({"id":"c6","messages":[)"
      R"({"content":"first","role":"user","seen":true},)"
      R"({"role":"user","content":null},)"
      R"({"role":"assistant","stage1":null,"stage3":"text","metadata":{}}]})");
  ASSERT_EQ(c.messages_size(), 3);
  EXPECT_EQ(ExtraOf(c.messages(0).extra()), "seen=true;");
  EXPECT_FALSE(c.messages(1).has_content());
  EXPECT_EQ(ExtraOf(c.messages(1).extra()), "content=null;");
  EXPECT_EQ(c.messages(2).stage1_json(), "null");
  EXPECT_FALSE(c.messages(2).has_stage2_json());
  EXPECT_EQ(c.messages(2).stage3_json(), "\"text\"");
  EXPECT_EQ(c.messages(2).metadata_json(), "{}");

  // Canonical message: role, then only the optional fields that are set.
  Message m;
  m.set_role("assistant");
  m.set_metadata_json(R"({"k":1})");
  m.set_stage2_json("[2]");
  EXPECT_EQ(WriteCompactJson(*MessageToJson(m)),
            R"({"role":"assistant","stage2":[2],"metadata":{"k":1}})");
  // A listed optional field that is unset does not exist.
  m.add_key_order("metadata");
  m.add_key_order("content");
  m.add_key_order("role");
  EXPECT_EQ(WriteCompactJson(*MessageToJson(m)),
            R"({"metadata":{"k":1},"role":"assistant"})");
  EXPECT_EQ(MessageFromJson(MustParse("[]")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RecordJsonTest, ExtraNotInKeyOrderIsAppended) {
  Conversation c;
  c.set_id("c7");
  c.add_key_order("id");
  c.add_key_order("ghost");  // neither typed nor in extra: skipped
  JsonField* extra = c.add_extra();
  extra->set_key("later");
  extra->set_json("{\"a\":1}");
  EXPECT_EQ(WriteCompactJson(*ConversationToJson(c)),
            R"({"id":"c7","later":{"a":1}})");
}

TEST(RecordJsonTest, ExtraTakesPrecedence) {
  Conversation c;
  c.set_id("c8");
  c.set_title("typed");
  c.add_key_order("id");
  c.add_key_order("title");
  JsonField* extra = c.add_extra();
  extra->set_key("title");
  extra->set_json("null");
  EXPECT_EQ(WriteCompactJson(*ConversationToJson(c)),
            R"({"id":"c8","title":null})");
}

TEST(RecordJsonTest, ProfileRoundTrips) {
  Profile p = ExpectRoundTrip<Profile>(
      R"({"user_id":"u1","email":"unknown@clerk.local","profile":)"
      R"({"gender":"f","age_range":"25-34","mood":"ok","extra":[1]},)"
      R"("created_at":"2025-12-04T10:11:12","profile_locked":true})",
      ProfileFromJson, ProfileToJson);
  EXPECT_EQ(p.profile_json(),
            R"({"gender":"f","age_range":"25-34","mood":"ok","extra":[1]})");
  EXPECT_TRUE(p.profile_locked());
  EXPECT_EQ(p.extra_size(), 0);

  p = ExpectRoundTrip<Profile>(
      R"({"profile":"not an object","user_id":"u2","profile_locked":"no"})",
      ProfileFromJson, ProfileToJson);
  EXPECT_EQ(ExtraOf(p.extra()),
            R"(profile="not an object";profile_locked="no";)");

  Profile canonical;
  canonical.set_user_id("u3");
  canonical.set_email("e@x");
  canonical.set_profile_json(R"({"mood":"calm"})");
  canonical.set_created_at("t");
  EXPECT_EQ(WriteCompactJson(*ProfileToJson(canonical)),
            R"({"user_id":"u3","email":"e@x","profile":{"mood":"calm"},)"
            R"("created_at":"t","profile_locked":false})");
}

TEST(RecordJsonTest, SubscriptionRoundTrips) {
  const Subscription s = ExpectRoundTrip<Subscription>(
      R"({"user_id":"u1","tier":"monthly","status":"active",)"
      R"("stripe_subscription_id":"sub_1","current_period_end":null,)"
      R"("created_at":"t0","updated_at":"t1","stripe_customer_id":"cus_9"})",
      SubscriptionFromJson, SubscriptionToJson);
  EXPECT_EQ(s.stripe_subscription_id(), "sub_1");
  EXPECT_FALSE(s.has_current_period_end());
  EXPECT_EQ(ExtraOf(s.extra()), R"(stripe_customer_id="cus_9";)");

  Subscription canonical;
  canonical.set_user_id("u2");
  canonical.set_tier("free");
  canonical.set_status("active");
  canonical.set_created_at("t0");
  canonical.set_updated_at("t0");
  EXPECT_EQ(WriteCompactJson(*SubscriptionToJson(canonical)),
            R"({"user_id":"u2","tier":"free","status":"active",)"
            R"("stripe_subscription_id":null,"current_period_end":null,)"
            R"("created_at":"t0","updated_at":"t0"})");
}

TEST(RecordJsonTest, FromJsonNeedsAnObject) {
  for (const char* text : {"[]", "null", "\"x\"", "1"}) {
    const JsonValue value = MustParse(text);
    EXPECT_EQ(ConversationFromJson(value).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ProfileFromJson(value).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(SubscriptionFromJson(value).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST(RecordJsonTest, MergeConversation) {
  Conversation c = *ConversationFromJson(MustParse(kStored));
  const Conversation original = c;
  ASSERT_TRUE(
      MergeIntoConversation(MustParse(R"({"title":"New","custom":{"b":1e+16},)"
                                      R"("starred":"yes","expires_at":null})"),
                            &c)
          .ok());
  EXPECT_EQ(c.title(), "New");
  EXPECT_FALSE(c.has_expires_at());
  EXPECT_FALSE(HasTypedKey(c, "starred"));
  EXPECT_EQ(ExtraOf(c.extra()), R"(starred="yes";custom={"b":1e+16};)");
  EXPECT_EQ(KeyOrderOf(c.key_order()),
            "id,user_id,created_at,title,starred,messages,report_cycle,"
            "has_follow_up,follow_up_answers,is_visible,expires_at,custom,");
  // Messages are untouched.
  ASSERT_EQ(c.messages_size(), 2);
  ExpectProtoEq(c.messages(1), original.messages(1));

  // Back to the contract's type: out of extra, typed again, same place.
  ASSERT_TRUE(MergeIntoConversation(MustParse(R"({"starred":true})"), &c).ok());
  EXPECT_TRUE(HasTypedKey(c, "starred"));
  EXPECT_TRUE(c.starred());
  EXPECT_EQ(ExtraOf(c.extra()), R"(custom={"b":1e+16};)");
  absl::StatusOr<JsonValue> json = ConversationToJson(c);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(WriteCompactJson(*json->Find("messages")),
            WriteCompactJson(*MustParse(kStored).Find("messages")));
  EXPECT_EQ(json->members()[4].first, "starred");
  EXPECT_EQ(json->members().back().first, "custom");
}

TEST(RecordJsonTest, MergeIntoCanonicalConversationListsKeys) {
  Conversation c = HandBuilt();
  ASSERT_TRUE(
      MergeIntoConversation(MustParse(R"({"report_cycle":3,"x":1})"), &c).ok());
  EXPECT_EQ(c.report_cycle(), 3);
  EXPECT_EQ(KeyOrderOf(c.key_order()),
            "id,user_id,created_at,title,starred,messages,report_cycle,"
            "has_follow_up,follow_up_answers,is_visible,expires_at,x,");
  EXPECT_EQ(c.messages_size(), 2);
  EXPECT_EQ(c.messages(0).content(), "hi 😀");
}

TEST(RecordJsonTest, MergeConversationRejects) {
  Conversation c = HandBuilt();
  absl::Status status =
      MergeIntoConversation(MustParse(R"({"title":"x","id":"other"})"), &c);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "update_conversation cannot change \"id\"");
  status = MergeIntoConversation(MustParse(R"({"messages":[]})"), &c);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("\"messages\""));
  EXPECT_EQ(MergeIntoConversation(MustParse("[]"), &c).code(),
            absl::StatusCode::kInvalidArgument);
  ExpectProtoEq(c, HandBuilt());  // untouched
}

TEST(RecordJsonTest, MergeSubscription) {
  Subscription s = *SubscriptionFromJson(
      MustParse(R"({"user_id":"u1","tier":"free","status":"active",)"
                R"("stripe_subscription_id":null,"current_period_end":null,)"
                R"("created_at":"t0","updated_at":"t0"})"));
  ASSERT_TRUE(MergeIntoSubscription(
                  MustParse(R"({"tier":"monthly","stripe_customer_id":"cus_1",)"
                            R"("stripe_subscription_id":"sub_1",)"
                            R"("updated_at":"t1"})"),
                  &s)
                  .ok());
  EXPECT_EQ(s.tier(), "monthly");
  EXPECT_EQ(s.stripe_subscription_id(), "sub_1");
  EXPECT_EQ(WriteCompactJson(*SubscriptionToJson(s)),
            R"({"user_id":"u1","tier":"monthly","status":"active",)"
            R"("stripe_subscription_id":"sub_1","current_period_end":null,)"
            R"("created_at":"t0","updated_at":"t1",)"
            R"("stripe_customer_id":"cus_1"})");
  EXPECT_EQ(MergeIntoSubscription(MustParse("1"), &s).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RecordJsonTest, EnsureKey) {
  Conversation c = *ConversationFromJson(
      MustParse(R"({"id":"c9","title":null,"messages":[]})"));
  EnsureKey("is_visible", &c);
  c.set_is_visible(true);
  EnsureKey("title", &c);  // drops the extra null
  c.set_title("Named");
  EnsureKey("id", &c);  // already listed: no change
  EXPECT_EQ(WriteCompactJson(*ConversationToJson(c)),
            R"({"id":"c9","title":"Named","messages":[],"is_visible":true})");

  Conversation canonical = HandBuilt();
  EnsureKey("expires_at", &canonical);
  EXPECT_EQ(canonical.key_order_size(), 0);

  Profile p = *ProfileFromJson(MustParse(R"({"user_id":"u","profile":[]})"));
  EnsureKey("profile", &p);
  p.set_profile_json("{}");
  EXPECT_EQ(WriteCompactJson(*ProfileToJson(p)),
            R"({"user_id":"u","profile":{}})");

  Subscription s = *SubscriptionFromJson(MustParse(R"({"user_id":"u"})"));
  EnsureKey("updated_at", &s);
  s.set_updated_at("t2");
  EXPECT_EQ(WriteCompactJson(*SubscriptionToJson(s)),
            R"({"user_id":"u","updated_at":"t2"})");
}

TEST(RecordJsonTest, HasTypedKeyOnCanonicalRecord) {
  Conversation c = HandBuilt();
  EXPECT_TRUE(HasTypedKey(c, "title"));
  EXPECT_TRUE(HasTypedKey(c, "expires_at"));
  EXPECT_FALSE(HasTypedKey(c, "unknown"));
  JsonField* extra = c.add_extra();
  extra->set_key("title");
  extra->set_json("1");
  EXPECT_FALSE(HasTypedKey(c, "title"));
}

TEST(RecordJsonTest, SummaryOfTypedRecord) {
  Conversation c = *ConversationFromJson(MustParse(kStored));
  c.set_starred(true);
  c.set_is_visible(false);
  const ConversationSummary summary = SummarizeConversation(c, 2);
  EXPECT_EQ(summary.title(), "Plan");
  EXPECT_TRUE(summary.starred());
  EXPECT_FALSE(summary.is_visible());
  EXPECT_EQ(summary.expires_at(), "2025-12-11T10:11:12.123456");
  EXPECT_EQ(summary.message_count(), 2);
}

TEST(RecordJsonTest, BadPayloadIsDataLoss) {
  Conversation c = HandBuilt();
  c.set_follow_up_answers_json("{bad");
  absl::Status status = ConversationToJson(c).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("conversation c1"));
  EXPECT_THAT(status.message(), HasSubstr("follow_up_answers"));

  c = HandBuilt();
  c.mutable_messages(1)->set_stage2_json("[1,");
  status = ConversationToJson(c).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("conversation c1 message 1"));
  EXPECT_THAT(status.message(), HasSubstr("stage2"));

  c = HandBuilt();
  JsonField* extra = c.add_extra();
  extra->set_key("custom");
  extra->set_json("nope");
  status = ConversationToJson(c).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("custom"));

  Profile p;
  p.set_user_id("u1");
  p.set_profile_json("{");
  status = ProfileToJson(p).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("profile u1"));
}

TEST(RecordJsonTest, CanonicalJson) {
  absl::StatusOr<std::string> text =
      CanonicalJson(" { \"b\" : 1.50 , \"a\":[ ],\"c\":\"\\u00e9\" } ", "x");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, R"({"b":1.50,"a":[],"c":"é"})");
  absl::Status status = CanonicalJson("{\"secret\"", "stage1").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("stage1"));
  EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("secret")));
}

}  // namespace
}  // namespace parley
