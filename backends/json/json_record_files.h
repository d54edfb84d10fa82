// The record files of a JSON-file store: read and parsed, locked, written
// (journaled inside a transaction) and indexed. The layout, locking and
// file formats are described in json_layout.h, json_lock.h and
// json_records.h; JsonStore (json_store.h) builds the records' operations
// on this.
//
// Each call that changes a record takes a `Txn*`: nullptr means "not in a
// transaction": the call takes the record's lock itself. A non-null Txn
// means the caller holds the whole-store lock; the call takes no lock and
// records in the Txn's journal the prior bytes of every file it changes.
//
// Readers take no lock: every file is replaced by an atomic rename, so a
// reader sees a whole old or a whole new file.
//
// Thread-safe.
#ifndef PARLEY_BACKENDS_JSON_JSON_RECORD_FILES_H_
#define PARLEY_BACKENDS_JSON_JSON_RECORD_FILES_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "backends/json/json_files.h"
#include "backends/json/json_index.h"
#include "backends/json/json_journal.h"
#include "backends/json/json_layout.h"
#include "backends/json/json_lock.h"
#include "storage/json_value.h"

namespace parley {
namespace json_backend {

struct Txn {
  Journal journal;
};

class RecordFiles {
 public:
  // `sync`: fsync files and folders on every change (the URL's fsync
  // option).
  RecordFiles(std::string root, bool sync);
  RecordFiles(const RecordFiles&) = delete;
  RecordFiles& operator=(const RecordFiles&) = delete;

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
  // Load under the record's lock, for a change to a record that must exist:
  // nullopt when it does not. When the store folder does not exist, nothing
  // is created (not even the lock file).
  absl::StatusOr<std::optional<Loaded>> LoadLocked(Txn* txn, RecordKind kind,
                                                   absl::string_view id);

  // Stores `object` as record `id` in `folder`, in the layout of `old` (the
  // bytes it replaces, nullptr for a new file), and tells the index. The
  // caller holds the record's lock (a Loaded's, or the whole store's).
  absl::Status Write(Txn* txn, RecordKind kind, absl::string_view id,
                     int folder, const JsonValue& object,
                     const std::string* old);
  // Stores `object` as record `id` under the record's lock, in place of its
  // file if it has one; creates the store folder when needed.
  absl::Status PutRecord(Txn* txn, RecordKind kind, absl::string_view id,
                         const JsonValue& object);
  // PutRecord of a record that must not exist yet: AlreadyExists when it
  // does.
  absl::Status CreateRecord(Txn* txn, RecordKind kind, absl::string_view id,
                            const JsonValue& object);
  // Removes record `id`'s file from the kind's first folder under the
  // record's lock: false when there was none.
  absl::StatusOr<bool> RemoveRecord(Txn* txn, RecordKind kind,
                                    absl::string_view id);

  // The ids of `kind` in all its folders, sorted, without duplicates.
  absl::StatusOr<std::vector<std::string>> ListIds(RecordKind kind);

  // The conversations by user id (with their summaries), and the
  // subscriptions by Stripe id.
  RecordIndex& conversations() { return conversations_; }
  RecordIndex& subscriptions() { return subscriptions_; }

  bool RootExists() const;
  // Takes the whole-store lock for a transaction (creating the store folder
  // and its lock file if needed).
  absl::StatusOr<LockGuard> LockStore();
  // Undoes `txn`'s changes. REQUIRES: the whole-store lock is held.
  absl::Status RollBack(Txn* txn);

  // How many record files have been parsed: for tests of the index.
  int64_t files_parsed() const { return files_parsed_.load(); }

 private:
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
  // The index of `kind`; null for profiles, which have none.
  RecordIndex* IndexOf(RecordKind kind);
  // The index facts of a record object.
  absl::StatusOr<IndexFacts> FactsOf(RecordKind kind, absl::string_view id,
                                     const JsonValue& object,
                                     absl::string_view display);
  absl::StatusOr<std::optional<LoadedFacts>> LoadFacts(RecordKind kind,
                                                       int folder,
                                                       const std::string& id);
  // Once per folder and RecordFiles, before its first change: removes the
  // temporary files that killed writers left there (RemoveStaleTempFiles).
  // Not at open, so that a store that is only read (a migration's source)
  // is never changed.
  void SweepOnce(const std::string& folder_path);

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

#endif  // PARLEY_BACKENDS_JSON_JSON_RECORD_FILES_H_
