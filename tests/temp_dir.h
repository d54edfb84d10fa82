#ifndef PARLEY_TESTS_TEMP_DIR_H_
#define PARLEY_TESTS_TEMP_DIR_H_

#include <string>

namespace parley {
namespace testing {

// A new empty folder under $TEST_TMPDIR (or /tmp), unique per call.
std::string FreshTempDir(const std::string& prefix);

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_TEMP_DIR_H_
