#include "backends/json/json_record_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/json/json_records.h"
#include "storage/record_json.h"
#include "storage/status_macros.h"

namespace parley {
namespace json_backend {

RecordFiles::RecordFiles(std::string root, bool sync)
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

bool RecordFiles::RootExists() const {
  struct stat st;
  return ::stat(layout_.root().c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

RecordIndex* RecordFiles::IndexOf(RecordKind kind) {
  switch (kind) {
    case RecordKind::kConversation:
      return &conversations_;
    case RecordKind::kSubscription:
      return &subscriptions_;
    case RecordKind::kProfile:
      break;
  }
  return nullptr;
}

// ---- Reading ---------------------------------------------------------------

absl::StatusOr<JsonValue> RecordFiles::Parse(RecordKind kind,
                                             absl::string_view id, int folder,
                                             absl::string_view bytes) {
  files_parsed_.fetch_add(1, std::memory_order_relaxed);
  return ParseRecordFile(kind, id, bytes,
                         StoreLayout::Display(kind, folder, id));
}

absl::StatusOr<std::optional<RecordFiles::Loaded>> RecordFiles::Load(
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

absl::StatusOr<std::optional<RecordFiles::Loaded>> RecordFiles::LoadLocked(
    Txn* txn, RecordKind kind, absl::string_view id) {
  ASSIGN_OR_RETURN(std::optional<LockGuard> lock, LockExisting(txn, kind, id));
  if (!lock.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(std::optional<Loaded> loaded, Load(kind, id));
  if (loaded.has_value()) loaded->lock = *std::move(lock);
  return loaded;
}

absl::StatusOr<IndexFacts> RecordFiles::FactsOf(RecordKind kind,
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

absl::StatusOr<std::optional<LoadedFacts>> RecordFiles::LoadFacts(
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

absl::StatusOr<std::vector<std::string>> RecordFiles::ListIds(RecordKind kind) {
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

absl::StatusOr<std::optional<LockGuard>> RecordFiles::LockExisting(
    Txn* txn, RecordKind kind, absl::string_view id) {
  if (txn != nullptr) return LockGuard();
  // No folder, no records, and nothing may be created (not even the lock
  // file) by an operation that finds nothing to change.
  if (!RootExists()) return std::nullopt;
  return lock_.LockRecord(RecordKindName(kind), id);
}

absl::StatusOr<LockGuard> RecordFiles::LockForWrite(Txn* txn, RecordKind kind,
                                                    absl::string_view id) {
  if (txn != nullptr) return LockGuard();
  RETURN_IF_ERROR(MakeFolders(layout_.root(), sync_, nullptr));
  return lock_.LockRecord(RecordKindName(kind), id);
}

absl::StatusOr<LockGuard> RecordFiles::LockStore() {
  RETURN_IF_ERROR(MakeFolders(layout_.root(), sync_, nullptr));
  return lock_.LockStore();
}

absl::Status RecordFiles::MakeFolder(Txn* txn, const std::string& path) {
  std::vector<std::string> created;
  absl::Status status = MakeFolders(path, sync_, &created);
  if (txn != nullptr) {
    for (const std::string& folder : created) txn->journal.RecordFolder(folder);
  }
  return status;
}

absl::Status RecordFiles::Write(Txn* txn, RecordKind kind, absl::string_view id,
                                int folder, const JsonValue& object,
                                const std::string* old) {
  const std::string folder_path = layout_.Folder(kind, folder);
  const std::string name = StoreLayout::FileName(id);
  const std::string display = StoreLayout::Display(kind, folder, id);
  if (old == nullptr) RETURN_IF_ERROR(MakeFolder(txn, folder_path));
  SweepOnce(folder_path);
  if (txn != nullptr) txn->journal.RecordFile(folder_path, name, display, old);
  IndexFacts facts;
  if (IndexOf(kind) != nullptr) {
    ASSIGN_OR_RETURN(facts, FactsOf(kind, id, object, display));
  }
  const int64_t write_start = NowNs();
  ASSIGN_OR_RETURN(
      FileIdentity identity,
      WriteFileAtomically(folder_path, name, EncodeRecordFile(object, old),
                          sync_, display));
  if (RecordIndex* index = IndexOf(kind)) {
    index->Recorded(std::string(id), folder, identity, std::move(facts),
                    write_start);
  }
  return absl::OkStatus();
}

void RecordFiles::SweepOnce(const std::string& folder_path) {
  {
    absl::MutexLock lock(&swept_mu_);
    if (!swept_.insert(folder_path).second) return;
  }
  // Leftover temporary files are garbage that no listing counts: failing to
  // remove them must not fail the write that noticed them.
  RemoveStaleTempFiles(folder_path).status().IgnoreError();
}

absl::Status RecordFiles::PutRecord(Txn* txn, RecordKind kind,
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

absl::Status RecordFiles::CreateRecord(Txn* txn, RecordKind kind,
                                       absl::string_view id,
                                       const JsonValue& object) {
  ASSIGN_OR_RETURN(LockGuard guard, LockForWrite(txn, kind, id));
  ASSIGN_OR_RETURN(StoreLayout::Location where, layout_.Locate(kind, id));
  if (where.exists) {
    return absl::AlreadyExistsError(
        absl::StrCat(RecordKindName(kind), " ", id, ": already exists"));
  }
  return Write(txn, kind, id, where.folder, object, nullptr);
}

absl::StatusOr<bool> RecordFiles::RemoveRecord(Txn* txn, RecordKind kind,
                                               absl::string_view id) {
  ASSIGN_OR_RETURN(std::optional<LockGuard> guard, LockExisting(txn, kind, id));
  if (!guard.has_value()) return false;
  const std::string folder = layout_.Folder(kind, 0);
  const std::string name = StoreLayout::FileName(id);
  const std::string display = StoreLayout::Display(kind, 0, id);
  if (txn != nullptr) {
    ASSIGN_OR_RETURN(
        std::optional<FileContents> old,
        ReadFileIfExists(absl::StrCat(folder, "/", name), display));
    if (!old.has_value()) return false;
    txn->journal.RecordFile(folder, name, display, &old->bytes);
  }
  ASSIGN_OR_RETURN(bool existed, RemoveFile(folder, name, sync_, display));
  if (RecordIndex* index = IndexOf(kind)) index->Removed(std::string(id));
  return existed;
}

absl::Status RecordFiles::RollBack(Txn* txn) {
  absl::Status status = txn->journal.RollBack(sync_);
  // The restored files are not what the index last saw.
  conversations_.Forget();
  subscriptions_.Forget();
  return status;
}

}  // namespace json_backend
}  // namespace parley
