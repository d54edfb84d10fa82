#include "tests/reliability/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "absl/time/clock.h"

namespace parley {
namespace testing {

Subprocess::Subprocess(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::execv(args[0], args.data());
    std::perror("execv");
    ::_exit(127);
  }
  ::close(fds[1]);
  out_ = fds[0];
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !reaped_) Kill();
  if (out_ >= 0) ::close(out_);
}

bool Subprocess::ReadLinesUntil(absl::Time deadline,
                                std::vector<std::string>* lines) {
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    const int timeout_ms = deadline == absl::InfiniteFuture()
                               ? -1
                               : static_cast<int>(std::max<int64_t>(
                                     0, absl::ToInt64Milliseconds(left)));
    struct pollfd pfd = {out_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return true;  // deadline
    char buffer[4096];
    const ssize_t n = ::read(out_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    partial_.append(buffer, static_cast<size_t>(n));
    size_t newline;
    while ((newline = partial_.find('\n')) != partial_.npos) {
      lines->push_back(partial_.substr(0, newline));
      partial_.erase(0, newline + 1);
    }
  }
}

void Subprocess::Kill() {
  if (pid_ <= 0 || reaped_) return;
  ::kill(pid_, SIGKILL);
  Wait();
}

int Subprocess::Wait() {
  if (pid_ <= 0) return -1;
  if (!reaped_) {
    while (::waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
  return wait_status_;
}

}  // namespace testing
}  // namespace parley
