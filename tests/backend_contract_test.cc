// The contracts of storage/backend.h and storage/record_stream.h that the
// facade and migration rely on, checked on every backend at the Backend
// level (the facade-level suite is tests/backend_conformance.h): scan order,
// what a batch means, which subscription a Stripe id finds, and that a
// wrapper's batches reach the wrapped backend.
//
// PostgreSQL stores live on the throwaway server TEST_POSTGRES_URL names
// (tests/pg_test_server.sh); without it those cases fail, they never skip.
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "backends/builtin_backends.h"
#include "backends/postgres/postgres_test_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/backend.h"
#include "storage/backend_registry.h"
#include "storage/record_by_record_stream.h"
#include "storage/record_stream.h"
#include "storage/schema_admin.h"
#include "storage/status_macros.h"
#include "tests/fault_injecting_backend.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace parley {
namespace testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// A backend to run the cases on: its name, and a function returning the URL
// of a new, empty store each time it is called. (Not the facade suite's
// BackendUnderTest: depending on that library would bring its test suite,
// uninstantiated, into this binary.)
struct ContractBackend {
  std::string name;
  std::function<std::string()> fresh_url;
};

std::ostream& operator<<(std::ostream& os, const ContractBackend& b) {
  return os << b.name;
}

std::string JsonStoreUrl() {
  return "json:" + FreshTempDir("contract_json") + "?fsync=false";
}
std::string SqliteStoreUrl() {
  return "sqlite:///" + FreshTempDir("contract_sqlite") + "/parley.db";
}

// Ids in bytewise order, which a locale's collation would reorder: upper
// case before lower case, '-' before '_', digits as text, UTF-8 last.
const std::vector<std::string>& SortedIds() {
  static const auto* const kIds = new std::vector<std::string>{
      "10", "9", "B", "a", "a-b", "a_b", "b", "\xc3\xa9t\xc3\xa9"};
  return *kIds;
}

Profile MakeProfile(const std::string& user_id, const std::string& email) {
  Profile p;
  p.set_user_id(user_id);
  p.set_email(email);
  p.set_profile_json("{}");
  p.set_created_at("2025-12-04T10:11:12");
  return p;
}

Subscription MakeSubscription(const std::string& user_id,
                              const std::string& stripe_id) {
  Subscription s;
  s.set_user_id(user_id);
  s.set_tier("monthly");
  s.set_status("active");
  s.set_stripe_subscription_id(stripe_id);
  s.set_created_at("2025-12-04T10:11:12");
  s.set_updated_at("2025-12-04T10:11:12");
  return s;
}

Conversation MakeConversation(const std::string& id, int messages) {
  Conversation c;
  c.set_id(id);
  c.set_user_id("owner");
  c.set_created_at("2025-12-04T10:11:12.000001");
  c.set_title("title");
  c.set_is_visible(true);
  for (int i = 0; i < messages; ++i) {
    Message* m = c.add_messages();
    m->set_role("user");
    m->set_content("hello");
  }
  return c;
}

// The ids a scan visits, each prefixed with its kind, in visiting order.
class OrderRecorder final : public RecordVisitor {
 public:
  absl::Status OnProfile(const Profile& p) override {
    seen.push_back("profile " + p.user_id());
    return absl::OkStatus();
  }
  absl::Status OnSubscription(const Subscription& s) override {
    seen.push_back("subscription " + s.user_id());
    return absl::OkStatus();
  }
  absl::Status OnConversation(const Conversation& c) override {
    seen.push_back("conversation " + c.id());
    return absl::OkStatus();
  }
  std::vector<std::string> seen;
};

template <typename Record>
std::vector<std::string> UserIds(const std::vector<Record>& records) {
  std::vector<std::string> ids;
  for (const Record& r : records) ids.push_back(r.user_id());
  return ids;
}

std::vector<std::string> ConversationIds(
    const std::vector<Conversation>& records) {
  std::vector<std::string> ids;
  for (const Conversation& c : records) ids.push_back(c.id());
  return ids;
}

class BackendContractTest : public ::testing::TestWithParam<ContractBackend> {
 protected:
  void SetUp() override {
    absl::StatusOr<StorageUrl> url = ParseDatabaseUrl(GetParam().fresh_url());
    ASSERT_THAT(url.status(), IsOk());
    absl::StatusOr<std::unique_ptr<Backend>> opened =
        OpenBackend(*url, BackendOptions());
    ASSERT_THAT(opened.status(), IsOk());
    backend_ = *std::move(opened);
  }

