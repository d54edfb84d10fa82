// The project's only two macros. Newer Abseil ships equivalents; ours
// (20220623) does not.
#ifndef PARLEY_STORAGE_STATUS_MACROS_H_
#define PARLEY_STORAGE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PARLEY_STATUS_CONCAT_INNER_(a, b) a##b
#define PARLEY_STATUS_CONCAT_(a, b) PARLEY_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status parley_status_ = (expr);          \
    if (!parley_status_.ok()) return parley_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F())` assigns the value of the StatusOr F()
// returns, or returns its status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  PARLEY_ASSIGN_OR_RETURN_IMPL_(    \
      PARLEY_STATUS_CONCAT_(parley_statusor_, __LINE__), lhs, expr)

#define PARLEY_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // PARLEY_STORAGE_STATUS_MACROS_H_
