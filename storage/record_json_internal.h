// What record_json.cc and conversation_summary.cc share: how a record is
// written as a JSON object. Private to the record_json target.
#ifndef PARLEY_STORAGE_RECORD_JSON_INTERNAL_H_
#define PARLEY_STORAGE_RECORD_JSON_INTERNAL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"
#include "proto/records.pb.h"
#include "storage/json_value.h"
#include "storage/status_macros.h"

namespace parley {
namespace record_json_internal {

using Extras = google::protobuf::RepeatedPtrField<JsonField>;
using KeyOrder = google::protobuf::RepeatedPtrField<std::string>;

// The extra field named `key`, or null.
const JsonField* FindExtra(const Extras& extra, absl::string_view key);

// The keys a record writes, in order: its key_order (or `canonical` when
// key_order is empty), then any extra key not already listed, so that no
// value is ever lost. Each key appears once.
std::vector<std::string> KeysToWrite(const KeyOrder& key_order,
                                     const std::vector<std::string>& canonical,
                                     const Extras& extra);

// Parses a stored payload text; `context` names the record and the field.
absl::StatusOr<JsonValue> ParsePayload(absl::string_view text,
                                       absl::string_view context);

// Writes a record: for each key, its extra value when it has one, else what
// `typed` puts in `*value` (false: the key has no value and is skipped).
// `typed` returns StatusOr<bool>.
template <typename TypedFn>
absl::StatusOr<JsonValue> WriteRecord(const KeyOrder& key_order,
                                      const std::vector<std::string>& canonical,
                                      const Extras& extra,
                                      absl::string_view record_name,
                                      TypedFn typed) {
  JsonValue object = JsonValue::Object();
  for (const std::string& key : KeysToWrite(key_order, canonical, extra)) {
    if (const JsonField* field = FindExtra(extra, key)) {
      ASSIGN_OR_RETURN(
          JsonValue value,
          ParsePayload(field->json(),
                       absl::StrCat(record_name, ": key \"", key, "\"")));
      object.members().emplace_back(key, std::move(value));
      continue;
    }
    JsonValue value;
    ASSIGN_OR_RETURN(bool present, typed(key, &value));
    if (present) object.members().emplace_back(key, std::move(value));
  }
  return object;
}

// A string, or null when the optional field is not set.
inline JsonValue NullableString(bool has, const std::string& value) {
  return has ? JsonValue::String(value) : JsonValue::Null();
}

}  // namespace record_json_internal
}  // namespace parley

#endif  // PARLEY_STORAGE_RECORD_JSON_INTERNAL_H_