  std::unique_ptr<Backend> backend_;
};

TEST_P(BackendContractTest, ScanGivesEachKindInBytewiseIdOrder) {
  // Written in reverse, so that insertion order cannot pass for id order.
  const std::vector<std::string>& ids = SortedIds();
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    ASSERT_THAT(backend_->PutConversation(MakeConversation(*it, 1)), IsOk());
    ASSERT_THAT(backend_->PutSubscription(MakeSubscription(*it, "sub_" + *it)),
                IsOk());
    ASSERT_THAT(backend_->PutProfile(MakeProfile(*it, "x@example.com")),
                IsOk());
  }
  OrderRecorder recorder;
  ASSERT_THAT(backend_->stream().Scan(recorder), IsOk());
  std::vector<std::string> expected;
  for (const char* kind : {"profile ", "subscription ", "conversation "}) {
    for (const std::string& id : ids) expected.push_back(kind + id);
  }
  EXPECT_EQ(recorder.seen, expected);
}

TEST_P(BackendContractTest, PutBatchLetsTheLaterRecordOfAnIdWin) {
  RecordBatch batch;
  batch.profiles = {MakeProfile("u", "first@example.com"),
                    MakeProfile("u", "second@example.com")};
  batch.conversations = {MakeConversation("c", 2), MakeConversation("c", 5)};
  ASSERT_THAT(backend_->stream().PutBatch(batch), IsOk());
  ASSERT_OK_AND_ASSIGN(std::optional<Profile> u, backend_->GetProfile("u"));
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->email(), "second@example.com");
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> c,
                       backend_->GetConversation("c"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->messages_size(), 5);
  ASSERT_OK_AND_ASSIGN(StoreCounts counts, backend_->stream().Count());
  EXPECT_EQ(counts.profiles, 1);
  EXPECT_EQ(counts.conversations, 1);
  EXPECT_EQ(counts.messages, 5);
}

TEST_P(BackendContractTest, GetBatchGivesAnIdListedTwiceOnce) {
  ASSERT_THAT(backend_->PutProfile(MakeProfile("u", "x@example.com")), IsOk());
  ASSERT_THAT(backend_->PutSubscription(MakeSubscription("u", "sub_u")),
              IsOk());
  ASSERT_THAT(backend_->PutConversation(MakeConversation("c", 1)), IsOk());
  RecordIds ids;
  ids.profiles = {"u", "nobody", "u"};
  ids.subscriptions = {"u", "u"};
  ids.conversations = {"c", "c", "nope", "c"};
  ASSERT_OK_AND_ASSIGN(RecordBatch got, backend_->stream().GetBatch(ids));
  EXPECT_THAT(UserIds(got.profiles), ElementsAre("u"));
  EXPECT_THAT(UserIds(got.subscriptions), ElementsAre("u"));
  EXPECT_THAT(ConversationIds(got.conversations), ElementsAre("c"));
}

// Issue 12: migration's record-by-record GetBatch returned a record once per
// listing of its id. The one record-by-record implementation left, over
// this backend's per-record reads, gives it once.
TEST_P(BackendContractTest, Issue12RecordByRecordGetBatchGivesEachIdOnce) {
  // Only the batches are under test: Count and Scan are never called.
  class OverRecords final : public RecordByRecordStream {
   public:
    using RecordByRecordStream::RecordByRecordStream;
    absl::StatusOr<StoreCounts> Count() override {
      return absl::UnimplementedError("not under test");
    }
    absl::Status Scan(RecordVisitor&) override {
      return absl::UnimplementedError("not under test");
    }
  };
  OverRecords stream(*backend_);
  RecordBatch batch;
  batch.profiles = {MakeProfile("u", "x@example.com"),
                    MakeProfile("v", "y@example.com")};
  batch.conversations = {MakeConversation("c", 1)};
  ASSERT_THAT(stream.PutBatch(batch), IsOk());
  RecordIds ids;
  ids.profiles = {"v", "u", "v", "u"};
  ids.conversations = {"c", "c"};
  ASSERT_OK_AND_ASSIGN(RecordBatch got, stream.GetBatch(ids));
  EXPECT_THAT(UserIds(got.profiles), UnorderedElementsAre("u", "v"));
  EXPECT_THAT(ConversationIds(got.conversations), ElementsAre("c"));
}

