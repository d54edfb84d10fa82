// The operations of a JSON-file store (the layout, locking and file formats
// are described in json_layout.h, json_lock.h and json_records.h). The
// Backend in json_backend.cc is a thin view over a JsonStore.
//
// Each mutating operation takes a `Txn*`: nullptr means "not in a
// transaction": the operation takes its record's lock (or the whole-store
// lock) itself and holds it across its read and write. A non-null Txn means
// the caller holds the whole-store lock; the operation takes no lock and
// records in the Txn's journal the prior bytes of every file it changes.
//
// Readers take no lock: every file is replaced by an atomic rename, so a
// reader sees a whole old or a whole new file.
//
// Thread-safe.
#ifndef PARLEY_BACKENDS_JSON_JSON_STORE_H_
#define PARLEY_BACKENDS_JSON_JSON_STORE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "backends/json/json_files.h"
#include "backends/json/json_index.h"
#include "backends/json/json_journal.h"
#include "backends/json/json_layout.h"
#include "backends/json/json_lock.h"
#include "proto/records.pb.h"
#include "storage/backend.h"
#include "storage/json_value.h"

namespace parley {
namespace json_backend {

struct Txn {
  Journal journal;
};

class JsonStore {
 public:
  // `sync`: fsync files and folders on every change (the URL's fsync
  // option).
  JsonStore(std::string root, bool sync);
  JsonStore(const JsonStore&) = delete;
  JsonStore& operator=(const JsonStore&) = delete;

  // ---- Every kind of record (Conversation, Profile, Subscription) ----
  // Stores `record` under its key (a conversation's id, a profile's or
  // subscription's user id), in place of the record of that key.
  template <typename Record>
  absl::Status Put(Txn* txn, const Record& record);
  // The record of that kind stored under `id`; nullopt when there is none.
  template <typename Record>
  absl::StatusOr<std::optional<Record>> Get(absl::string_view id);
  // Read-modify-write of record `id` under its lock. NotFound when there is
  // none; InvalidArgument when `mutate` changed the key. A conversation's
  // messages are kept byte for byte.
  template <typename Record>
  absl::StatusOr<Record> Update(Txn* txn, absl::string_view id,
                                Mutation<Record> mutate);

  // ---- Conversations only ----
  absl::Status CreateConversation(Txn* txn, const Conversation& conversation);
  absl::StatusOr<std::vector<ConversationSummary>> ListConversations(
      absl::string_view user_id);
  absl::Status AppendMessage(Txn* txn, absl::string_view id,
                             const Message& message);
  absl::StatusOr<int64_t> UpdateUserConversations(
      Txn* txn, absl::string_view user_id,
      absl::FunctionRef<bool(Conversation&)> mutate);
  absl::StatusOr<bool> DeleteConversation(Txn* txn, absl::string_view id);
  absl::StatusOr<int64_t> CountConversations(
      absl::string_view user_id, std::optional<absl::string_view> active_at);

  // ---- Subscriptions only ----
  absl::StatusOr<std::optional<Subscription>> UpdateSubscriptionByStripeId(
      Txn* txn, absl::string_view stripe_subscription_id,
      Mutation<Subscription> mutate);

  absl::StatusOr<StoreCounts> Count();
  absl::Status Scan(RecordVisitor& visitor);

  // Takes the whole-store lock for a transaction (creating the store folder
  // and its lock file if needed).
  absl::StatusOr<LockGuard> LockStore();
  // Undoes `txn`'s changes. REQUIRES: the whole-store lock is held.
  absl::Status RollBack(Txn* txn);

  // How many record files have been parsed: for tests of the index.
  int64_t files_parsed() const { return files_parsed_.load(); }

 private:
  // A record file read and parsed.
  struct Loaded {
    int folder = 0;
    FileContents contents;
    JsonValue object;
    LockGuard lock;  // held when LoadLocked read it; else empty
  };

