#include "backends/json/json_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/json/json_records.h"
#include "storage/record_id.h"
#include "storage/record_json.h"
#include "storage/status_macros.h"

namespace parley {
namespace json_backend {
namespace {

absl::Status NotFound(RecordKind kind, absl::string_view id) {
  return absl::NotFoundError(
      absl::StrCat(RecordKindName(kind), " ", id, ": not found"));
}

// Takes the "messages" value out of a conversation object, leaving an empty
// list in its place so that the rest decodes (and re-encodes) without
// touching the messages, which go back byte for byte with RestoreMessages.
std::optional<JsonValue> TakeMessages(JsonValue& object) {
  JsonValue* messages = object.Find("messages");
  if (messages == nullptr) return std::nullopt;
  JsonValue taken = std::move(*messages);
  *messages = JsonValue::Array();
  return taken;
}

void RestoreMessages(std::optional<JsonValue> messages, JsonValue& object) {
  if (messages.has_value()) object.Set("messages", *std::move(messages));
}

// What the operations on every kind of record need to know of one.
template <typename Record>
struct RecordType {
  RecordKind kind;
  const std::string& (Record::*key)() const;
  absl::string_view key_name;  // for "an update cannot change the ..."
  absl::StatusOr<Record> (*decode)(const JsonValue& object,
                                   absl::string_view id,
                                   absl::string_view display);
  absl::StatusOr<JsonValue> (*encode)(const Record& record);
};

template <typename Record>
constexpr RecordType<Record> kType{};
template <>
constexpr RecordType<Conversation> kType<Conversation>{
    RecordKind::kConversation, &Conversation::id, "id", DecodeConversation,
    ConversationToJson};
template <>
constexpr RecordType<Profile> kType<Profile>{RecordKind::kProfile,
                                             &Profile::user_id, "user id",
                                             DecodeProfile, ProfileToJson};
template <>
constexpr RecordType<Subscription> kType<Subscription>{
    RecordKind::kSubscription, &Subscription::user_id, "user id",
    DecodeSubscription, SubscriptionToJson};

}  // namespace

// ---- Every kind of record
// ---------------------------------------------------

template <typename Record>
absl::Status JsonStore::Put(Txn* txn, const Record& record) {
  const RecordType<Record>& type = kType<Record>;
  const std::string& id = (record.*type.key)();
  RETURN_IF_ERROR(ValidateRecordId(type.kind, id));
  ASSIGN_OR_RETURN(JsonValue object, type.encode(record));
  return files_.PutRecord(txn, type.kind, id, object);
}

template <typename Record>
absl::StatusOr<std::optional<Record>> JsonStore::Get(absl::string_view id) {
  const RecordType<Record>& type = kType<Record>;
  RETURN_IF_ERROR(ValidateRecordId(type.kind, id));
  ASSIGN_OR_RETURN(std::optional<Loaded> loaded, files_.Load(type.kind, id));
  if (!loaded.has_value()) return std::nullopt;
  return type.decode(loaded->object, id,
                     StoreLayout::Display(type.kind, loaded->folder, id));
}

template <typename Record>
absl::StatusOr<Record> JsonStore::Update(Txn* txn, absl::string_view id,
                                         Mutation<Record> mutate) {
  const RecordKind kind = kType<Record>.kind;
  RETURN_IF_ERROR(ValidateRecordId(kind, id));
  ASSIGN_OR_RETURN(
      std::optional<Record> updated,
      Mutate<Record>(txn, id, mutate, [](const Record&) { return true; }));
  if (!updated.has_value()) return NotFound(kind, id);
  return *std::move(updated);
}

template <typename Record>
absl::StatusOr<std::optional<Record>> JsonStore::Mutate(
    Txn* txn, absl::string_view id, Mutation<Record> mutate,
    absl::FunctionRef<bool(const Record&)> still) {
  const RecordType<Record>& type = kType<Record>;
  ASSIGN_OR_RETURN(std::optional<Loaded> loaded,
                   files_.LoadLocked(txn, type.kind, id));
  if (!loaded.has_value()) return std::nullopt;
  return Rewrite<Record>(
      txn, id, *loaded, [&](Record& record) -> absl::StatusOr<bool> {
        if (!still(record)) return false;
        RETURN_IF_ERROR(mutate(record));
        if ((record.*type.key)() != id) {
          return absl::InvalidArgumentError(
              absl::StrCat(RecordKindName(type.kind), " ", id,
                           ": an update cannot change the ", type.key_name));
        }
        return true;
      });
}

template <typename Record>
absl::StatusOr<std::optional<Record>> JsonStore::Rewrite(
    Txn* txn, absl::string_view id, Loaded& loaded,
    absl::FunctionRef<absl::StatusOr<bool>(Record&)> change) {
  const RecordType<Record>& type = kType<Record>;
  std::optional<JsonValue> messages;
  if (type.kind == RecordKind::kConversation) {
    messages = TakeMessages(loaded.object);
  }
  ASSIGN_OR_RETURN(
      Record record,
      type.decode(loaded.object, id,
                  StoreLayout::Display(type.kind, loaded.folder, id)));
  ASSIGN_OR_RETURN(bool write, change(record));
  if (!write) return std::nullopt;
  ASSIGN_OR_RETURN(JsonValue object, type.encode(record));
  RestoreMessages(std::move(messages), object);
  RETURN_IF_ERROR(files_.Write(txn, type.kind, id, loaded.folder, object,
                               &loaded.contents.bytes));
  return std::optional<Record>(std::move(record));
}

// The record types json_backend.cc calls these with.
template absl::Status JsonStore::Put(Txn*, const Conversation&);
template absl::Status JsonStore::Put(Txn*, const Profile&);
template absl::Status JsonStore::Put(Txn*, const Subscription&);
template absl::StatusOr<std::optional<Conversation>> JsonStore::Get(
    absl::string_view);
template absl::StatusOr<std::optional<Profile>> JsonStore::Get(
    absl::string_view);
template absl::StatusOr<std::optional<Subscription>> JsonStore::Get(
    absl::string_view);
template absl::StatusOr<Conversation> JsonStore::Update(Txn*, absl::string_view,
                                                        Mutation<Conversation>);
template absl::StatusOr<Profile> JsonStore::Update(Txn*, absl::string_view,
                                                   Mutation<Profile>);
template absl::StatusOr<Subscription> JsonStore::Update(Txn*, absl::string_view,
                                                        Mutation<Subscription>);

// ---- Conversations
// -----------------------------------------------------------

absl::Status JsonStore::CreateConversation(Txn* txn,
                                           const Conversation& conversation) {
  const std::string& id = conversation.id();
  RETURN_IF_ERROR(ValidateRecordId(RecordKind::kConversation, id));
  ASSIGN_OR_RETURN(JsonValue object, ConversationToJson(conversation));
  return files_.CreateRecord(txn, RecordKind::kConversation, id, object);
}

absl::StatusOr<std::vector<ConversationSummary>> JsonStore::ListConversations(
    absl::string_view user_id) {
  std::vector<RecordIndex::Item> items;
  if (user_id.empty()) {
    ASSIGN_OR_RETURN(items, files_.conversations().All());
  } else {
    ASSIGN_OR_RETURN(items, files_.conversations().FindByKey(user_id));
  }
  std::vector<ConversationSummary> summaries;
  summaries.reserve(items.size());
  for (RecordIndex::Item& item : items) {
    summaries.push_back(std::move(item.facts.summary));
  }
  return summaries;
}

absl::Status JsonStore::AppendMessage(Txn* txn, absl::string_view id,
                                      const Message& message) {
  RETURN_IF_ERROR(ValidateRecordId(RecordKind::kConversation, id));
  ASSIGN_OR_RETURN(JsonValue message_json, MessageToJson(message));
  ASSIGN_OR_RETURN(std::optional<Loaded> loaded,
                   files_.LoadLocked(txn, RecordKind::kConversation, id));
  if (!loaded.has_value()) return NotFound(RecordKind::kConversation, id);
  // Appending to the parsed object, not to a decoded record, keeps every
  // other byte of the file as it was.
  JsonValue* messages = loaded->object.Find("messages");
  if (messages == nullptr) {
    loaded->object.Set("messages", JsonValue::Array());
    messages = loaded->object.Find("messages");
  } else if (!messages->is_array()) {
    return absl::DataLossError(absl::StrCat(
        StoreLayout::Display(RecordKind::kConversation, loaded->folder, id),
        ": \"messages\" is not a list"));
  }
  messages->array().push_back(std::move(message_json));
  return files_.Write(txn, RecordKind::kConversation, id, loaded->folder,
                      loaded->object, &loaded->contents.bytes);
}

absl::StatusOr<int64_t> JsonStore::UpdateUserConversations(
    Txn* txn, absl::string_view user_id,
    absl::FunctionRef<bool(Conversation&)> mutate) {
  if (txn != nullptr) {
    return UpdateUserConversationsLocked(txn, user_id, mutate);
  }
  if (!files_.RootExists()) return 0;
  // Several files change together: hold the whole store, and undo the
  // files already written if a later one fails.
  ASSIGN_OR_RETURN(LockGuard guard, files_.LockStore());
  Txn local;
  absl::StatusOr<int64_t> changed =
      UpdateUserConversationsLocked(&local, user_id, mutate);
  if (!changed.ok()) files_.RollBack(&local).IgnoreError();  // report the cause
  return changed;
}

absl::StatusOr<int64_t> JsonStore::UpdateUserConversationsLocked(
    Txn* txn, absl::string_view user_id,
    absl::FunctionRef<bool(Conversation&)> mutate) {
  ASSIGN_OR_RETURN(std::vector<RecordIndex::Item> items,
                   files_.conversations().FindByKey(user_id));
  std::sort(items.begin(), items.end(),
            [](const RecordIndex::Item& a, const RecordIndex::Item& b) {
              return a.id < b.id;
            });
  int64_t changed = 0;
  for (const RecordIndex::Item& item : items) {
    ASSIGN_OR_RETURN(std::optional<Loaded> loaded,
                     files_.Load(RecordKind::kConversation, item.id));
    if (!loaded.has_value()) continue;
    ASSIGN_OR_RETURN(
        std::optional<Conversation> written,
        Rewrite<Conversation>(
            txn, item.id, *loaded,
            [&](Conversation& conversation) -> absl::StatusOr<bool> {
              return conversation.user_id() == user_id && mutate(conversation);
            }));
    if (written.has_value()) ++changed;
  }
  return changed;
}

absl::StatusOr<bool> JsonStore::DeleteConversation(Txn* txn,
                                                   absl::string_view id) {
  RETURN_IF_ERROR(ValidateRecordId(RecordKind::kConversation, id));
  return files_.RemoveRecord(txn, RecordKind::kConversation, id);
}

absl::StatusOr<int64_t> JsonStore::CountConversations(
    absl::string_view user_id, std::optional<absl::string_view> active_at) {
  ASSIGN_OR_RETURN(std::vector<RecordIndex::Item> items,
                   files_.conversations().FindByKey(user_id));
  int64_t count = 0;
  for (const RecordIndex::Item& item : items) {
    const ConversationSummary& summary = item.facts.summary;
    if (!active_at.has_value() || !summary.has_expires_at() ||
        absl::string_view(summary.expires_at()) > *active_at) {
      ++count;
    }
  }
  return count;
}

// ---- Subscriptions
// -------------------------------------------------------------

absl::StatusOr<std::optional<Subscription>>
JsonStore::UpdateSubscriptionByStripeId(
    Txn* txn, absl::string_view stripe_subscription_id,
    Mutation<Subscription> mutate) {
  // The index names the candidate without a lock; under the record's lock
  // the file is checked again, and if another writer took the Stripe id
  // away meanwhile, the search starts over.
  constexpr int kAttempts = 8;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    ASSIGN_OR_RETURN(std::vector<RecordIndex::Item> items,
                     files_.subscriptions().All());
    const RecordIndex::Item* best = nullptr;
    for (const RecordIndex::Item& item : items) {
      if (item.facts.key == stripe_subscription_id &&
          (best == nullptr || item.id < best->id)) {
        best = &item;
      }
    }
    if (best == nullptr) return std::nullopt;
    ASSIGN_OR_RETURN(
        std::optional<Subscription> updated,
        Mutate<Subscription>(
            txn, best->id, mutate, [&](const Subscription& subscription) {
              return subscription.has_stripe_subscription_id() &&
                     subscription.stripe_subscription_id() ==
                         stripe_subscription_id;
            }));
    if (updated.has_value()) return updated;
  }
  return absl::UnavailableError(
      absl::StrCat("subscription with a Stripe id: changed by other writers ",
                   kAttempts, " times while updating; retry"));
}

// ---- Whole store
// ---------------------------------------------------------------

absl::StatusOr<StoreCounts> JsonStore::Count() {
  StoreCounts counts;
  ASSIGN_OR_RETURN(std::vector<std::string> profiles,
                   files_.ListIds(RecordKind::kProfile));
  counts.profiles = static_cast<int64_t>(profiles.size());
  ASSIGN_OR_RETURN(std::vector<std::string> subscriptions,
                   files_.ListIds(RecordKind::kSubscription));
  counts.subscriptions = static_cast<int64_t>(subscriptions.size());
  ASSIGN_OR_RETURN(std::vector<RecordIndex::Item> conversations,
                   files_.conversations().All());
  counts.conversations = static_cast<int64_t>(conversations.size());
  for (const RecordIndex::Item& item : conversations) {
    counts.messages += item.facts.summary.message_count();
  }
  return counts;
}

absl::Status JsonStore::Scan(RecordVisitor& visitor) {
  RETURN_IF_ERROR(ScanKind(visitor, &RecordVisitor::OnProfile));
  RETURN_IF_ERROR(ScanKind(visitor, &RecordVisitor::OnSubscription));
  return ScanKind(visitor, &RecordVisitor::OnConversation);
}

template <typename Record>
absl::Status JsonStore::ScanKind(
    RecordVisitor& visitor,
    absl::Status (RecordVisitor::*on_record)(const Record&)) {
  // One record in memory at a time; a file removed after the listing is
  // skipped. A file that cannot be read back goes to OnBadRecord, which
  // decides whether the scan goes on (migration's --skip-bad).
  const RecordKind kind = kType<Record>.kind;
  ASSIGN_OR_RETURN(std::vector<std::string> ids, files_.ListIds(kind));
  for (const std::string& id : ids) {
    absl::StatusOr<std::optional<Record>> record = Get<Record>(id);
    if (record.status().code() == absl::StatusCode::kDataLoss) {
      RETURN_IF_ERROR(
          visitor.OnBadRecord(RecordKindName(kind), id, record.status()));
      continue;
    }
    if (!record.ok()) return record.status();
    if (record->has_value()) RETURN_IF_ERROR((visitor.*on_record)(**record));
  }
  return absl::OkStatus();
}

}  // namespace json_backend
}  // namespace parley
