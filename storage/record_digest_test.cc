#include "storage/record_digest.h"

#include "gtest/gtest.h"

namespace parley {
namespace {

TEST(Fnv1a128Test, MatchesPublishedVectors) {
  // From the FNV reference implementation's test vectors.
  Fnv1a128 empty;
  EXPECT_EQ(empty.HexDigest(), "6c62272e07bb014262b821756295c58d");
  Fnv1a128 a;
  a.Update("a");
  EXPECT_EQ(a.HexDigest(), "d228cb696f1a8caf78912b704e4a8964");
}

TEST(Fnv1a128Test, FramingSeparatesSplits) {
  Fnv1a128 x, y;
  x.UpdateFramed("ab");
  x.UpdateFramed("c");
  y.UpdateFramed("a");
  y.UpdateFramed("bc");
  EXPECT_NE(x.HexDigest(), y.HexDigest());
}

TEST(DescribeDifferenceTest, NamesKeysNeverValues) {
  EXPECT_EQ(DescribeDifference(R"({"a":1})", R"({"a":1})"), "");
  EXPECT_EQ(
      DescribeDifference(R"({"a":1,"t":"secret"})", R"({"a":1,"t":"other"})"),
      "key \"t\" differs");
  EXPECT_EQ(DescribeDifference(R"({"a":1,"b":2})", R"({"a":1})"),
            "key \"b\" missing in destination");
  EXPECT_EQ(DescribeDifference(R"({"a":1})", R"({"a":1,"b":2})"),
            "key \"b\" only in destination");
  EXPECT_EQ(DescribeDifference(R"({"a":1,"b":2})", R"({"b":2,"a":1})"),
            "key order differs");
  EXPECT_EQ(
      DescribeDifference(R"({"messages":[1,2,3]})", R"({"messages":[1,5,3]})"),
      "messages[1] differs");
  EXPECT_EQ(DescribeDifference(R"({"messages":[1,2]})", R"({"messages":[1]})"),
            "messages: 2 in source, 1 in destination");
  EXPECT_EQ(DescribeDifference(R"({"n":1.0})", R"({"n":1})"),
            "key \"n\" differs");
}

TEST(CompareMessagesTest, CountsByPosition) {
  const MessageDifference d =
      CompareMessages(R"({"messages":[1,2,3]})", R"({"messages":[1,9]})");
  EXPECT_EQ(d.missing, 1);
  EXPECT_EQ(d.extra, 0);
  EXPECT_EQ(d.different, 1);
}

TEST(CanonicalRecordJsonTest, KeepsKeyOrderAndNumberText) {
  Conversation c;
  c.set_id("c1");
  c.set_user_id("u");
  c.add_key_order("user_id");
  c.add_key_order("id");
  auto* extra = c.add_extra();
  extra->set_key("big");
  extra->set_json("9007199254740993");
  c.add_key_order("big");
  auto text = CanonicalRecordJson(c);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, R"({"user_id":"u","id":"c1","big":9007199254740993})");
}

}  // namespace
}  // namespace parley