  // Reads and parses record `id` (highest-priority folder); nullopt when it
  // does not exist.
  absl::StatusOr<std::optional<Loaded>> Load(RecordKind kind,
                                             absl::string_view id);
  // Load under the record's lock (LockExisting), for a change to a record
  // that must exist: nullopt when it does not.
  absl::StatusOr<std::optional<Loaded>> LoadLocked(Txn* txn, RecordKind kind,
                                                   absl::string_view id);
  absl::StatusOr<JsonValue> Parse(RecordKind kind, absl::string_view id,
                                  int folder, absl::string_view bytes);
  // The lock of record `id` for an operation that needs the record to exist:
  // nullopt (no lock; the record is absent) when the store folder does not
  // exist yet. An empty guard inside a transaction.
  absl::StatusOr<std::optional<LockGuard>> LockExisting(Txn* txn,
                                                        RecordKind kind,
                                                        absl::string_view id);
  // The lock of record `id` for an operation that may create it; creates the
  // store folder when needed.
  absl::StatusOr<LockGuard> LockForWrite(Txn* txn, RecordKind kind,
                                         absl::string_view id);
  absl::Status MakeFolder(Txn* txn, const std::string& path);
  // Stores `object` as record `id` in `folder`, in the layout of `old` (the
  // bytes it replaces, nullptr for a new file), and tells the index.
  absl::Status Write(Txn* txn, RecordKind kind, absl::string_view id,
                     int folder, const JsonValue& object,
                     const std::string* old);
  // The index facts of a record object.
  absl::StatusOr<IndexFacts> FactsOf(RecordKind kind, absl::string_view id,
                                     const JsonValue& object,
                                     absl::string_view display);
  absl::StatusOr<std::optional<LoadedFacts>> LoadFacts(RecordKind kind,
                                                       int folder,
                                                       const std::string& id);
  absl::Status PutRecord(Txn* txn, RecordKind kind, absl::string_view id,
                         const JsonValue& object);
  // Update's read-modify-write, also of UpdateSubscriptionByStripeId:
  // nullopt when record `id` does not exist, or when `still` refuses the
  // record as read (it changed since the caller chose it).
  template <typename Record>
  absl::StatusOr<std::optional<Record>> Mutate(
      Txn* txn, absl::string_view id, Mutation<Record> mutate,
      absl::FunctionRef<bool(const Record&)> still);
  // Decodes `loaded` (record `id`) and, when `change` says true, writes it
  // back in `loaded`'s folder and layout: the record as written, or nullopt
  // when `change` said false. A conversation's messages are not decoded:
  // they go back byte for byte.
  template <typename Record>
  absl::StatusOr<std::optional<Record>> Rewrite(
      Txn* txn, absl::string_view id, Loaded& loaded,
      absl::FunctionRef<absl::StatusOr<bool>(Record&)> change);
  absl::StatusOr<int64_t> UpdateUserConversationsLocked(
      Txn* txn, absl::string_view user_id,
      absl::FunctionRef<bool(Conversation&)> mutate);
  // The ids of `kind` in all its folders, sorted, without duplicates.
  absl::StatusOr<std::vector<std::string>> ListIds(RecordKind kind);
  // Scan's visit of every record of one kind, in id order.
  template <typename Record>
  absl::Status ScanKind(
      RecordVisitor& visitor,
      absl::Status (RecordVisitor::*on_record)(const Record&));
  // Once per folder and JsonStore, before its first change: removes the
  // temporary files that killed writers left there (RemoveStaleTempFiles).
  // Not at open, so that a store that is only read (a migration's source)
  // is never changed.
  void SweepOnce(const std::string& folder_path);
  bool RootExists() const;

  const StoreLayout layout_;
  const bool sync_;
  StoreLock lock_;
  RecordIndex conversations_;
  RecordIndex subscriptions_;
  std::atomic<int64_t> files_parsed_{0};
  absl::Mutex swept_mu_;
  absl::flat_hash_set<std::string> swept_ ABSL_GUARDED_BY(swept_mu_);
};

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_STORE_H_
