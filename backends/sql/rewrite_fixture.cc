#include "backends/sql/rewrite_fixture.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/records.pb.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

using ::testing::ElementsAre;

// The scan's ids of each kind, in order.
class IdCollector : public RecordVisitor {
 public:
  absl::Status OnProfile(const Profile& p) override {
    ids.push_back("profile " + p.user_id());
    return absl::OkStatus();
  }
  absl::Status OnSubscription(const Subscription& s) override {
    ids.push_back("subscription " + s.user_id());
    return absl::OkStatus();
  }
  absl::Status OnConversation(const Conversation& c) override {
    ids.push_back(absl::StrCat("conversation ", c.id(), " ", c.messages_size(),
                               " messages"));
    return absl::OkStatus();
  }
  std::vector<std::string> ids;
};

}  // namespace

const char kRewriteRows[] = R"sql(
INSERT INTO users VALUES ('u1', 'a@example.com', 'f', '30-39', 'calm', TRUE,
  '2025-12-04 10:11:12.123456', '2025-12-04 10:11:12.123456');
INSERT INTO users VALUES ('u2', 'b@example.com', NULL, NULL, NULL, FALSE,
  '2025-12-05 00:00:00.000000', NULL);
INSERT INTO subscriptions VALUES ('u1', 'monthly', 'active', 'cus_1', 'sub_1',
  '2026-01-04 10:11:12.000000', '2025-12-04 10:11:12.500000',
  '2025-12-04 10:11:13.000000');
INSERT INTO conversations VALUES ('c1', 'u1', NULL, FALSE, NULL, 1, TRUE,
  '{"q1": "a", "n": 1.50}', '2025-12-04 10:11:12.123456', NULL);
INSERT INTO conversations VALUES ('c2', 'u2', 'Mine', TRUE,
  '2025-12-11 00:00:00.000000', 2, FALSE, NULL, '2025-12-04 00:00:00.000000',
  NULL);
INSERT INTO messages VALUES ('m-b', 'c1', 'user', 'first (same time, id b)',
  NULL, NULL, NULL, NULL, '2025-12-04 10:11:13.000000');
INSERT INTO messages VALUES ('m-c', 'c1', 'assistant', NULL,
  '[{"model": "m", "response": "r"}]', '[]', '{"model": "m"}',
  '{"request_id": 9007199254740993, "average_rank": 1.75}',
  '2025-12-04 10:11:13.000000');
INSERT INTO messages VALUES ('m-a', 'c1', 'user', 'earlier', NULL, NULL,
  NULL, NULL, '2025-12-04 10:11:12.999999');
)sql";

