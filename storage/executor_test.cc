#include "storage/executor.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace parley {
namespace {

using Lane = Executor::Lane;

ExecutorOptions Options(int workers, int max_queued, bool writer_lane = false) {
  ExecutorOptions options;
  options.workers = workers;
  options.max_queued = max_queued;
  options.serialized_writer_lane = writer_lane;
  return options;
}

// Occupies every thread of a lane until Release(), so tests can fill the
// queue deterministically.
class Blocker {
 public:
  void Block() {
    ++entered_;
    release_.WaitForNotification();
  }
  void WaitEntered(int n) {
    while (entered_.load() < n) absl::SleepFor(absl::Milliseconds(1));
  }
  void Release() { release_.Notify(); }

 private:
  std::atomic<int> entered_{0};
  absl::Notification release_;
};

TEST(ExecutorTest, RunsEveryTaskOnAWorkerThread) {
  Executor executor(Options(3, 1000));
  std::atomic<int> ran{0};
  std::atomic<int> on_caller{0};
  const std::thread::id caller = std::this_thread::get_id();
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(executor
                    .Submit(i % 2 ? Lane::kRead : Lane::kWrite,
                            [&] {
                              if (std::this_thread::get_id() == caller) {
                                ++on_caller;
                              }
                              ++ran;
                            })
                    .ok());
  }
  executor.Shutdown(/*drain=*/true);
  EXPECT_EQ(ran.load(), 500);
  EXPECT_EQ(on_caller.load(), 0);
}

TEST(ExecutorTest, FullQueueIsResourceExhaustedAtOnce) {
  Executor executor(Options(1, 2));
  Blocker blocker;
  ASSERT_TRUE(executor.Submit(Lane::kRead, [&] { blocker.Block(); }).ok());
  blocker.WaitEntered(1);
  ASSERT_TRUE(executor.Submit(Lane::kRead, [] {}).ok());
  ASSERT_TRUE(executor.Submit(Lane::kRead, [] {}).ok());
  EXPECT_EQ(executor.queued(), 2);
  const absl::Time start = absl::Now();
  bool ran = false;
  absl::Status refused = executor.Submit(Lane::kRead, [&] { ran = true; });
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));  // never waits for room
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  blocker.Release();
  executor.Shutdown(/*drain=*/true);
  EXPECT_FALSE(ran);
  EXPECT_EQ(executor.queued(), 0);
}

TEST(ExecutorTest, DrainingShutdownRunsWhatIsQueued) {
  Executor executor(Options(1, 100));
  Blocker blocker;
  std::atomic<int> ran{0};
  ASSERT_TRUE(executor.Submit(Lane::kRead, [&] { blocker.Block(); }).ok());
  blocker.WaitEntered(1);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(executor.Submit(Lane::kRead, [&] { ++ran; }).ok());
  }
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(20));
    blocker.Release();
  });
  executor.Shutdown(/*drain=*/true);
  releaser.join();
  EXPECT_EQ(ran.load(), 50);
}

TEST(ExecutorTest, CancellingShutdownFailsQueuedTasksWithCancelled) {
  Executor executor(Options(1, 100));
  Blocker blocker;
  std::atomic<int> ran{0};
  std::vector<absl::Status> cancelled;
  absl::Mutex mu;
  ASSERT_TRUE(executor.Submit(Lane::kRead, [&] { blocker.Block(); }).ok());
  blocker.WaitEntered(1);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(executor
                    .Submit(
                        Lane::kRead, [&] { ++ran; },
                        [&](absl::Status status) {
                          absl::MutexLock lock(&mu);
                          cancelled.push_back(status);
                        })
                    .ok());
  }
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(20));
    blocker.Release();
  });
  executor.Shutdown(/*drain=*/false);
  releaser.join();
  EXPECT_EQ(ran.load(), 0);
  ASSERT_EQ(cancelled.size(), 10u);
  for (const absl::Status& status : cancelled) {
    EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(status.message(), "storage shut down before the call ran");
  }
}

