// The summaries list_conversations returns.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "proto/records.pb.h"
#include "storage/json_value.h"
#include "storage/record_json.h"
#include "storage/record_json_internal.h"

namespace parley {

using record_json_internal::FindExtra;
using record_json_internal::KeyOrder;
using record_json_internal::NullableString;
using record_json_internal::WriteRecord;

ConversationSummary SummarizeConversation(const Conversation& conversation,
                                          int64_t message_count) {
  ConversationSummary summary;
  summary.set_id(conversation.id());
  summary.set_created_at(conversation.created_at());
  summary.set_title(HasTypedKey(conversation, "title")
                        ? conversation.title()
                        : std::string(kDefaultConversationTitle));
  summary.set_starred(HasTypedKey(conversation, "starred") &&
                      conversation.starred());
  summary.set_message_count(message_count);
  if (HasTypedKey(conversation, "expires_at") &&
      conversation.has_expires_at()) {
    summary.set_expires_at(conversation.expires_at());
  }
  summary.set_is_visible(!HasTypedKey(conversation, "is_visible") ||
                         conversation.is_visible());
  for (const char* key :
       {"id", "created_at", "title", "starred", "expires_at", "is_visible"}) {
    if (const JsonField* field = FindExtra(conversation.extra(), key)) {
      *summary.add_extra() = *field;
    }
  }
  return summary;
}

absl::StatusOr<JsonValue> SummaryToJson(const ConversationSummary& summary) {
  static const auto* const kKeys = new std::vector<std::string>{
      "id",         "created_at", "title", "starred", "message_count",
      "expires_at", "is_visible"};
  const std::string name =
      absl::StrCat("summary of conversation ", summary.id());
  return WriteRecord(
      KeyOrder(), *kKeys, summary.extra(), name,
      [&](absl::string_view key, JsonValue* out) -> absl::StatusOr<bool> {
        if (key == "id") {
          *out = JsonValue::String(summary.id());
        } else if (key == "created_at") {
          *out = JsonValue::String(summary.created_at());
        } else if (key == "title") {
          *out = JsonValue::String(summary.title());
        } else if (key == "starred") {
          *out = JsonValue::Bool(summary.starred());
        } else if (key == "message_count") {
          *out = JsonValue::Integer(summary.message_count());
        } else if (key == "expires_at") {
          *out = NullableString(summary.has_expires_at(), summary.expires_at());
        } else {
          *out = JsonValue::Bool(summary.is_visible());
        }
        return true;
      });
}

}  // namespace parley
