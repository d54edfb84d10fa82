#include "storage/record_json.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"
#include "proto/records.pb.h"
#include "storage/json_value.h"
#include "storage/record_json_internal.h"
#include "storage/status_macros.h"

namespace parley {

// Defined here, declared in record_json_internal.h for
// conversation_summary.cc.
namespace record_json_internal {

const JsonField* FindExtra(const Extras& extra, absl::string_view key) {
  for (const JsonField& field : extra) {
    if (field.key() == key) return &field;
  }
  return nullptr;
}

// The keys a record writes, in order: its key_order (or `canonical` when
// key_order is empty), then any extra key not already listed, so that no
// value is ever lost. Each key appears once.
std::vector<std::string> KeysToWrite(const KeyOrder& key_order,
                                     const std::vector<std::string>& canonical,
                                     const Extras& extra) {
  std::vector<std::string> keys;
  absl::flat_hash_set<std::string> seen;
  const auto add = [&](const std::string& key) {
    if (seen.insert(key).second) keys.push_back(key);
  };
  if (key_order.empty()) {
    for (const std::string& key : canonical) add(key);
  } else {
    for (const std::string& key : key_order) add(key);
  }
  for (const JsonField& field : extra) add(field.key());
  return keys;
}

// Parses a stored payload text; `context` names the record and the field.
absl::StatusOr<JsonValue> ParsePayload(absl::string_view text,
                                       absl::string_view context) {
  absl::StatusOr<JsonValue> value = ParseJson(text);
  if (!value.ok()) {
    return absl::DataLossError(absl::StrCat(
        context, " does not hold valid JSON (", value.status().message(), ")"));
  }
  return value;
}

}  // namespace record_json_internal

namespace {

using record_json_internal::Extras;
using record_json_internal::FindExtra;
using record_json_internal::KeyOrder;
using record_json_internal::NullableString;
using record_json_internal::ParsePayload;
using record_json_internal::WriteRecord;

void EraseExtra(absl::string_view key, Extras* extra) {
  for (int i = 0; i < extra->size();) {
    if (extra->Get(i).key() == key) {
      extra->DeleteSubrange(i, 1);
    } else {
      ++i;
    }
  }
}

void AddExtra(absl::string_view key, const JsonValue& value, Extras* extra) {
  JsonField* field = extra->Add();
  field->set_key(std::string(key));
  field->set_json(WriteCompactJson(value));
}

template <typename Keys>
bool HasKey(const Keys& keys, absl::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

absl::Status NotAnObject(absl::string_view kind) {
  return absl::InvalidArgumentError(
      absl::StrCat(kind, ": expected a JSON object"));
}

// Typed-field readers: each stores the value and returns true when it has
// the contract's type, else returns false (the caller keeps it in extra).
template <typename Setter>
bool ReadString(const JsonValue& value, Setter set) {
  if (!value.is_string()) return false;
  set(value.string_value());
  return true;
}

template <typename Setter>
bool ReadBool(const JsonValue& value, Setter set) {
  if (!value.is_bool()) return false;
  set(value.bool_value());
  return true;
}

// Strict integers only: text that reads back the same ("-0" and "1e3" do
// not) so that writing the typed field reproduces the stored text.
bool ReadInt64(const JsonValue& value, int64_t* out) {
  int64_t n;
  if (!value.AsInt64(&n) || absl::StrCat(n) != value.number_text()) {
    return false;
  }
  *out = n;
  return true;
}

// A string or null; null clears the optional field.
template <typename Setter, typename Clearer>
bool ReadNullableString(const JsonValue& value, Setter set, Clearer clear) {
  if (value.is_null()) {
    clear();
    return true;
  }
  return ReadString(value, set);
}

// ---- Message ----

absl::StatusOr<bool> MessageTypedValue(const Message& m, absl::string_view key,
                                       absl::string_view name, JsonValue* out) {
  const auto payload = [&](bool has,
                           const std::string& text) -> absl::StatusOr<bool> {
    if (!has) return false;
    ASSIGN_OR_RETURN(
        *out, ParsePayload(text, absl::StrCat(name, ": key \"", key, "\"")));
    return true;
  };
  if (key == "role") {
    *out = JsonValue::String(m.role());
    return true;
  }
  if (key == "content") {
    if (!m.has_content()) return false;
    *out = JsonValue::String(m.content());
    return true;
  }
  if (key == "stage1") return payload(m.has_stage1_json(), m.stage1_json());
  if (key == "stage2") return payload(m.has_stage2_json(), m.stage2_json());
  if (key == "stage3") return payload(m.has_stage3_json(), m.stage3_json());
  if (key == "metadata") {
    return payload(m.has_metadata_json(), m.metadata_json());
  }
  return false;
}

absl::StatusOr<JsonValue> MessageToJsonNamed(const Message& message,
                                             absl::string_view name) {
  std::vector<std::string> canonical = {"role"};
  if (message.has_content()) canonical.push_back("content");
  if (message.has_stage1_json()) canonical.push_back("stage1");
  if (message.has_stage2_json()) canonical.push_back("stage2");
  if (message.has_stage3_json()) canonical.push_back("stage3");
  if (message.has_metadata_json()) canonical.push_back("metadata");
  return WriteRecord(message.key_order(), canonical, message.extra(), name,
                     [&](absl::string_view key, JsonValue* out) {
                       return MessageTypedValue(message, key, name, out);
                     });
}

bool ReadMessageField(absl::string_view key, const JsonValue& value,
                      Message* m) {
  if (key == "role") {
    return ReadString(value, [&](const std::string& s) { m->set_role(s); });
  }
  if (key == "content") {
    return ReadString(value, [&](const std::string& s) { m->set_content(s); });
  }
  if (key == "stage1") {
    m->set_stage1_json(WriteCompactJson(value));
  } else if (key == "stage2") {
    m->set_stage2_json(WriteCompactJson(value));
  } else if (key == "stage3") {
    m->set_stage3_json(WriteCompactJson(value));
  } else if (key == "metadata") {
    m->set_metadata_json(WriteCompactJson(value));
  } else {
    return false;
  }
  return true;
}

// ---- Conversation ----

absl::StatusOr<bool> ConversationTypedValue(const Conversation& c,
                                            absl::string_view key,
                                            absl::string_view name,
                                            JsonValue* out) {
  if (key == "id") {
    *out = JsonValue::String(c.id());
  } else if (key == "user_id") {
    *out = JsonValue::String(c.user_id());
  } else if (key == "created_at") {
    *out = JsonValue::String(c.created_at());
  } else if (key == "title") {
    *out = JsonValue::String(c.title());
  } else if (key == "starred") {
    *out = JsonValue::Bool(c.starred());
  } else if (key == "messages") {
    *out = JsonValue::Array();
    for (int i = 0; i < c.messages_size(); ++i) {
      ASSIGN_OR_RETURN(JsonValue message,
                       MessageToJsonNamed(c.messages(i),
                                          absl::StrCat(name, " message ", i)));
      out->array().push_back(std::move(message));
    }
  } else if (key == "report_cycle") {
    *out = JsonValue::Integer(c.report_cycle());
  } else if (key == "has_follow_up") {
    *out = JsonValue::Bool(c.has_follow_up());
  } else if (key == "follow_up_answers") {
    if (c.has_follow_up_answers_json()) {
      ASSIGN_OR_RETURN(
          *out,
          ParsePayload(c.follow_up_answers_json(),
                       absl::StrCat(name, ": key \"follow_up_answers\"")));
    } else {
      *out = JsonValue::Null();
    }
  } else if (key == "is_visible") {
    *out = JsonValue::Bool(c.is_visible());
  } else if (key == "expires_at") {
    *out = NullableString(c.has_expires_at(), c.expires_at());
  } else {
    return false;
  }
  return true;
}

absl::StatusOr<bool> ReadConversationField(absl::string_view key,
                                           const JsonValue& value,
                                           Conversation* c) {
  const auto str = [&](void (Conversation::*set)(const std::string&)) {
    return ReadString(value, [&](const std::string& s) { (c->*set)(s); });
  };
  const auto boolean = [&](void (Conversation::*set)(bool)) {
    return ReadBool(value, [&](bool b) { (c->*set)(b); });
  };
  if (key == "id") return str(&Conversation::set_id);
  if (key == "user_id") return str(&Conversation::set_user_id);
  if (key == "created_at") return str(&Conversation::set_created_at);
  if (key == "title") return str(&Conversation::set_title);
  if (key == "starred") return boolean(&Conversation::set_starred);
  if (key == "has_follow_up") return boolean(&Conversation::set_has_follow_up);
  if (key == "is_visible") return boolean(&Conversation::set_is_visible);
  if (key == "report_cycle") {
    int64_t n;
    if (!ReadInt64(value, &n)) return false;
    c->set_report_cycle(n);
    return true;
  }
  if (key == "follow_up_answers") {
    if (value.is_null()) {
      c->clear_follow_up_answers_json();
    } else {
      c->set_follow_up_answers_json(WriteCompactJson(value));
    }
    return true;
  }
  if (key == "expires_at") {
    return ReadNullableString(
        value, [&](const std::string& s) { c->set_expires_at(s); },
        [&] { c->clear_expires_at(); });
  }
  if (key == "messages") {
    if (!value.is_array()) return false;
    for (const JsonValue& item : value.array()) {
      if (!item.is_object()) return false;
    }
    c->clear_messages();
    for (const JsonValue& item : value.array()) {
      ASSIGN_OR_RETURN(*c->add_messages(), MessageFromJson(item));
    }
    return true;
  }
  return false;
}

// ---- Profile ----

absl::StatusOr<bool> ProfileTypedValue(const Profile& p, absl::string_view key,
                                       absl::string_view name, JsonValue* out) {
  if (key == "user_id") {
    *out = JsonValue::String(p.user_id());
  } else if (key == "email") {
    *out = JsonValue::String(p.email());
  } else if (key == "profile") {
    // A record built by hand may leave the text empty: an empty object.
    if (p.profile_json().empty()) {
      *out = JsonValue::Object();
    } else {
      ASSIGN_OR_RETURN(*out,
                       ParsePayload(p.profile_json(),
                                    absl::StrCat(name, ": key \"profile\"")));
    }
  } else if (key == "created_at") {
    *out = JsonValue::String(p.created_at());
  } else if (key == "profile_locked") {
    *out = JsonValue::Bool(p.profile_locked());
  } else {
    return false;
  }
  return true;
}

bool ReadProfileField(absl::string_view key, const JsonValue& value,
                      Profile* p) {
  const auto str = [&](void (Profile::*set)(const std::string&)) {
    return ReadString(value, [&](const std::string& s) { (p->*set)(s); });
  };
  if (key == "user_id") return str(&Profile::set_user_id);
  if (key == "email") return str(&Profile::set_email);
  if (key == "created_at") return str(&Profile::set_created_at);
  if (key == "profile_locked") {
    return ReadBool(value, [&](bool b) { p->set_profile_locked(b); });
  }
  if (key == "profile") {
    if (!value.is_object()) return false;
    p->set_profile_json(WriteCompactJson(value));
    return true;
  }
  return false;
}

// ---- Subscription ----

absl::StatusOr<bool> SubscriptionTypedValue(const Subscription& s,
                                            absl::string_view key,
                                            JsonValue* out) {
  if (key == "user_id") {
    *out = JsonValue::String(s.user_id());
  } else if (key == "tier") {
    *out = JsonValue::String(s.tier());
  } else if (key == "status") {
    *out = JsonValue::String(s.status());
  } else if (key == "stripe_subscription_id") {
    *out = NullableString(s.has_stripe_subscription_id(),
                          s.stripe_subscription_id());
  } else if (key == "current_period_end") {
    *out = NullableString(s.has_current_period_end(), s.current_period_end());
  } else if (key == "created_at") {
    *out = JsonValue::String(s.created_at());
  } else if (key == "updated_at") {
    *out = JsonValue::String(s.updated_at());
  } else {
    return false;
  }
  return true;
}

bool ReadSubscriptionField(absl::string_view key, const JsonValue& value,
                           Subscription* s) {
  const auto str = [&](void (Subscription::*set)(const std::string&)) {
    return ReadString(value, [&](const std::string& v) { (s->*set)(v); });
  };
  if (key == "user_id") return str(&Subscription::set_user_id);
  if (key == "tier") return str(&Subscription::set_tier);
  if (key == "status") return str(&Subscription::set_status);
  if (key == "created_at") return str(&Subscription::set_created_at);
  if (key == "updated_at") return str(&Subscription::set_updated_at);
  if (key == "stripe_subscription_id") {
    return ReadNullableString(
        value, [&](const std::string& v) { s->set_stripe_subscription_id(v); },
        [&] { s->clear_stripe_subscription_id(); });
  }
  if (key == "current_period_end") {
    return ReadNullableString(
        value, [&](const std::string& v) { s->set_current_period_end(v); },
        [&] { s->clear_current_period_end(); });
  }
  return false;
}

// Reads every member of `object` into `record` with `read` (which returns
// bool or StatusOr<bool>), listing each key in key_order and keeping the
// values `read` does not take in extra.
template <typename Record, typename ReadFn>
absl::Status ReadRecord(const JsonValue& object, Record* record, ReadFn read) {
  for (const JsonValue::Member& member : object.members()) {
    record->add_key_order(member.first);
    absl::StatusOr<bool> typed = read(member.first, member.second, record);
    if (!typed.ok()) return typed.status();
    if (!*typed) AddExtra(member.first, member.second, record->mutable_extra());
  }
  return absl::OkStatus();
}

// As AbsorbExtras, with the record's field reader `read`. The key field
// `pinned` stays in extra (PinRecordKey put it there).
template <typename Record, typename ReadFn>
absl::Status AbsorbExtrasIn(Record* record, absl::string_view pinned,
                            ReadFn read) {
  Extras* extra = record->mutable_extra();
  for (int i = 0; i < extra->size();) {
    if (extra->Get(i).key() == pinned) {
      ++i;
      continue;
    }
    absl::StatusOr<JsonValue> value = ParseJson(extra->Get(i).json());
    if (!value.ok()) return value.status();
    absl::StatusOr<bool> typed = read(extra->Get(i).key(), *value, record);
    if (!typed.ok()) return typed.status();
    if (*typed) {
      extra->DeleteSubrange(i, 1);
    } else {
      ++i;
    }
  }
  return absl::OkStatus();
}

template <typename Record>
void EnsureKeyIn(absl::string_view key, Record* record) {
  if (!record->key_order().empty() && !HasKey(record->key_order(), key)) {
    record->add_key_order(std::string(key));
  }
  EraseExtra(key, record->mutable_extra());
}

// As PinRecordKey: `name` is the key field's JSON key, `get`/`set` its
// accessors.
template <typename Record>
void PinKeyIn(absl::string_view key, const std::string& (Record::*get)() const,
              void (Record::*set)(const std::string&), absl::string_view name,
              Record* record) {
  const bool listed =
      record->key_order().empty() || HasKey(record->key_order(), name);
  if (listed && FindExtra(record->extra(), name) == nullptr &&
      (record->*get)() != key) {
    AddExtra(name, JsonValue::String((record->*get)()),
             record->mutable_extra());
  }
  (record->*set)(std::string(key));
}

}  // namespace

const std::vector<std::string>& ConversationKeys() {
  static const auto* const keys = new std::vector<std::string>{
      "id",           "user_id",       "created_at",
      "title",        "starred",       "messages",
      "report_cycle", "has_follow_up", "follow_up_answers",
      "is_visible",   "expires_at"};
  return *keys;
}

const std::vector<std::string>& MessageKeys() {
  static const auto* const keys = new std::vector<std::string>{
      "role", "content", "stage1", "stage2", "stage3", "metadata"};
  return *keys;
}

const std::vector<std::string>& ProfileKeys() {
  static const auto* const keys = new std::vector<std::string>{
      "user_id", "email", "profile", "created_at", "profile_locked"};
  return *keys;
}

const std::vector<std::string>& SubscriptionKeys() {
  static const auto* const keys =
      new std::vector<std::string>{"user_id",
                                   "tier",
                                   "status",
                                   "stripe_subscription_id",
                                   "current_period_end",
                                   "created_at",
                                   "updated_at"};
  return *keys;
}

absl::StatusOr<JsonValue> ConversationToJson(const Conversation& conversation) {
  const std::string name = absl::StrCat("conversation ", conversation.id());
  return WriteRecord(
      conversation.key_order(), ConversationKeys(), conversation.extra(), name,
      [&](absl::string_view key, JsonValue* out) {
        return ConversationTypedValue(conversation, key, name, out);
      });
}

absl::StatusOr<JsonValue> MessageToJson(const Message& message) {
  return MessageToJsonNamed(message, "message");
}

absl::StatusOr<JsonValue> ProfileToJson(const Profile& profile) {
  const std::string name = absl::StrCat("profile ", profile.user_id());
  return WriteRecord(profile.key_order(), ProfileKeys(), profile.extra(), name,
                     [&](absl::string_view key, JsonValue* out) {
                       return ProfileTypedValue(profile, key, name, out);
                     });
}

absl::StatusOr<JsonValue> SubscriptionToJson(const Subscription& subscription) {
  const std::string name =
      absl::StrCat("subscription ", subscription.user_id());
  return WriteRecord(subscription.key_order(), SubscriptionKeys(),
                     subscription.extra(), name,
                     [&](absl::string_view key, JsonValue* out) {
                       return SubscriptionTypedValue(subscription, key, out);
                     });
}

absl::StatusOr<Conversation> ConversationFromJson(const JsonValue& object) {
  if (!object.is_object()) return NotAnObject("conversation");
  Conversation conversation;
  RETURN_IF_ERROR(ReadRecord(object, &conversation, ReadConversationField));
  return conversation;
}

absl::StatusOr<Message> MessageFromJson(const JsonValue& object) {
  if (!object.is_object()) return NotAnObject("message");
  Message message;
  RETURN_IF_ERROR(ReadRecord(object, &message, ReadMessageField));
  return message;
}

absl::StatusOr<Profile> ProfileFromJson(const JsonValue& object) {
  if (!object.is_object()) return NotAnObject("profile");
  Profile profile;
  RETURN_IF_ERROR(ReadRecord(object, &profile, ReadProfileField));
  return profile;
}

absl::StatusOr<Subscription> SubscriptionFromJson(const JsonValue& object) {
  if (!object.is_object()) return NotAnObject("subscription");
  Subscription subscription;
  RETURN_IF_ERROR(ReadRecord(object, &subscription, ReadSubscriptionField));
  return subscription;
}

void PinRecordKey(absl::string_view key, Conversation* conversation) {
  PinKeyIn(key, &Conversation::id, &Conversation::set_id, "id", conversation);
}

void PinRecordKey(absl::string_view key, Profile* profile) {
  PinKeyIn(key, &Profile::user_id, &Profile::set_user_id, "user_id", profile);
}

void PinRecordKey(absl::string_view key, Subscription* subscription) {
  PinKeyIn(key, &Subscription::user_id, &Subscription::set_user_id, "user_id",
           subscription);
}

absl::Status AbsorbExtras(Conversation* conversation) {
  return AbsorbExtrasIn(conversation, "id", ReadConversationField);
}

absl::Status AbsorbExtras(Message* message) {
  return AbsorbExtrasIn(message, "", ReadMessageField);
}

absl::Status AbsorbExtras(Profile* profile) {
  return AbsorbExtrasIn(profile, "user_id", ReadProfileField);
}

absl::Status AbsorbExtras(Subscription* subscription) {
  return AbsorbExtrasIn(subscription, "user_id", ReadSubscriptionField);
}

void EnsureKey(absl::string_view key, Conversation* conversation) {
  EnsureKeyIn(key, conversation);
}

void EnsureKey(absl::string_view key, Profile* profile) {
  EnsureKeyIn(key, profile);
}

void EnsureKey(absl::string_view key, Subscription* subscription) {
  EnsureKeyIn(key, subscription);
}

bool HasTypedKey(const Conversation& conversation, absl::string_view key) {
  if (!HasKey(ConversationKeys(), key)) return false;
  if (FindExtra(conversation.extra(), key) != nullptr) return false;
  return conversation.key_order().empty() ||
         HasKey(conversation.key_order(), key);
}

}  // namespace parley
