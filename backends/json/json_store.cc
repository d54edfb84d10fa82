#include "backends/json/json_store.h"

#include <sys/stat.h>

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

JsonStore::JsonStore(std::string root, bool sync)
    : layout_(root),
      sync_(sync),
      lock_(layout_.LockFilePath()),
      conversations_(&layout_, RecordKind::kConversation,
                     [this](int folder, const std::string& id) {
                       return LoadFacts(RecordKind::kConversation, folder, id);
                     }),
      subscriptions_(&layout_, RecordKind::kSubscription,
                     [this](int folder, const std::string& id) {
                       return LoadFacts(RecordKind::kSubscription, folder, id);
                     }) {}

bool JsonStore::RootExists() const {
  struct stat st;
  return ::stat(layout_.root().c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// ---- Reading ---------------------------------------------------------------

absl::StatusOr<JsonValue> JsonStore::Parse(RecordKind kind,
                                           absl::string_view id, int folder,
                                           absl::string_view bytes) {
  files_parsed_.fetch_add(1, std::memory_order_relaxed);
  return ParseRecordFile(kind, id, bytes,
                         StoreLayout::Display(kind, folder, id));
}

absl::StatusOr<std::optional<JsonStore::Loaded>> JsonStore::Load(
    RecordKind kind, absl::string_view id) {
  ASSIGN_OR_RETURN(std::optional<StoreLayout::Found> found,
                   layout_.Read(kind, id));
  if (!found.has_value()) return std::nullopt;
  Loaded loaded;
  loaded.folder = found->folder;
  loaded.contents = std::move(found->contents);
  ASSIGN_OR_RETURN(loaded.object,
                   Parse(kind, id, loaded.folder, loaded.contents.bytes));
  return loaded;
}

absl::StatusOr<std::optional<JsonStore::Loaded>> JsonStore::LoadLocked(
    Txn* txn, RecordKind kind, absl::string_view id) {
  ASSIGN_OR_RETURN(std::optional<LockGuard> lock, LockExisting(txn, kind, id));
  if (!lock.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(std::optional<Loaded> loaded, Load(kind, id));
  if (loaded.has_value()) loaded->lock = *std::move(lock);
  return loaded;
}

absl::StatusOr<IndexFacts> JsonStore::FactsOf(RecordKind kind,
                                              absl::string_view id,
                                              const JsonValue& object,
                                              absl::string_view display) {
  IndexFacts facts;
  if (kind == RecordKind::kSubscription) {
    const JsonValue* stripe = object.Find("stripe_subscription_id");
    if (stripe != nullptr && stripe->is_string()) {
      facts.key = stripe->string_value();
    }
    return facts;
  }
  // Decode everything but the messages, which a summary only counts.
  JsonValue head = JsonValue::Object();
  for (const JsonValue::Member& member : object.members()) {
    if (member.first != "messages") head.members().push_back(member);
  }
  ASSIGN_OR_RETURN(Conversation conversation,
                   DecodeConversation(head, id, display));
  facts.key = conversation.user_id();
  facts.summary = SummarizeConversation(conversation, MessageCount(object));
  return facts;
}

absl::StatusOr<std::optional<LoadedFacts>> JsonStore::LoadFacts(
    RecordKind kind, int folder, const std::string& id) {
  const std::string display = StoreLayout::Display(kind, folder, id);
  ASSIGN_OR_RETURN(
      std::optional<FileContents> contents,
      ReadFileIfExists(absl::StrCat(layout_.Folder(kind, folder), "/",
                                    StoreLayout::FileName(id)),
                       display));
  if (!contents.has_value()) return std::nullopt;
  LoadedFacts loaded;
  loaded.identity = contents->identity;
  absl::StatusOr<JsonValue> object = Parse(kind, id, folder, contents->bytes);
  absl::StatusOr<IndexFacts> facts =
      object.ok() ? FactsOf(kind, id, *object, display)
                  : absl::StatusOr<IndexFacts>(object.status());
  if (facts.ok()) {
    loaded.facts = *std::move(facts);
  } else {
    loaded.error = facts.status();
  }
  return loaded;
}

absl::StatusOr<std::vector<std::string>> JsonStore::ListIds(RecordKind kind) {
  std::vector<std::string> ids;
  const auto& folders = StoreLayout::RelativeFolders(kind);
  for (int i = 0; i < static_cast<int>(folders.size()); ++i) {
    ASSIGN_OR_RETURN(std::vector<std::string> more,
                     ListRecordIds(layout_.Folder(kind, i), folders[i]));
    ids.insert(ids.end(), std::make_move_iterator(more.begin()),
               std::make_move_iterator(more.end()));
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// ---- Locking and writing
// -----------------------------------------------------

absl::StatusOr<std::optional<LockGuard>> JsonStore::LockExisting(
    Txn* txn, RecordKind kind, absl::string_view id) {
  if (txn != nullptr) return LockGuard();
  // No folder, no records, and nothing may be created (not even the lock
  // file) by an operation that finds nothing to change.
  if (!RootExists()) return std::nullopt;
  return lock_.LockRecord(RecordKindName(kind), id);
}

absl::StatusOr<LockGuard> JsonStore::LockForWrite(Txn* txn, RecordKind kind,
                                                  absl::string_view id) {
  if (txn != nullptr) return LockGuard();
  RETURN_IF_ERROR(MakeFolders(layout_.root(), sync_, nullptr));
  return lock_.LockRecord(RecordKindName(kind), id);
}

absl::StatusOr<LockGuard> JsonStore::LockStore() {
  RETURN_IF_ERROR(MakeFolders(layout_.root(), sync_, nullptr));
  return lock_.LockStore();
}

absl::Status JsonStore::MakeFolder(Txn* txn, const std::string& path) {
  std::vector<std::string> created;
  absl::Status status = MakeFolders(path, sync_, &created);
  if (txn != nullptr) {
    for (const std::string& folder : created) txn->journal.RecordFolder(folder);
  }
  return status;
}

absl::Status JsonStore::Write(Txn* txn, RecordKind kind, absl::string_view id,
                              int folder, const JsonValue& object,
                              const std::string* old) {
  const std::string folder_path = layout_.Folder(kind, folder);
  const std::string name = StoreLayout::FileName(id);
  const std::string display = StoreLayout::Display(kind, folder, id);
  if (old == nullptr) RETURN_IF_ERROR(MakeFolder(txn, folder_path));
  SweepOnce(folder_path);
  if (txn != nullptr) txn->journal.RecordFile(folder_path, name, display, old);
  IndexFacts facts;
  if (kind != RecordKind::kProfile) {
    ASSIGN_OR_RETURN(facts, FactsOf(kind, id, object, display));
  }
  const int64_t write_start = NowNs();
  ASSIGN_OR_RETURN(
      FileIdentity identity,
      WriteFileAtomically(folder_path, name, EncodeRecordFile(object, old),
                          sync_, display));
  if (kind == RecordKind::kConversation) {
    conversations_.Recorded(std::string(id), folder, identity, std::move(facts),
                            write_start);
  } else if (kind == RecordKind::kSubscription) {
    subscriptions_.Recorded(std::string(id), folder, identity, std::move(facts),
                            write_start);
  }
  return absl::OkStatus();
}

void JsonStore::SweepOnce(const std::string& folder_path) {
  {
    absl::MutexLock lock(&swept_mu_);
    if (!swept_.insert(folder_path).second) return;
  }
  // Leftover temporary files are garbage that no listing counts: failing to
  // remove them must not fail the write that noticed them.
  RemoveStaleTempFiles(folder_path).status().IgnoreError();
}

absl::Status JsonStore::PutRecord(Txn* txn, RecordKind kind,
                                  absl::string_view id,
                                  const JsonValue& object) {
  ASSIGN_OR_RETURN(LockGuard guard, LockForWrite(txn, kind, id));
  ASSIGN_OR_RETURN(StoreLayout::Location where, layout_.Locate(kind, id));
  std::optional<FileContents> old;
  if (where.exists) {
    ASSIGN_OR_RETURN(
        old, ReadFileIfExists(absl::StrCat(layout_.Folder(kind, where.folder),
                                           "/", StoreLayout::FileName(id)),
                              StoreLayout::Display(kind, where.folder, id)));
  }
  return Write(txn, kind, id, where.folder, object,
               old.has_value() ? &old->bytes : nullptr);
}

absl::Status JsonStore::RollBack(Txn* txn) {
  absl::Status status = txn->journal.RollBack(sync_);
  // The restored files are not what the index last saw.
  conversations_.Forget();
  subscriptions_.Forget();
  return status;
}

// ---- Every kind of record
// ---------------------------------------------------

template <typename Record>
absl::Status JsonStore::Put(Txn* txn, const Record& record) {
  const RecordType<Record>& type = kType<Record>;
  const std::string& id = (record.*type.key)();
  RETURN_IF_ERROR(ValidateRecordId(type.kind, id));
  ASSIGN_OR_RETURN(JsonValue object, type.encode(record));
  return PutRecord(txn, type.kind, id, object);
}

template <typename Record>
absl::StatusOr<std::optional<Record>> JsonStore::Get(absl::string_view id) {
  const RecordType<Record>& type = kType<Record>;
  RETURN_IF_ERROR(ValidateRecordId(type.kind, id));
  ASSIGN_OR_RETURN(std::optional<Loaded> loaded, Load(type.kind, id));
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
                   LoadLocked(txn, type.kind, id));
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
  RETURN_IF_ERROR(
      Write(txn, type.kind, id, loaded.folder, object, &loaded.contents.bytes));
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
  ASSIGN_OR_RETURN(LockGuard guard,
                   LockForWrite(txn, RecordKind::kConversation, id));
  ASSIGN_OR_RETURN(StoreLayout::Location where,
                   layout_.Locate(RecordKind::kConversation, id));
  if (where.exists) {
    return absl::AlreadyExistsError(
        absl::StrCat("conversation ", id, ": already exists"));
  }
  return Write(txn, RecordKind::kConversation, id, where.folder, object,
               nullptr);
}

absl::StatusOr<std::vector<ConversationSummary>> JsonStore::ListConversations(
    absl::string_view user_id) {
  std::vector<RecordIndex::Item> items;
  if (user_id.empty()) {
    ASSIGN_OR_RETURN(items, conversations_.All());
  } else {
    ASSIGN_OR_RETURN(items, conversations_.FindByKey(user_id));
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
                   LoadLocked(txn, RecordKind::kConversation, id));
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
  return Write(txn, RecordKind::kConversation, id, loaded->folder,
               loaded->object, &loaded->contents.bytes);
}

absl::StatusOr<int64_t> JsonStore::UpdateUserConversations(
    Txn* txn, absl::string_view user_id,
    absl::FunctionRef<bool(Conversation&)> mutate) {
  if (txn != nullptr) {
    return UpdateUserConversationsLocked(txn, user_id, mutate);
  }
  if (!RootExists()) return 0;
  // Several files change together: hold the whole store, and undo the
  // files already written if a later one fails.
  ASSIGN_OR_RETURN(LockGuard guard, LockStore());
  Txn local;
  absl::StatusOr<int64_t> changed =
      UpdateUserConversationsLocked(&local, user_id, mutate);
  if (!changed.ok()) RollBack(&local).IgnoreError();  // report the cause
  return changed;
}

absl::StatusOr<int64_t> JsonStore::UpdateUserConversationsLocked(
    Txn* txn, absl::string_view user_id,
    absl::FunctionRef<bool(Conversation&)> mutate) {
  ASSIGN_OR_RETURN(std::vector<RecordIndex::Item> items,
                   conversations_.FindByKey(user_id));
  std::sort(items.begin(), items.end(),
            [](const RecordIndex::Item& a, const RecordIndex::Item& b) {
              return a.id < b.id;
            });
  int64_t changed = 0;
  for (const RecordIndex::Item& item : items) {
    ASSIGN_OR_RETURN(std::optional<Loaded> loaded,
                     Load(RecordKind::kConversation, item.id));
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
  ASSIGN_OR_RETURN(std::optional<LockGuard> guard,
                   LockExisting(txn, RecordKind::kConversation, id));
  if (!guard.has_value()) return false;
  const std::string folder = layout_.Folder(RecordKind::kConversation, 0);
  const std::string name = StoreLayout::FileName(id);
  const std::string display =
      StoreLayout::Display(RecordKind::kConversation, 0, id);
  if (txn != nullptr) {
    ASSIGN_OR_RETURN(
        std::optional<FileContents> old,
        ReadFileIfExists(absl::StrCat(folder, "/", name), display));
    if (!old.has_value()) return false;
    txn->journal.RecordFile(folder, name, display, &old->bytes);
  }
  ASSIGN_OR_RETURN(bool existed, RemoveFile(folder, name, sync_, display));
  conversations_.Removed(std::string(id));
  return existed;
}

absl::StatusOr<int64_t> JsonStore::CountConversations(
    absl::string_view user_id, std::optional<absl::string_view> active_at) {
  ASSIGN_OR_RETURN(std::vector<RecordIndex::Item> items,
                   conversations_.FindByKey(user_id));
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
                     subscriptions_.All());
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
                   ListIds(RecordKind::kProfile));
  counts.profiles = static_cast<int64_t>(profiles.size());
  ASSIGN_OR_RETURN(std::vector<std::string> subscriptions,
                   ListIds(RecordKind::kSubscription));
  counts.subscriptions = static_cast<int64_t>(subscriptions.size());
  ASSIGN_OR_RETURN(std::vector<RecordIndex::Item> conversations,
                   conversations_.All());
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
  ASSIGN_OR_RETURN(std::vector<std::string> ids, ListIds(kind));
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
