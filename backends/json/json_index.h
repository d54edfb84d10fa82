// An in-memory index of one kind of record file, kept right when other
// processes (Parley or not) change the files.
//
// For each record it keeps the folder its file is in, the file's identity
// (inode, size, mtime) when the facts were read, and a few facts (a key to
// look records up by, and for conversations the listing summary). It is
// built lazily, on first use.
//
// Staying right without re-reading the store:
//  - A folder's names are listed again only when the folder's mtime changed
//    since the last listing (a file was created, removed or renamed in it).
//  - The files a lookup answers from are stat()ed, and re-read only when
//    their identity changed; so a file rewritten in place (the original
//    Python module) or replaced by rename is seen.
//  - Git's racy rule: a folder or file whose mtime was not clearly older
//    than the moment it was read may change again without a new mtime, so
//    it is listed / re-read again next time.
// FindByKey stats only the records that had the key, so a file rewritten in
// place to give it a different key is seen by its new key's lookups only
// once something stats it (All, or its folder changing).
//
// Unreadable files are remembered with their DataLoss error, checked again
// at every lookup, and make every lookup fail: the record could belong to
// anyone (the original module's listing failed on them too).
//
// Thread-safe. Lookups serialize on one mutex, held across the file reads;
// callers may hold record locks (the lock order is record lock, then index).
#ifndef PARLEY_BACKENDS_JSON_JSON_INDEX_H_
#define PARLEY_BACKENDS_JSON_JSON_INDEX_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "backends/json/json_files.h"
#include "backends/json/json_layout.h"
#include "proto/records.pb.h"

namespace parley {
namespace json_backend {

// What the index keeps of one record.
struct IndexFacts {
  // Conversations: user_id. Subscriptions: stripe_subscription_id (absent
  // when null).
  std::optional<std::string> key;
  ConversationSummary summary;  // conversations only
};

// The result of reading one file for the index.
struct LoadedFacts {
  FileIdentity identity;
  absl::Status error;  // DataLoss when the file cannot be read back
  IndexFacts facts;    // valid when `error` is OK
};

// Reads record `id`'s file in folder `folder` (an index into
// StoreLayout::RelativeFolders). nullopt when the file is gone; an error
// only when the file system fails.
using FactsLoader = std::function<absl::StatusOr<std::optional<LoadedFacts>>(
    int folder, const std::string& id)>;

class RecordIndex {
 public:
  struct Item {
    std::string id;
    IndexFacts facts;
  };

  RecordIndex(const StoreLayout* layout, RecordKind kind, FactsLoader loader);
  RecordIndex(const RecordIndex&) = delete;
  RecordIndex& operator=(const RecordIndex&) = delete;

  // The records whose key is `key`, each checked against its file first.
  // Costs O(records with that key) stats when no folder changed.
  absl::StatusOr<std::vector<Item>> FindByKey(absl::string_view key)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Every record, each checked against its file first.
  absl::StatusOr<std::vector<Item>> All() ABSL_LOCKS_EXCLUDED(mu_);

  // Tells the index about a file this process just wrote (identity from the
  // written file; `write_start_ns` is NowNs() before writing) or removed, so
  // that the next lookup need not re-read it.
  void Recorded(const std::string& id, int folder, const FileIdentity& identity,
                IndexFacts facts, int64_t write_start_ns)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Removed(const std::string& id) ABSL_LOCKS_EXCLUDED(mu_);

  // Drops everything (after a rolled-back transaction); rebuilt on next use.
  void Forget() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    int folder = 0;
    bool loaded = false;  // identity, error and facts are valid
    bool racy = false;
    FileIdentity identity;
    absl::Status error;
    IndexFacts facts;
  };
  struct FolderState {
    bool listed = false;
    std::optional<FileIdentity> identity;
    bool racy = false;
  };

  absl::Status RefreshNames() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Brings entry `id` up to date with its file; erases it when the file is
  // gone.
  absl::Status Revalidate(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Reload(const std::string& id, Entry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status LoadUnloaded() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Revalidates the unreadable files and returns the error of the first
  // (by id) still unreadable.
  absl::Status CheckBroken() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetFacts(const std::string& id, Entry& entry, absl::Status error,
                IndexFacts facts) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Erase(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string FilePath(int folder, const std::string& id) const;

  const StoreLayout* const layout_;
  const RecordKind kind_;
  const FactsLoader loader_;

  absl::Mutex mu_;
  std::vector<FolderState> folders_ ABSL_GUARDED_BY(mu_);
  bool names_dirty_ ABSL_GUARDED_BY(mu_) = true;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>> by_key_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> unloaded_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> broken_ ABSL_GUARDED_BY(mu_);
};

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_INDEX_H_
