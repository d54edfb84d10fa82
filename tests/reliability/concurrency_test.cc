// Concurrent writers: 4 processes x 8 threads append to the same 10
// conversations. Every acknowledged append must be stored exactly once,
// nothing unacknowledged may appear, and each writer's messages must keep
// its own order within every conversation.
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/storage.h"
#include "gtest/gtest.h"
#include "tests/reliability/reliability_backends.h"
#include "tests/reliability/store_files.h"
#include "tests/reliability/subprocess.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

constexpr int kProcesses = 4;
constexpr int kThreads = 8;
constexpr int kAppendsPerThread = 100;
constexpr int kConversations = 10;

using WriterSeq = std::tuple<int, int, int>;  // process, thread, seq

class ConcurrencyTest : public ::testing::TestWithParam<ReliabilityBackend> {};

TEST_P(ConcurrencyTest, ConcurrentAppendsAreAllStoredInWriterOrder) {
  std::string url, folder;
  GetParam().fresh(&url, &folder);
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage, Storage::Open(url));
    for (int n = 0; n < kConversations; ++n) {
      ASSERT_THAT(storage->CreateConversation(absl::StrCat("conc-", n), "u1",
                                              "monthly"),
                  IsOk());
    }
  }

  const std::string writer = RunfilePath("tests/reliability/writer");
  const absl::Time start = absl::Now();
  std::vector<std::unique_ptr<Subprocess>> processes;
  for (int p = 0; p < kProcesses; ++p) {
    processes.push_back(std::make_unique<Subprocess>(std::vector<std::string>{
        writer, "concurrent", url, absl::StrCat(p), absl::StrCat(kThreads),
        absl::StrCat(kAppendsPerThread), absl::StrCat(kConversations)}));
    ASSERT_TRUE(processes.back()->started());
  }
  std::set<WriterSeq> acknowledged;
  int64_t retries = 0;
  for (auto& process : processes) {
    std::vector<std::string> lines;
    while (process->ReadLinesUntil(absl::InfiniteFuture(), &lines)) {
    }
    const int status = process->Wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "a writer failed (wait status " << status << ")";
    for (const std::string& line : lines) {
      std::vector<std::string> words = absl::StrSplit(line, ' ');
      int64_t n = 0;
      if (words.size() == 3 && words[0] == "done" &&
          absl::SimpleAtoi(words[2], &n)) {
        retries += n;
        continue;
      }
      int p, t, s;
      ASSERT_TRUE(words.size() == 4 && words[0] == "ack" &&
                  absl::SimpleAtoi(words[1], &p) &&
                  absl::SimpleAtoi(words[2], &t) &&
                  absl::SimpleAtoi(words[3], &s))
          << line;
      EXPECT_TRUE(acknowledged.insert({p, t, s}).second) << line;
    }
  }
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(acknowledged.size(),
            static_cast<size_t>(kProcesses * kThreads * kAppendsPerThread));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage, Storage::Open(url));
  std::set<WriterSeq> stored;
  int64_t duplicated = 0, unacknowledged = 0, reordered = 0, messages = 0;
  for (int n = 0; n < kConversations; ++n) {
    ASSERT_OK_AND_ASSIGN(std::optional<Conversation> conversation,
                         storage->GetConversation(absl::StrCat("conc-", n)));
    ASSERT_TRUE(conversation.has_value());
    std::map<std::pair<int, int>, int> last_seq;  // per writer thread
    for (const Message& message : conversation->messages()) {
      ++messages;
      int p, t, s;
      std::vector<std::string> parts = absl::StrSplit(message.content(), '-');
      ASSERT_TRUE(parts.size() == 3 &&
                  absl::SimpleAtoi(parts[0].substr(1), &p) &&
                  absl::SimpleAtoi(parts[1].substr(1), &t) &&
                  absl::SimpleAtoi(parts[2].substr(1), &s))
          << message.content();
      if (!stored.insert({p, t, s}).second) ++duplicated;
      if (acknowledged.count({p, t, s}) == 0) ++unacknowledged;
      auto [it, first] = last_seq.try_emplace({p, t}, s);
      if (!first) {
        if (s <= it->second) ++reordered;
        it->second = s;
      }
    }
  }
  int64_t lost = 0;
  for (const WriterSeq& ack : acknowledged) {
    if (stored.count(ack) == 0) ++lost;
  }
  ASSERT_OK_AND_ASSIGN(StorageCounts counts, storage->Count());
  EXPECT_EQ(counts.messages, messages);
  EXPECT_EQ(messages, static_cast<int64_t>(acknowledged.size()));
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(unacknowledged, 0);
  EXPECT_EQ(reordered, 0);
  if (GetParam().name == "json") {
    EXPECT_TRUE(ScanRecordFiles(folder).bad.empty());
  }
  std::printf(
      "RELIABILITY concurrency %s: %d processes x %d threads, %zu "
      "acknowledged appends, %lld stored, %lld lost, %lld duplicated, %lld "
      "reordered, %lld retries, %.1f s\n",
      GetParam().name.c_str(), kProcesses, kThreads, acknowledged.size(),
      static_cast<long long>(messages), static_cast<long long>(lost),
      static_cast<long long>(duplicated), static_cast<long long>(reordered),
      static_cast<long long>(retries), absl::ToDoubleSeconds(took));
}

INSTANTIATE_TEST_SUITE_P(Backends, ConcurrencyTest,
                         ::testing::Values(JsonReliabilityBackend(),
                                           SqliteReliabilityBackend(),
                                           PostgresReliabilityBackend()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
