// The writer process of the crash and concurrency tests. It writes each
// acknowledgement to stdout (a pipe to the test) only after the call it
// acknowledges returned OK, one write(2) per line, so that a SIGKILL leaves
// the test with exactly the acknowledgements made before it.
//
//   writer crash URL START
//       performs crash_workload.h's ops START, START+1, ... until killed,
//       printing "ack <op>" after each.
//   writer concurrent URL PROCESS THREADS APPENDS CONVERSATIONS
//       THREADS threads each append APPENDS user messages
//       "p<PROCESS>-t<thread>-s<seq>" to conversations "conc-<n>" (n chosen
//       by process, thread and seq), printing "ack <PROCESS> <thread> <seq>"
//       after each; retries a call that returns Unavailable or Aborted (the
//       codes that mean "retry"). Exits 0 when every append succeeded.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/storage.h"
#include "tests/reliability/crash_workload.h"

namespace parley {
namespace testing {
namespace {

absl::Mutex out_mu;

void Say(const std::string& line) {
  absl::MutexLock lock(&out_mu);
  std::string text = line + "\n";
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n <= 0) std::_Exit(3);  // the test is gone
    p += n;
    left -= static_cast<size_t>(n);
  }
}

int Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "writer: %s: %s\n", what.c_str(),
               status.ToString().c_str());
  return 1;
}

int Crash(const std::string& url, int64_t start) {
  absl::StatusOr<std::unique_ptr<Storage>> storage = Storage::Open(url);
  if (!storage.ok()) return Fail("open", storage.status());
  for (int64_t op = start; op < start + 1'000'000; ++op) {
    absl::Status status = ApplyCrashOp(**storage, op);
    if (!status.ok()) return Fail(absl::StrCat("op ", op), status);
    Say(absl::StrCat("ack ", op));
  }
  return 0;
}

bool IsRetryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsAborted(status);
}

int Concurrent(const std::string& url, int process, int threads, int appends,
               int conversations) {
  absl::StatusOr<std::unique_ptr<Storage>> storage = Storage::Open(url);
  if (!storage.ok()) return Fail("open", storage.status());
  std::atomic<int> failures{0};
  std::atomic<int64_t> retries{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int seq = 0; seq < appends; ++seq) {
        const int n = (process * 7 + t * 3 + seq) % conversations;
        const std::string id = absl::StrCat("conc-", n);
        const std::string text = absl::StrCat("p", process, "-t", t, "-s", seq);
        absl::Status status;
        for (int attempt = 0; attempt < 100; ++attempt) {
          status = (*storage)->AddUserMessage(id, text);
          if (!IsRetryable(status)) break;
          ++retries;
          ::usleep(1000 * (attempt + 1));
        }
        if (!status.ok()) {
          Fail(absl::StrCat("append ", text), status);
          ++failures;
          return;
        }
        Say(absl::StrCat("ack ", process, " ", t, " ", seq));
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  Say(absl::StrCat("done retries ", retries.load()));
  return failures.load() == 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  int64_t start = 0;
  if (args.size() == 3 && args[0] == "crash" &&
      absl::SimpleAtoi(args[2], &start)) {
    return Crash(args[1], start);
  }
  int process, threads, appends, conversations;
  if (args.size() == 6 && args[0] == "concurrent" &&
      absl::SimpleAtoi(args[2], &process) &&
      absl::SimpleAtoi(args[3], &threads) &&
      absl::SimpleAtoi(args[4], &appends) &&
      absl::SimpleAtoi(args[5], &conversations)) {
    return Concurrent(args[1], process, threads, appends, conversations);
  }
  std::fprintf(stderr,
               "usage: writer crash URL START\n"
               "       writer concurrent URL PROCESS THREADS APPENDS "
               "CONVERSATIONS\n");
  return 2;
}

}  // namespace
}  // namespace testing
}  // namespace parley

int main(int argc, char** argv) { return parley::testing::Main(argc, argv); }