TEST_P(BackendContractTest, StripeIdFindsTheSmallestUserIdThatHoldsIt) {
  // Written larger first; "B" < "a" bytewise, though not in most locales.
  for (const char* user : {"b", "a", "B"}) {
    ASSERT_THAT(backend_->PutSubscription(MakeSubscription(user, "sub_shared")),
                IsOk());
  }
  ASSERT_OK_AND_ASSIGN(
      std::optional<Subscription> updated,
      backend_->UpdateSubscriptionByStripeId("sub_shared", [](Subscription& s) {
        s.set_tier("yearly");
        return absl::OkStatus();
      }));
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->user_id(), "B");
  for (const char* user : {"a", "b"}) {
    ASSERT_OK_AND_ASSIGN(std::optional<Subscription> other,
                         backend_->GetSubscription(user));
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(other->tier(), "monthly") << user;
  }
  ASSERT_OK_AND_ASSIGN(
      std::optional<Subscription> none,
      backend_->UpdateSubscriptionByStripeId(
          "sub_nobody", [](Subscription&) { return absl::OkStatus(); }));
  EXPECT_FALSE(none.has_value());
}

TEST_P(BackendContractTest, TransactionStreamWritesInsideTheTransaction) {
  absl::Status rolled_back =
      backend_->RunInTransaction([](Backend& transaction) -> absl::Status {
        RecordBatch batch;
        batch.conversations = {MakeConversation("c", 1)};
        RETURN_IF_ERROR(transaction.stream().PutBatch(batch));
        return absl::AbortedError("roll back");
      });
  EXPECT_THAT(rolled_back, StatusIs(absl::StatusCode::kAborted, "roll back"));
  ASSERT_OK_AND_ASSIGN(std::optional<Conversation> c,
                       backend_->GetConversation("c"));
  EXPECT_FALSE(c.has_value());
}

// The fault injector (a BackendWrapper) fails a batch as one write and
// otherwise hands it to this backend's own PutBatch, in and out of a
// transaction.
TEST_P(BackendContractTest, WrappedBatchesReachTheBackendsPutBatch) {
  FaultInjectingBackend faulty(std::move(backend_), /*fail_at=*/3);
  RecordBatch batch;
  batch.profiles = {MakeProfile("u", "x@example.com"),
                    MakeProfile("v", "y@example.com")};
  ASSERT_THAT(faulty.stream().PutBatch(batch), IsOk());
  EXPECT_EQ(faulty.writes(), 1);
  absl::Status failed = faulty.RunInTransaction([&](Backend& transaction)
                                                    -> absl::Status {
    RecordBatch more;
    more.conversations = {MakeConversation("c", 1), MakeConversation("d", 1)};
    RETURN_IF_ERROR(transaction.stream().PutBatch(more));
    return transaction.stream().PutBatch(more);
  });
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kUnavailable,
                               "injected fault at write 3"));
  EXPECT_EQ(faulty.writes(), 3);
  ASSERT_OK_AND_ASSIGN(StoreCounts counts, faulty.stream().Count());
  EXPECT_EQ(counts.profiles, 2);
  EXPECT_EQ(counts.conversations, 0);  // the transaction left no trace
}

// schema_admin() is the one declared difference (null for an unversioned
// store); when a backend has one, a store opened with the default policy is
// at the code's version.
TEST_P(BackendContractTest, SchemaAdminWhenPresentIsAtTheCodeVersion) {
  SchemaAdmin* admin = backend_->schema_admin();
  if (admin == nullptr) return;
  ASSERT_OK_AND_ASSIGN(SchemaStatus status, admin->GetSchemaStatus());
  EXPECT_GT(status.code_version, 0);
  EXPECT_EQ(status.stored_version, status.code_version);
  EXPECT_TRUE(status.pending.empty());
}

INSTANTIATE_TEST_SUITE_P(
    AllBackends, BackendContractTest,
    ::testing::Values(ContractBackend{"json", JsonStoreUrl},
                      ContractBackend{"sqlite", SqliteStoreUrl},
                      ContractBackend{"postgresql", FreshPostgresUrl}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
