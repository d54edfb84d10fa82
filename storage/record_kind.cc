#include "storage/record_kind.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace parley {

absl::string_view RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kProfile:
      return "profile";
    case RecordKind::kSubscription:
      return "subscription";
    case RecordKind::kConversation:
      return "conversation";
  }
  return "record";
}

absl::StatusOr<RecordKind> ParseRecordKind(absl::string_view name) {
  for (int k = 0; k < kRecordKinds; ++k) {
    if (RecordKindName(static_cast<RecordKind>(k)) == name) {
      return static_cast<RecordKind>(k);
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown record kind \"", name, "\""));
}

}  // namespace parley