TEST(ExecutorTest, SubmitAfterShutdownIsFailedPrecondition) {
  Executor executor;
  executor.Shutdown(/*drain=*/true);
  bool ran = false;
  bool cancelled = false;
  absl::Status status = executor.Submit(
      Lane::kRead, [&] { ran = true; },
      [&](absl::Status) { cancelled = true; });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  executor.Shutdown(/*drain=*/false);  // a second call is harmless
  EXPECT_FALSE(ran);
  EXPECT_FALSE(cancelled);
}

TEST(ExecutorTest, WriterLaneRunsWritesOneAtATimeInOrder) {
  Executor executor(Options(4, 1000, /*writer_lane=*/true));
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::vector<int> order;  // only the writer thread touches it
  std::thread::id writer;
  std::atomic<int> other_threads{0};
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(executor
                    .Submit(Lane::kWrite,
                            [&, i] {
                              if (++inside > 1) ++overlaps;
                              if (order.empty()) {
                                writer = std::this_thread::get_id();
                              } else if (writer != std::this_thread::get_id()) {
                                ++other_threads;
                              }
                              order.push_back(i);
                              --inside;
                            })
                    .ok());
  }
  executor.Shutdown(/*drain=*/true);
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(other_threads.load(), 0);
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
}

TEST(ExecutorTest, ReadsProceedWhileTheWriterLaneIsBusy) {
  Executor executor(Options(2, 100, /*writer_lane=*/true));
  Blocker writer;
  ASSERT_TRUE(executor.Submit(Lane::kWrite, [&] { writer.Block(); }).ok());
  writer.WaitEntered(1);
  absl::Notification read_ran;
  ASSERT_TRUE(executor.Submit(Lane::kRead, [&] { read_ran.Notify(); }).ok());
  EXPECT_TRUE(read_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  writer.Release();
}

TEST(ExecutorTest, ShutdownFromATaskDoesNotHang) {
  auto executor = std::make_unique<Executor>(Options(2, 100));
  absl::Notification done;
  Blocker blocker;
  ASSERT_TRUE(executor->Submit(Lane::kRead, [&] { blocker.Block(); }).ok());
  blocker.WaitEntered(1);
  ASSERT_TRUE(executor
                  ->Submit(Lane::kRead,
                           [&] {
                             executor->Shutdown(/*drain=*/false);
                             done.Notify();
                           })
                  .ok());
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(executor->Submit(Lane::kRead, [] {}).code(),
            absl::StatusCode::kFailedPrecondition);
  blocker.Release();
  executor.reset();  // joins
}

TEST(ExecutorTest, ConcurrentShutdownsAndSubmitsNeverHang) {
  for (int round = 0; round < 20; ++round) {
    Executor executor(Options(2, 64));
    std::atomic<int> ran{0};
    std::atomic<int> cancelled{0};
    std::atomic<int> accepted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 200; ++i) {
          if (executor
                  .Submit(
                      Lane::kRead, [&] { ++ran; },
                      [&](absl::Status) { ++cancelled; })
                  .ok()) {
            ++accepted;
          }
        }
      });
    }
    threads.emplace_back([&] { executor.Shutdown(round % 2 == 0); });
    threads.emplace_back([&] { executor.Shutdown(false); });
    for (std::thread& t : threads) t.join();
    executor.Shutdown(true);
    // Every accepted task either ran or was cancelled, exactly once.
    EXPECT_EQ(ran.load() + cancelled.load(), accepted.load());
  }
}

TEST(ExecutorTest, DestructorDrains) {
  std::atomic<int> ran{0};
  {
    Executor executor(Options(1, 100));
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(executor
                      .Submit(Lane::kRead,
                              [&] {
                                absl::SleepFor(absl::Microseconds(100));
                                ++ran;
                              })
                      .ok());
    }
  }
  EXPECT_EQ(ran.load(), 20);
}

}  // namespace
}  // namespace parley
