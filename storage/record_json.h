// Records <-> JSON objects, with the key-presence and key-order rules stated
// in proto/records.proto. Used by the JSON-file backend (files), the SQL
// backends (keys without a column), the facade (shallow merges) and migration
// (digests, export).
#ifndef PARLEY_STORAGE_RECORD_JSON_H_
#define PARLEY_STORAGE_RECORD_JSON_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/records.pb.h"
#include "storage/json_value.h"

namespace parley {

// The title of a conversation that has none: what create_conversation sets
// and what listing shows for a conversation without a "title" key.
inline constexpr absl::string_view kDefaultConversationTitle =
    "New Conversation";

// The keys the contract names, in the contract's order.
const std::vector<std::string>& ConversationKeys();
const std::vector<std::string>& MessageKeys();
const std::vector<std::string>& ProfileKeys();
const std::vector<std::string>& SubscriptionKeys();

// Record -> JSON object. Keys follow `key_order` (or the canonical order when
// it is empty); `extra` values take precedence over typed fields. Payload
// texts are parsed back into values; a payload text that is not valid JSON
// gives DataLoss naming the record and the field.
absl::StatusOr<JsonValue> ConversationToJson(const Conversation& conversation);
absl::StatusOr<JsonValue> MessageToJson(const Message& message);
absl::StatusOr<JsonValue> ProfileToJson(const Profile& profile);
absl::StatusOr<JsonValue> SubscriptionToJson(const Subscription& subscription);

// JSON object -> record. Fills `key_order` with the object's keys; a known
// key whose value has an unexpected type goes to `extra` (never dropped).
// InvalidArgument when `object` is not an object.
absl::StatusOr<Conversation> ConversationFromJson(const JsonValue& object);
absl::StatusOr<Message> MessageFromJson(const JsonValue& object);
absl::StatusOr<Profile> ProfileFromJson(const JsonValue& object);
absl::StatusOr<Subscription> SubscriptionFromJson(const JsonValue& object);

// Moves each `extra` value of a known key whose type the typed field takes
// into that field (what *FromJson would have done with it). For stores that
// keep some values in extra for their own reasons (backends/sql: text a
// column cannot hold), so that a record reads back as *FromJson gives it.
absl::Status AbsorbExtras(Conversation* conversation);
absl::Status AbsorbExtras(Message* message);
absl::Status AbsorbExtras(Profile* profile);
absl::Status AbsorbExtras(Subscription* subscription);

// Shallow merge of `updates` (a JSON object) into a record, as Python's
// dict.update: existing keys keep their place, new keys go last. The record
// comes back with `key_order` filled. InvalidArgument when `updates` is not
// an object; for conversations also when it names "id" or "messages" (the
// id names the record's file, and messages change only by appending or
// through SaveConversation).
absl::Status MergeIntoConversation(const JsonValue& updates,
                                   Conversation* conversation);

// Runs `edit` on the conversation as a JSON object without "messages" (what
// the original's dict was, for every key but the messages) and reads the
// result back, messages untouched: the way to apply the original's Python
// semantics to keys of any stored type.
absl::Status EditConversationJson(
    Conversation* conversation,
    absl::FunctionRef<absl::Status(JsonValue& object)> edit);
absl::Status MergeIntoSubscription(const JsonValue& updates,
                                   Subscription* subscription);

// A record's key field (a conversation's "id", a profile's or a
// subscription's "user_id") names where it is stored. When the stored object
// says otherwise (the original let an update write "user_id": "b" into user
// a's file), the typed field keeps the storage key `key` and the stored value
// stays as the record's value of that key in `extra`, so it reads back as
// the original wrote it and the record stays where it was.
void PinRecordKey(absl::string_view key, Conversation* conversation);
void PinRecordKey(absl::string_view key, Profile* profile);
void PinRecordKey(absl::string_view key, Subscription* subscription);

// Makes sure `key` is listed in the record's key_order (appending it when
// missing), so that a typed field the facade sets is present. A record with
// an empty key_order (canonical) is left as it is. Also drops `key` from
// `extra`, so the typed field is what gets written.
void EnsureKey(absl::string_view key, Conversation* conversation);
void EnsureKey(absl::string_view key, Profile* profile);
void EnsureKey(absl::string_view key, Subscription* subscription);

// True when `key` is present in the record (listed in a non-empty key_order,
// or named by the contract / in extra when key_order is empty) and held by
// the typed field rather than by `extra`.
bool HasTypedKey(const Conversation& conversation, absl::string_view key);

// The summary listing returns: absent title/starred/is_visible take the
// contract's defaults (kDefaultConversationTitle, false, true); a key held in
// `extra` (another type than the contract's) is copied to the summary's
// extra, as the original's summary held the stored value.
ConversationSummary SummarizeConversation(const Conversation& conversation,
                                          int64_t message_count);

// A summary as the original's list_conversations returned it: id,
// created_at, title, starred, message_count, expires_at, is_visible.
absl::StatusOr<JsonValue> SummaryToJson(const ConversationSummary& summary);

}  // namespace parley

#endif  // PARLEY_STORAGE_RECORD_JSON_H_