void ExpectRewriteRowsAdopted(Backend& backend) {
  auto counts = backend.stream().Count();
  ASSERT_THAT(counts, IsOk());
  EXPECT_EQ(counts->profiles, 2);
  EXPECT_EQ(counts->subscriptions, 1);
  EXPECT_EQ(counts->conversations, 2);
  EXPECT_EQ(counts->messages, 3);

  // Profiles: the rewrite's gender/age_range/mood columns become the profile
  // object; timestamps come back in isoformat().
  auto p = backend.GetProfile("u1");
  ASSERT_THAT(p, IsOk());
  ASSERT_TRUE(p->has_value());
  EXPECT_EQ((*p)->email(), "a@example.com");
  EXPECT_EQ((*p)->profile_json(),
            R"({"gender":"f","age_range":"30-39","mood":"calm"})");
  EXPECT_EQ((*p)->created_at(), "2025-12-04T10:11:12.123456");
  EXPECT_TRUE((*p)->profile_locked());
  p = backend.GetProfile("u2");
  ASSERT_THAT(p, IsOk());
  ASSERT_TRUE(p->has_value());
  EXPECT_EQ((*p)->email(), "b@example.com");
  EXPECT_EQ((*p)->profile_json(),
            R"({"gender":null,"age_range":null,"mood":null})");
  EXPECT_EQ((*p)->created_at(), "2025-12-05T00:00:00");
  EXPECT_FALSE((*p)->profile_locked());

  // The paid subscription, Stripe ids included (the rewrite's own migration
  // lost exactly these).
  auto s = backend.GetSubscription("u1");
  ASSERT_THAT(s, IsOk());
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ((*s)->tier(), "monthly");
  EXPECT_EQ((*s)->status(), "active");
  EXPECT_EQ((*s)->stripe_subscription_id(), "sub_1");
  EXPECT_EQ((*s)->current_period_end(), "2026-01-04T10:11:12");
  EXPECT_EQ((*s)->created_at(), "2025-12-04T10:11:12.500000");
  EXPECT_EQ((*s)->updated_at(), "2025-12-04T10:11:13");
  ASSERT_EQ((*s)->extra_size(), 1);
  EXPECT_EQ((*s)->extra(0).key(), "stripe_customer_id");
  EXPECT_EQ((*s)->extra(0).json(), R"("cus_1")");
  EXPECT_EQ((*s)->key_order((*s)->key_order_size() - 1), "stripe_customer_id");
  auto none = backend.GetSubscription("u2");
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->has_value());
  s = backend.UpdateSubscriptionByStripeId(
      "sub_1", [](Subscription&) { return absl::OkStatus(); });
  ASSERT_THAT(s, IsOk());
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ((*s)->user_id(), "u1");

  // The NULL title reads as the contract's default; messages with the same
  // created_at keep the rewrite's best order, (created_at, id).
  auto c1 = backend.GetConversation("c1");
  ASSERT_THAT(c1, IsOk());
  ASSERT_TRUE(c1->has_value());
  const Conversation& first = **c1;
  EXPECT_EQ(first.user_id(), "u1");
  EXPECT_EQ(first.title(), "New Conversation");
  EXPECT_EQ(first.created_at(), "2025-12-04T10:11:12.123456");
  EXPECT_FALSE(first.starred());
  EXPECT_EQ(first.report_cycle(), 1);
  EXPECT_TRUE(first.has_follow_up());
  EXPECT_EQ(first.follow_up_answers_json(), R"({"q1":"a","n":1.50})");
  EXPECT_TRUE(first.is_visible());
  EXPECT_FALSE(first.has_expires_at());
  ASSERT_EQ(first.messages_size(), 3);
  EXPECT_EQ(first.messages(0).role(), "user");
  EXPECT_EQ(first.messages(0).content(), "earlier");
  EXPECT_EQ(first.messages(1).content(), "first (same time, id b)");
  EXPECT_EQ(first.messages(1).key_order_size(), 2);
  EXPECT_EQ(first.messages(2).role(), "assistant");
  EXPECT_FALSE(first.messages(2).has_content());
  EXPECT_EQ(first.messages(2).stage1_json(),
            R"([{"model":"m","response":"r"}])");
  EXPECT_EQ(first.messages(2).stage2_json(), "[]");
  EXPECT_EQ(first.messages(2).stage3_json(), R"({"model":"m"})");
  EXPECT_EQ(first.messages(2).metadata_json(),
            R"({"request_id":9007199254740993,"average_rank":1.75})");

  auto c2 = backend.GetConversation("c2");
  ASSERT_THAT(c2, IsOk());
  ASSERT_TRUE(c2->has_value());
  EXPECT_EQ((*c2)->user_id(), "u2");
  EXPECT_EQ((*c2)->title(), "Mine");
  EXPECT_TRUE((*c2)->starred());
  EXPECT_EQ((*c2)->report_cycle(), 2);
  EXPECT_FALSE((*c2)->has_follow_up());
  EXPECT_FALSE((*c2)->has_follow_up_answers_json());
  EXPECT_EQ((*c2)->expires_at(), "2025-12-11T00:00:00");
  EXPECT_EQ((*c2)->messages_size(), 0);

  // Listing, counting and scanning see the same rows.
  auto listed = backend.ListConversations("u1");
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id(), "c1");
  EXPECT_EQ((*listed)[0].title(), "New Conversation");
  EXPECT_EQ((*listed)[0].message_count(), 3);
  EXPECT_THAT(backend.CountConversations("u2", "2025-12-10T00:00:00"),
              IsOkAndHolds(1));
  IdCollector scanned;
  ASSERT_THAT(backend.stream().Scan(scanned), IsOk());
  EXPECT_THAT(
      scanned.ids,
      ElementsAre("profile u1", "profile u2", "subscription u1",
                  "conversation c1 3 messages", "conversation c2 0 messages"));

  // New messages go after the adopted ones, in the order appended.
  Message m;
  m.set_role("user");
  m.set_content("new");
  ASSERT_THAT(backend.AppendMessage("c1", m), IsOk());
  m.set_content("newer");
  ASSERT_THAT(backend.AppendMessage("c1", m), IsOk());
  c1 = backend.GetConversation("c1");
  ASSERT_THAT(c1, IsOk());
  ASSERT_EQ((*c1)->messages_size(), 5);
  EXPECT_EQ((*c1)->messages(0).content(), "earlier");
  EXPECT_EQ((*c1)->messages(3).content(), "new");
  EXPECT_EQ((*c1)->messages(4).content(), "newer");

  // A conversation of a user the rewrite never had (its foreign key would
  // have refused it) works on the adopted tables, without becoming a
  // profile.
  Conversation fresh;
  fresh.set_id("c3");
  fresh.set_user_id("u3");
  fresh.set_created_at("2025-12-06T00:00:00");
  *fresh.add_messages() = m;
  ASSERT_THAT(backend.CreateConversation(fresh), IsOk());
  auto stub = backend.GetProfile("u3");
  ASSERT_THAT(stub, IsOk());
  EXPECT_FALSE(stub->has_value());
}

}  // namespace testing
}  // namespace parley
