// IsOk() and StatusIs(code, substring) for absl::Status and absl::StatusOr,
// because our Abseil (20220623) has no status_matchers.h.
#ifndef PARLEY_TESTS_STATUS_MATCHERS_H_
#define PARLEY_TESTS_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "storage/status_macros.h"

namespace parley {
namespace testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P2(StatusIs, code, substring,
           "has code " + absl::StatusCodeToString(code) +
               " and a message containing \"" + std::string(substring) + "\"") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         status.message().find(substring) != absl::string_view::npos;
}

// Matches an OK StatusOr whose value matches `inner`.
MATCHER_P(IsOkAndHolds, inner, "is OK and holds a value that matches") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

}  // namespace testing
}  // namespace parley

// Asserts that a StatusOr is OK and yields its value.
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                           \
  auto PARLEY_STATUS_CONCAT_(parley_test_, __LINE__) = (expr);    \
  ASSERT_TRUE(PARLEY_STATUS_CONCAT_(parley_test_, __LINE__).ok()) \
      << PARLEY_STATUS_CONCAT_(parley_test_, __LINE__).status();  \
  lhs = std::move(PARLEY_STATUS_CONCAT_(parley_test_, __LINE__)).value()

#endif  // PARLEY_TESTS_STATUS_MATCHERS_H_
