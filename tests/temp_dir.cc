#include "tests/temp_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace parley {
namespace testing {

std::string FreshTempDir(const std::string& prefix) {
  static std::atomic<int> counter{0};
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", prefix,
                                 "_", getpid(), "_", counter++);
  mkdir(dir.c_str(), 0755);
  return dir;
}

}  // namespace testing
}  // namespace parley
