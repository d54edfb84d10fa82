#ifndef PARLEY_STORAGE_STATUS_UTIL_H_
#define PARLEY_STORAGE_STATUS_UTIL_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parley {

// Returns `status` with `context` put in front of its message, keeping its
// code and payloads ("context: message"). OK stays OK. After Riegeli's
// Annotate: errors gain context as they travel up, never a new code.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace parley

#endif  // PARLEY_STORAGE_STATUS_UTIL_H_
