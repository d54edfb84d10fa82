// Record files <-> JSON values and records, with the checks that turn a file
// that cannot be read back into DataLoss.
#ifndef PARLEY_BACKENDS_JSON_JSON_RECORDS_H_
#define PARLEY_BACKENDS_JSON_JSON_RECORDS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/json/json_layout.h"
#include "proto/records.pb.h"
#include "storage/json_value.h"

namespace parley {
namespace json_backend {

// Parses the bytes of record `id`'s file. DataLoss, naming `display` (the
// file relative to the root) and never the file's contents, when the file is
// empty, not JSON, or not a JSON object. (Its "id" or "user_id" may differ
// from the file name: the original's updates could write any value there.)
absl::StatusOr<JsonValue> ParseRecordFile(RecordKind kind, absl::string_view id,
                                          absl::string_view bytes,
                                          absl::string_view display);

// The typed record of a parsed file of record `id`; DataLoss naming
// `display` when it does not convert. The record's key is `id` whatever
// the file says (PinRecordKey: a different stored "id"/"user_id" reads
// back as stored).
absl::StatusOr<Conversation> DecodeConversation(const JsonValue& object,
                                                absl::string_view id,
                                                absl::string_view display);
absl::StatusOr<Profile> DecodeProfile(const JsonValue& object,
                                      absl::string_view id,
                                      absl::string_view display);
absl::StatusOr<Subscription> DecodeSubscription(const JsonValue& object,
                                                absl::string_view id,
                                                absl::string_view display);

// The number of entries of a conversation object's "messages" list (0 when
// it is missing or not a list).
int64_t MessageCount(const JsonValue& conversation);

// The text to store for `object`: laid out as `old_bytes` was (so a record
// read and written back untouched keeps its bytes) when the record already
// had a file, else as json.dump(obj, f, indent=2).
std::string EncodeRecordFile(const JsonValue& object,
                             const std::string* old_bytes);

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_RECORDS_H_
