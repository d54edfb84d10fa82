// The conformance suite: one body of tests, compiled once, run against every
// backend (after RocksDB's env_basic_test.cc). A backend joins by one
// cc_test target whose file instantiates the suite:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, BackendConformanceTest,
//       ::testing::Values(BackendUnderTest{"sqlite", SqliteFileStore}));
//
// Every case runs against every backend; there are no per-backend flags.
//
// The same cases run through the asynchronous interface too: a backend under
// test with `through_async` set has every call of a case queued on an
// AsyncStorage (api/async_storage.h) and waited for, so the async layer
// answers every case exactly as Storage does:
//
//   INSTANTIATE_TEST_SUITE_P(JsonAsync, BackendConformanceTest,
//       ::testing::Values(BackendUnderTest{"json_async", JsonStore, true}));
#ifndef PARLEY_TESTS_BACKEND_CONFORMANCE_H_
#define PARLEY_TESTS_BACKEND_CONFORMANCE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "api/async_storage.h"
#include "api/storage.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"

namespace parley {
namespace testing {

struct BackendUnderTest {
  std::string name;
  // Returns the URL of a new, empty store each time it is called.
  std::function<std::string()> fresh_url;
  // Run every call through AsyncStorage and wait for its future.
  bool through_async = false;
};

// Fresh empty stores for the instantiations (PostgreSQL's is
// FreshPostgresUrl in backends/postgres/postgres_test_store.h).
std::string FreshJsonUrl();
std::string FreshSqliteFileUrl();
std::string FreshSqliteMemoryUrl();

inline std::ostream& operator<<(std::ostream& os, const BackendUnderTest& b) {
  return os << b.name;
}

// A clock the tests move by hand: 2025-12-04T10:11:12.123456 to start.
class FakeClock {
 public:
  absl::Time Now() {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_) =
      absl::FromCivil(absl::CivilSecond(2025, 12, 4, 10, 11, 12),
                      absl::UTCTimeZone()) +
      absl::Microseconds(123456);
};

// What the cases call a Storage through: the Storage methods, reached
// directly, or, when made with `through_async`, as a call queued on an
// AsyncStorage that wraps the Storage, whose future is then waited for.
// Used as the fixture's `storage_`: `storage_->Method(...)`,
// `storage_ = Storage::Open(...)` (wrapped when through_async),
// `storage_.reset()`.
class StorageUnderTest {
 public:
  explicit StorageUnderTest(bool through_async = false)
      : through_async_(through_async) {}

  // Closes the current store (draining its queued calls), then serves
  // `storage` (which may be null).
  StorageUnderTest& operator=(std::unique_ptr<Storage> storage);
  void reset() { *this = nullptr; }
  StorageUnderTest* operator->() { return this; }
  // The Storage underneath (wrapped by the AsyncStorage when through_async),
  // for StorageTestPeer. REQUIRES: a store is open.
  Storage& operator*() { return *storage_; }
  explicit operator bool() const {
    return sync_ != nullptr || async_ != nullptr;
  }

  absl::StatusOr<Conversation> CreateConversation(
      absl::string_view conversation_id, absl::string_view user_id,
      absl::string_view subscription_tier = "free");
  absl::StatusOr<std::optional<Conversation>> GetConversation(
      absl::string_view conversation_id);
  absl::Status SaveConversation(const Conversation& conversation);
  absl::StatusOr<std::vector<ConversationSummary>> ListConversations(
      absl::string_view user_id = "");
  absl::Status AddUserMessage(absl::string_view conversation_id,
                              absl::string_view content);
  absl::Status AddAssistantMessage(
      absl::string_view conversation_id, absl::string_view stage1_json,
      absl::string_view stage2_json, absl::string_view stage3_json,
      std::optional<absl::string_view> metadata_json = std::nullopt);
  absl::Status UpdateConversation(absl::string_view conversation_id,
                                  absl::string_view updates_json);
  absl::Status UpdateConversationTitle(absl::string_view conversation_id,
                                       absl::string_view title);
  absl::StatusOr<bool> ToggleConversationStarred(
      absl::string_view conversation_id);
  absl::Status DeleteConversation(absl::string_view conversation_id);
  absl::Status SaveFollowUpAnswers(absl::string_view conversation_id,
                                   absl::string_view answers_json);
  absl::StatusOr<int64_t> RestoreAllExpiredReports(absl::string_view user_id);
  absl::StatusOr<int64_t> CountUserConversations(absl::string_view user_id);
  absl::StatusOr<int64_t> GetActiveConversationsCount(
      absl::string_view user_id);
  absl::StatusOr<Profile> CreateUserProfile(
      absl::string_view user_id, absl::string_view email,
      absl::string_view profile_data_json);
  absl::StatusOr<std::optional<Profile>> GetUserProfile(
      absl::string_view user_id);
  absl::StatusOr<Profile> UpdateUserProfile(
      absl::string_view user_id, absl::string_view profile_data_json);
  absl::StatusOr<Subscription> CreateSubscription(
      absl::string_view user_id, absl::string_view tier = "free");
  absl::StatusOr<std::optional<Subscription>> GetSubscription(
      absl::string_view user_id);
  absl::StatusOr<Subscription> UpdateSubscription(absl::string_view user_id,
                                                  absl::string_view data_json);
  absl::StatusOr<std::optional<Subscription>> UpdateSubscriptionByStripeId(
      absl::string_view stripe_subscription_id, absl::string_view data_json);
  absl::Status RunInTransaction(absl::FunctionRef<absl::Status(Storage&)> fn);
  absl::StatusOr<StorageCounts> Count();

 private:
  bool through_async_;
  std::unique_ptr<Storage> sync_;        // set unless through_async_
  std::unique_ptr<AsyncStorage> async_;  // set when through_async_
  Storage* storage_ = nullptr;           // sync_'s, or the one async_ owns
};

}  // namespace testing

// Lets tests write below the facade, into the very store a Storage has open
// (a second connection to sqlite:///:memory: would be another database).
class StorageTestPeer {
 public:
  static Backend& backend(Storage& storage) { return *storage.backend_; }
};

namespace testing {

class BackendConformanceTest
    : public ::testing::TestWithParam<BackendUnderTest> {
 protected:
  // Opens a fresh empty store of the backend under test, on FakeClock.
  void SetUp() override;

  // The stored conversation; a test failure when it is missing.
  Conversation MustGet(absl::string_view id);
  // The store's counts, to check that a refused call changed nothing.
  StorageCounts Counts();
  static std::vector<std::string> Keys(const Conversation& c);

  FakeClock clock_;
  std::string url_;
  StorageUnderTest storage_;
};

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_BACKEND_CONFORMANCE_H_
