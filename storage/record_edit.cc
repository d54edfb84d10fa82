// Edits of stored records with the original's dict semantics: shallow
// merges (dict.update) and arbitrary edits of a conversation's JSON object.
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"
#include "proto/records.pb.h"
#include "storage/json_value.h"
#include "storage/record_json.h"
#include "storage/status_macros.h"

namespace parley {
namespace {

// Python's dict.update: existing keys keep their place, new keys go last.
void MergeMembers(const JsonValue& updates, JsonValue* object) {
  for (const JsonValue::Member& member : updates.members()) {
    object->Set(member.first, member.second);
  }
}

}  // namespace

absl::Status MergeIntoConversation(const JsonValue& updates,
                                   Conversation* conversation) {
  if (!updates.is_object()) {
    return absl::InvalidArgumentError(
        "update_conversation: updates must be a JSON object");
  }
  for (absl::string_view key : {"id", "messages"}) {
    if (updates.Find(key) != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("update_conversation cannot change \"", key, "\""));
    }
  }
  return EditConversationJson(conversation, [&](JsonValue& object) {
    MergeMembers(updates, &object);
    return absl::OkStatus();
  });
}

absl::Status EditConversationJson(
    Conversation* conversation,
    absl::FunctionRef<absl::Status(JsonValue& object)> edit) {
  // Messages take no part in the edit: convert without them and move the
  // originals back afterwards.
  Conversation without_messages;
  {
    google::protobuf::RepeatedPtrField<Message> messages;  // not copied
    messages.Swap(conversation->mutable_messages());
    without_messages = *conversation;
    messages.Swap(conversation->mutable_messages());
  }
  ASSIGN_OR_RETURN(JsonValue object, ConversationToJson(without_messages));
  RETURN_IF_ERROR(edit(object));
  ASSIGN_OR_RETURN(Conversation edited, ConversationFromJson(object));
  edited.mutable_messages()->Swap(conversation->mutable_messages());
  PinRecordKey(conversation->id(), &edited);
  *conversation = std::move(edited);
  return absl::OkStatus();
}

absl::Status MergeIntoSubscription(const JsonValue& updates,
                                   Subscription* subscription) {
  if (!updates.is_object()) {
    return absl::InvalidArgumentError(
        "update_subscription: updates must be a JSON object");
  }
  ASSIGN_OR_RETURN(JsonValue object, SubscriptionToJson(*subscription));
  MergeMembers(updates, &object);
  const std::string user_id = subscription->user_id();
  ASSIGN_OR_RETURN(*subscription, SubscriptionFromJson(object));
  PinRecordKey(user_id, subscription);
  return absl::OkStatus();
}

}  // namespace parley
