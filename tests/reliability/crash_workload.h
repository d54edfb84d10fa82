// The sequence of writes the crash test's writer makes, numbered from 0, and
// what the store must hold after the first N of them.
//
// Op i works on conversation "crash-<i / 8>": i % 8 == 0 creates it, 1..5
// append a user message "op-<i>", 6 appends an assistant message whose
// stage3 is {"op":i}, 7 saves follow-up answers {"op":i}.
#ifndef PARLEY_TESTS_RELIABILITY_CRASH_WORKLOAD_H_
#define PARLEY_TESTS_RELIABILITY_CRASH_WORKLOAD_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/storage.h"

namespace parley {
namespace testing {

inline constexpr int64_t kOpsPerConversation = 8;

std::string CrashConversationId(int64_t op);

// Performs op `op`.
absl::Status ApplyCrashOp(Storage& storage, int64_t op);

// Whether op `op` is already in the store (for the op a killed writer may
// have completed without acknowledging it).
absl::StatusOr<bool> CrashOpApplied(Storage& storage, int64_t op);

// OK when the store holds exactly ops 0..last (none when last < 0): every
// conversation, message, and follow-up, each once, in order, and nothing
// else. Otherwise the first difference, as a FailedPrecondition.
absl::Status CheckCrashStore(Storage& storage, int64_t last);

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_RELIABILITY_CRASH_WORKLOAD_H_
