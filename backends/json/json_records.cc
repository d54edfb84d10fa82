#include "backends/json/json_records.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "storage/record_json.h"
#include "storage/status_util.h"

namespace parley {
namespace json_backend {
namespace {

absl::Status Corrupt(absl::string_view display, absl::string_view problem) {
  return absl::DataLossError(absl::StrCat(display, ": ", problem));
}

template <typename Record>
absl::StatusOr<Record> Decoded(absl::StatusOr<Record> record,
                               absl::string_view id,
                               absl::string_view display) {
  if (record.ok()) {
    PinRecordKey(id, &*record);
    return record;
  }
  return absl::DataLossError(
      absl::StrCat(display, ": ", record.status().message()));
}

}  // namespace

absl::StatusOr<JsonValue> ParseRecordFile(RecordKind kind, absl::string_view id,
                                          absl::string_view bytes,
                                          absl::string_view display) {
  if (bytes.find_first_not_of(" \t\r\n") == absl::string_view::npos) {
    return Corrupt(display, "empty file");
  }
  absl::StatusOr<JsonValue> value = ParseJson(bytes);
  if (!value.ok()) {
    // ParseJson names the byte offset and the cause, never the text.
    absl::string_view cause = value.status().message();
    absl::ConsumePrefix(&cause, "json: ");
    return Corrupt(display, absl::StrCat("not valid JSON at ", cause));
  }
  if (!value->is_object()) return Corrupt(display, "not a JSON object");
  return value;
}

absl::StatusOr<Conversation> DecodeConversation(const JsonValue& object,
                                                absl::string_view id,
                                                absl::string_view display) {
  return Decoded(ConversationFromJson(object), id, display);
}

absl::StatusOr<Profile> DecodeProfile(const JsonValue& object,
                                      absl::string_view id,
                                      absl::string_view display) {
  return Decoded(ProfileFromJson(object), id, display);
}

absl::StatusOr<Subscription> DecodeSubscription(const JsonValue& object,
                                                absl::string_view id,
                                                absl::string_view display) {
  return Decoded(SubscriptionFromJson(object), id, display);
}

int64_t MessageCount(const JsonValue& conversation) {
  const JsonValue* messages = conversation.Find("messages");
  if (messages == nullptr || !messages->is_array()) return 0;
  return static_cast<int64_t>(messages->array().size());
}

std::string EncodeRecordFile(const JsonValue& object,
                             const std::string* old_bytes) {
  if (old_bytes == nullptr) return WritePythonJson(object);
  return WritePythonJson(object, DetectJsonFileStyle(*old_bytes));
}

}  // namespace json_backend
}  // namespace parley
