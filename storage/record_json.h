// Records <-> JSON objects, with the key-presence and key-order rules stated
// in proto/records.proto. Used by the JSON-file backend (files), the SQL
// backends (keys without a column), the facade (shallow merges) and migration
// (digests, export).
#ifndef PARLEY_STORAGE_RECORD_JSON_H_
#define PARLEY_STORAGE_RECORD_JSON_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/records.pb.h"
#include "storage/json_value.h"

namespace parley {

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

// Shallow merge of `updates` (a JSON object) into a record, as Python's
// dict.update: existing keys keep their place, new keys go last. The record
// comes back with `key_order` filled. InvalidArgument when `updates` is not
// an object; for conversations also when it names "id" or "messages" (the
// id names the record's file, and messages change only by appending or
// through SaveConversation).
absl::Status MergeIntoConversation(const JsonValue& updates,
                                   Conversation* conversation);
absl::Status MergeIntoSubscription(const JsonValue& updates,
                                   Subscription* subscription);

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
// contract's defaults ("New Conversation", false, true).
ConversationSummary SummarizeConversation(const Conversation& conversation,
                                          int64_t message_count);

// Parses `text` and returns it in canonical compact form (see
// storage/json_value.h). InvalidArgument names `what` when it is not JSON.
absl::StatusOr<std::string> CanonicalJson(absl::string_view text,
                                          absl::string_view what);

}  // namespace parley

#endif  // PARLEY_STORAGE_RECORD_JSON_H_
