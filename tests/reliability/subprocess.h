// A child process whose standard output the test reads line by line, and
// may kill at any moment.
#ifndef PARLEY_TESTS_RELIABILITY_SUBPROCESS_H_
#define PARLEY_TESTS_RELIABILITY_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace parley {
namespace testing {

class Subprocess {
 public:
  // Starts `argv[0]` with `argv`; its stdout goes to a pipe, its stderr to
  // the test's stderr.
  explicit Subprocess(const std::vector<std::string>& argv);
  ~Subprocess();  // kills the child if it still runs
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return pid_ > 0; }

  // Reads whole lines until `deadline` or the end of the output, appending
  // them to `lines`. Returns false at the end of the output.
  bool ReadLinesUntil(absl::Time deadline, std::vector<std::string>* lines);

  // SIGKILLs the child and reaps it; what it wrote before dying can still
  // be read.
  void Kill();
  // Waits for the child to exit; returns its wait status.
  int Wait();

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string partial_;
  bool reaped_ = false;
  int wait_status_ = 0;
};

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_RELIABILITY_SUBPROCESS_H_
