// The kinds of record a store holds, and their names.
#ifndef PARLEY_STORAGE_RECORD_KIND_H_
#define PARLEY_STORAGE_RECORD_KIND_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parley {

// In the order RecordStream::Scan visits them; the values index per-kind
// arrays (migration statistics, digests).
enum class RecordKind { kProfile = 0, kSubscription = 1, kConversation = 2 };
inline constexpr int kRecordKinds = 3;

// "profile", "subscription", "conversation": the names OnBadRecord gets,
// export lines carry and messages start with.
absl::string_view RecordKindName(RecordKind kind);
// Inverse of RecordKindName; InvalidArgument for another name.
absl::StatusOr<RecordKind> ParseRecordKind(absl::string_view name);

}  // namespace parley

#endif  // PARLEY_STORAGE_RECORD_KIND_H_
