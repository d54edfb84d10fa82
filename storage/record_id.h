// The one rule for record ids (conversation ids, user ids), which every
// Storage call checks before a backend sees the id.
#ifndef PARLEY_STORAGE_RECORD_ID_H_
#define PARLEY_STORAGE_RECORD_ID_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/record_kind.h"

namespace parley {

// A JSON store keeps a record in "<id>.json", and file names have at most
// 255 bytes (NAME_MAX), so the longest id is 250 bytes, on every backend.
inline constexpr size_t kMaxRecordIdBytes = 250;

// InvalidArgument "<what> \"<ShowRecordId(id)>\" <problem>" for an id that
// is empty, "." or "..", starts with a dot, contains '/', '\\' or NUL, is
// longer than kMaxRecordIdBytes or is not valid UTF-8. Ids name files in a
// JSON store; refusing those that could escape its folders everywhere keeps
// the backends in agreement.
absl::Status ValidateRecordId(absl::string_view what, absl::string_view id);
// The same, with `what` "<RecordKindName(kind)> id".
absl::Status ValidateRecordId(RecordKind kind, absl::string_view id);

// An id for an error message: ids are not secret, but may be huge or hold
// control bytes, so this shows at most 64 bytes, control bytes escaped.
std::string ShowRecordId(absl::string_view id);

}  // namespace parley

#endif  // PARLEY_STORAGE_RECORD_ID_H_
