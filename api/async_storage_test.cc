// What AsyncStorage adds to Storage: queueing, callbacks, shutdown. The
// contract itself is checked through AsyncStorage by the conformance suite
// (//tests:conformance_async_json_test and _sqlite_test).
#include "api/async_storage.h"

#include <future>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"

namespace parley {
namespace {

using ::parley::testing::FreshTempDir;

std::unique_ptr<AsyncStorage> OpenJson(int workers, int max_queued) {
  AsyncStorageOptions options;
  options.workers = workers;
  options.max_queued = max_queued;
  auto opened =
      AsyncStorage::Open("json:" + FreshTempDir("async_storage"), options);
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? *std::move(opened) : nullptr;
}

// Holds the only storage thread inside a transaction until Release().
class Blocker {
 public:
  explicit Blocker(AsyncStorage& storage) {
    future_ = storage.RunInTransaction([this](Storage&) {
      entered_.Notify();
      release_.WaitForNotification();
      return absl::OkStatus();
    });
    entered_.WaitForNotification();
  }
  ~Blocker() { Release(); }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }

 private:
  absl::Notification entered_;
  absl::Notification release_;
  std::future<absl::Status> future_;
};

TEST(AsyncStorageTest, FutureAndCallbackGiveTheStorageResult) {
  auto storage = OpenJson(2, 16);
  ASSERT_NE(storage, nullptr);
  absl::StatusOr<Conversation> created =
      storage->CreateConversation("c1", "u1").get();
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->title(), "New Conversation");

  std::promise<std::thread::id> ran_on;
  std::promise<absl::StatusOr<bool>> toggled;
  ASSERT_TRUE(storage
                  ->ToggleConversationStarred(
                      "c1",
                      [&](absl::StatusOr<bool> result) {
                        ran_on.set_value(std::this_thread::get_id());
                        toggled.set_value(std::move(result));
                      })
                  .ok());
  EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
  absl::StatusOr<bool> starred = toggled.get_future().get();
  ASSERT_TRUE(starred.ok());
  EXPECT_TRUE(*starred);
  EXPECT_EQ(storage->AddUserMessage("ghost", "hi").get().code(),
            absl::StatusCode::kNotFound);
}

TEST(AsyncStorageTest, ArgumentsAreCopiedBeforeTheCallReturns) {
  auto storage = OpenJson(1, 16);
  ASSERT_NE(storage, nullptr);
  ASSERT_TRUE(storage->CreateConversation("c1", "u1").get().ok());
  std::future<absl::Status> added;
  {
    Blocker blocker(*storage);  // the call below cannot run yet
    auto content = std::make_unique<std::string>("kept after free");
    auto id = std::make_unique<std::string>("c1");
    added = storage->AddUserMessage(*id, *content);
    content.reset();
    id.reset();
  }
  ASSERT_TRUE(added.get().ok());
  auto got = storage->GetConversation("c1").get();
  ASSERT_TRUE(got.ok() && got->has_value());
  ASSERT_EQ((*got)->messages_size(), 1);
  EXPECT_EQ((*got)->messages(0).content(), "kept after free");
}

TEST(AsyncStorageTest, FullQueueIsResourceExhaustedAtOnce) {
  auto storage = OpenJson(1, 1);
  ASSERT_NE(storage, nullptr);
  Blocker blocker(*storage);
  std::future<absl::Status> queued = storage->DeleteConversation("a");
  std::future<absl::Status> refused = storage->DeleteConversation("b");
  ASSERT_EQ(refused.wait_for(std::chrono::seconds(0)),
            std::future_status::ready);
  EXPECT_EQ(refused.get().code(), absl::StatusCode::kResourceExhausted);
  bool ran = false;
  EXPECT_EQ(storage->DeleteConversation("c", [&](absl::Status) { ran = true; })
                .code(),
            absl::StatusCode::kResourceExhausted);
  blocker.Release();
  EXPECT_TRUE(queued.get().ok());
  storage->Shutdown(/*drain=*/true);
  EXPECT_FALSE(ran);
}

TEST(AsyncStorageTest, ShutdownWithoutDrainCancelsQueuedCalls) {
  auto storage = OpenJson(1, 16);
  ASSERT_NE(storage, nullptr);
  auto blocker = std::make_unique<Blocker>(*storage);
  std::future<absl::StatusOr<Conversation>> created =
      storage->CreateConversation("c1", "u1");
  absl::Status callback_status;
  ASSERT_TRUE(storage
                  ->CreateSubscription("u1", "free",
                                       [&](absl::StatusOr<Subscription> s) {
                                         callback_status = s.status();
                                       })
                  .ok());
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(50));
    blocker->Release();
  });
  storage->Shutdown(/*drain=*/false);
  releaser.join();
  EXPECT_EQ(created.get().status(),
            absl::CancelledError("storage shut down before the call ran"));
  EXPECT_EQ(callback_status.code(), absl::StatusCode::kCancelled);
  // After shutdown: refused at once.
  EXPECT_EQ(storage->Count().get().status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(storage->Count([](absl::StatusOr<StorageCounts>) {}).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(AsyncStorageTest, DestructorRunsEveryQueuedCall) {
  const std::string url = "json:" + FreshTempDir("async_storage");
  {
    AsyncStorageOptions options;
    options.workers = 2;
    auto storage = AsyncStorage::Open(url, options);
    ASSERT_TRUE(storage.ok());
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE((*storage)
                      ->CreateConversation("c" + std::to_string(i), "u1",
                                           "free",
                                           [](absl::StatusOr<Conversation>) {})
                      .ok());
    }
  }
  auto reopened = Storage::Open(url);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->CountUserConversations("u1").value_or(-1), 50);
}

TEST(AsyncStorageTest, TransactionRunsOnAStorageThreadAndCommits) {
  auto storage = OpenJson(2, 16);
  ASSERT_NE(storage, nullptr);
  absl::Status status = storage
                            ->RunInTransaction([](Storage& tx) {
                              absl::Status s =
                                  tx.CreateConversation("a", "u1").status();
                              if (!s.ok()) return s;
                              return tx.AddUserMessage("a", "hello");
                            })
                            .get();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(storage->CountUserConversations("u1").get().value_or(-1), 1);
  EXPECT_EQ(storage->backend_name(), "json");
}

}  // namespace
}  // namespace parley
