#ifndef PARLEY_STORAGE_STATUS_UTIL_H_
#define PARLEY_STORAGE_STATUS_UTIL_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parley {

// Returns `status` with `context` put in front of its message, keeping its
// code and payloads ("context: message"). OK stays OK. After Riegeli's
// Annotate: errors gain context as they travel up, never a new code.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

// The status of a write whose connection was lost after its COMMIT was sent
// and before the answer came: code Unknown, because the store may have
// committed it or not, and a payload that IsCommitOutcomeUnknown()
// recognizes (kept by Annotate). The message says "commit outcome unknown:
// the connection was lost during COMMIT; the transaction may or may not have
// been applied (<cause>)". Callers must not blindly retry a non-idempotent
// write after it: check first whether its effect is present.
absl::Status CommitOutcomeUnknownError(absl::string_view context,
                                       absl::string_view cause);

// True when `status` (or a status annotated from it) is a
// CommitOutcomeUnknownError. Declared for embedders in api/storage.h too.
bool IsCommitOutcomeUnknown(const absl::Status& status);

}  // namespace parley

#endif  // PARLEY_STORAGE_STATUS_UTIL_H_
