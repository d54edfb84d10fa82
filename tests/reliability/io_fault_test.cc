// I/O faults on a JSON store, in the manner of SQLite's own fault tests:
// for every mutating API call, the Nth file-system call it makes (open,
// write, fsync, rename, link, unlink, mkdir, rmdir; N = 1, 2, 3, ... until the
// call completes) fails with EIO. Each failing call must return an error and
// leave every byte of the store folder as it was, and the same call made
// again (no fault) must work and give the bytes a fault-free call gives.
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "api/storage.h"
#include "backends/json/json_files_internal.h"
#include "gtest/gtest.h"
#include "tests/reliability/store_files.h"
#include "tests/status_matchers.h"
#include "tests/temp_dir.h"

namespace parley {
namespace testing {
namespace {

using json_backend::FileOps;
using json_backend::RealFileOps;

// The fault plan: fail call number `fail_at` (counting from 1 since Arm);
// 0 fails none. Calls are counted across threads.
std::atomic<int64_t> calls{0};
std::atomic<int64_t> fail_at{0};
std::atomic<const char*> failed_call{nullptr};

bool Inject(const char* what) {
  if (calls.fetch_add(1) + 1 != fail_at.load()) return false;
  failed_call.store(what);
  errno = EIO;
  return true;
}

const FileOps kFaultyOps = {
    [](const char* path, int flags, mode_t mode) {
      return Inject("open") ? -1 : RealFileOps().open(path, flags, mode);
    },
    [](int fd, const void* buf, size_t count) -> ssize_t {
      return Inject("write") ? -1 : RealFileOps().write(fd, buf, count);
    },
    [](int fd) { return Inject("fsync") ? -1 : RealFileOps().fsync(fd); },
    [](const char* from, const char* to) {
      return Inject("rename") ? -1 : RealFileOps().rename(from, to);
    },
    [](const char* from, const char* to) {
      return Inject("link") ? -1 : RealFileOps().link(from, to);
    },
    [](const char* path) {
      return Inject("unlink") ? -1 : RealFileOps().unlink(path);
    },
    [](const char* path, mode_t mode) {
      return Inject("mkdir") ? -1 : RealFileOps().mkdir(path, mode);
    },
    [](const char* path) {
      return Inject("rmdir") ? -1 : RealFileOps().rmdir(path);
    },
};

void Arm(int64_t n) {
  calls.store(0);
  failed_call.store(nullptr);
  fail_at.store(n);
}

struct Operation {
  std::string name;
  std::function<absl::Status(Storage&)> run;
};

std::vector<Operation> Operations() {
  auto ok = [](auto status_or) { return status_or.status(); };
  return {
      {"create_conversation",
       [=](Storage& s) { return ok(s.CreateConversation("new", "u1")); }},
      {"save_conversation",
       [](Storage& s) -> absl::Status {
         absl::StatusOr<std::optional<Conversation>> c =
             s.GetConversation("c2");
         if (!c.ok()) return c.status();
         Conversation changed = **c;
         changed.set_title("saved whole");
         changed.mutable_messages()->RemoveLast();
         return s.SaveConversation(changed);
       }},
      {"add_user_message",
       [](Storage& s) { return s.AddUserMessage("c2", "one more"); }},
      {"add_assistant_message",
       [](Storage& s) {
         return s.AddAssistantMessage("c2", "[1]", "[2]", "{\"a\":3}",
                                      "{\"m\":1}");
       }},
      {"update_conversation",
       [](Storage& s) {
         return s.UpdateConversation("c2", "{\"title\":\"x\",\"k\":[1]}");
       }},
      {"update_conversation_title",
       [](Storage& s) { return s.UpdateConversationTitle("c1", "t"); }},
      {"toggle_conversation_starred",
       [=](Storage& s) { return ok(s.ToggleConversationStarred("c1")); }},
      {"delete_conversation",
       [](Storage& s) { return s.DeleteConversation("c3"); }},
      {"save_follow_up_answers",
       [](Storage& s) { return s.SaveFollowUpAnswers("c1", "{\"q\":1}"); }},
      {"restore_all_expired_reports",  // changes two files
       [=](Storage& s) { return ok(s.RestoreAllExpiredReports("u1")); }},
      {"create_user_profile (new)",
       [=](Storage& s) {
         return ok(s.CreateUserProfile("u2", "b@example.com", "{}"));
       }},
      {"create_user_profile (replace)",
       [=](Storage& s) {
         return ok(s.CreateUserProfile("u1", "", "{\"mood\":\"ok\"}"));
       }},
      {"update_user_profile",
       [=](Storage& s) {
         return ok(s.UpdateUserProfile("u9", "{\"mood\":\"fine\"}"));
       }},
      {"create_subscription (new)",
       [=](Storage& s) { return ok(s.CreateSubscription("u2", "monthly")); }},
      {"update_subscription",
       [=](Storage& s) {
         return ok(s.UpdateSubscription("u1", "{\"status\":\"cancelled\"}"));
       }},
      {"update_subscription_by_stripe_id",
       [=](Storage& s) {
         return ok(s.UpdateSubscriptionByStripeId("sub_1", "{\"tier\":\"x\"}"));
       }},
      {"run_in_transaction (3 files)",
       [](Storage& s) {
         return s.RunInTransaction([](Storage& t) -> absl::Status {
           absl::Status status = t.AddUserMessage("c1", "in txn");
           if (!status.ok()) return status;
           status = t.AddUserMessage("c2", "in txn");
           if (!status.ok()) return status;
           return t.CreateConversation("t1", "u3").status();
         });
       }},
  };
}

StorageOptions FixedClock() {
  StorageOptions options;
  const absl::Time now = absl::FromCivil(
      absl::CivilSecond(2025, 12, 4, 10, 11, 12), absl::UTCTimeZone());
  options.clock = [now] { return now; };
  return options;
}

// A store with a record of every kind, so that no operation creates a
// folder: conversations c1 (free, expiring), c2 (with messages), c3, c4
// (free), profiles u1 (locked) and u9 (unlocked), subscription u1 with a
// Stripe id.
FolderSnapshot MakeBaseline(const std::string& folder) {
  std::unique_ptr<Storage> s = *Storage::Open("json:" + folder, FixedClock());
  EXPECT_THAT(s->CreateConversation("c1", "u1", "free"), IsOk());
  EXPECT_THAT(s->CreateConversation("c2", "u1", "monthly"), IsOk());
  EXPECT_THAT(s->AddUserMessage("c2", "hello"), IsOk());
  EXPECT_THAT(s->AddAssistantMessage("c2", "[]", "[]", "{}"), IsOk());
  EXPECT_THAT(s->CreateConversation("c3", "u2", "monthly"), IsOk());
  EXPECT_THAT(s->CreateConversation("c4", "u1", "free"), IsOk());
  EXPECT_THAT(s->CreateUserProfile("u1", "a@example.com", "{}"), IsOk());
  EXPECT_THAT(s->CreateUserProfile("u9", "z@example.com", "{}"), IsOk());
  EXPECT_THAT(s->CreateSubscription("u1", "monthly"), IsOk());
  EXPECT_THAT(
      s->UpdateSubscription("u1", "{\"stripe_subscription_id\":\"sub_1\"}"),
      IsOk());
  s.reset();
  FolderSnapshot snapshot = SnapshotFolder(folder);
  // u9's profile unlocked, as an application could have written it.
  bool unlocked = false;
  for (auto& [path, bytes] : snapshot) {
    if (path.size() >= 7 && path.substr(path.size() - 7) == "u9.json") {
      bytes = absl::StrReplaceAll(
          bytes, {{"\"profile_locked\": true", "\"profile_locked\": false"}});
      unlocked = true;
    }
  }
  EXPECT_TRUE(unlocked);
  return snapshot;
}

class IoFaultTest : public ::testing::Test {
 protected:
  void SetUp() override { json_backend::SetFileOpsForTesting(&kFaultyOps); }
  void TearDown() override {
    Arm(0);
    json_backend::SetFileOpsForTesting(nullptr);
  }
};

TEST_F(IoFaultTest, EveryFailedCallLeavesTheStoreAsItWas) {
  const std::string folder = FreshTempDir("json_faults");
  const FolderSnapshot baseline = MakeBaseline(folder);
  int64_t fault_points = 0, swallowed = 0, changed = 0, retry_failed = 0;
  std::map<std::string, int64_t> by_call;
  const std::vector<Operation> operations = Operations();
  for (const Operation& op : operations) {
    SCOPED_TRACE(op.name);
    // What the call gives without a fault.
    RestoreFolder(folder, baseline);
    FolderSnapshot expected;
    {
      Arm(0);
      std::unique_ptr<Storage> s =
          *Storage::Open("json:" + folder, FixedClock());
      ASSERT_THAT(op.run(*s), IsOk());
      expected = SnapshotFolder(folder);
      ASSERT_FALSE(DiffSnapshots(baseline, expected).empty())
          << "the operation changes nothing";
    }
    for (int64_t n = 1;; ++n) {
      ASSERT_LT(n, 1000) << "the operation never completes";
      RestoreFolder(folder, baseline);
      std::unique_ptr<Storage> s =
          *Storage::Open("json:" + folder, FixedClock());
      Arm(n);
      absl::Status status = op.run(*s);
      const char* failed = failed_call.load();
      Arm(0);
      if (failed == nullptr) {
        // Fewer calls than n: the fault points are exhausted.
        ASSERT_THAT(status, IsOk());
        EXPECT_TRUE(DiffSnapshots(expected, SnapshotFolder(folder)).empty());
        break;
      }
      ++fault_points;
      ++by_call[failed];
      const std::string where =
          absl::StrCat("fault at call ", n, " (", failed, ")");
      if (status.ok()) ++swallowed;
      EXPECT_FALSE(status.ok()) << where << ": the error was swallowed";
      const std::vector<std::string> diff =
          DiffSnapshots(baseline, SnapshotFolder(folder));
      EXPECT_TRUE(diff.empty())
          << where << " returned " << status << " and left the store changed:\n"
          << absl::StrJoin(diff, "\n");
      // The same call again, on the same Storage, works.
      absl::Status again = op.run(*s);
      EXPECT_THAT(again, IsOk()) << where;
      const std::vector<std::string> after =
          DiffSnapshots(expected, SnapshotFolder(folder));
      if (!again.ok() || !after.empty()) ++retry_failed;
      if (again.ok()) {
        EXPECT_TRUE(after.empty())
            << where << ": the retry stored something else:\n"
            << absl::StrJoin(after, "\n");
      }
    }
  }
  std::vector<std::string> parts;
  for (const auto& [call, count] : by_call) {
    parts.push_back(absl::StrCat(call, " ", count));
  }
  std::printf(
      "RELIABILITY io-faults json: %zu operations x their fault points = "
      "%lld faults injected (%s); %lld errors swallowed, %lld left the "
      "store changed, %lld retries failed\n",
      operations.size(), static_cast<long long>(fault_points),
      absl::StrJoin(parts, ", ").c_str(), static_cast<long long>(swallowed),
      static_cast<long long>(changed), static_cast<long long>(retry_failed));
}

}  // namespace
}  // namespace testing
}  // namespace parley
