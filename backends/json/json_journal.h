// What a transaction of the JSON store changed, so that it can be undone.
#ifndef PARLEY_BACKENDS_JSON_JSON_JOURNAL_H_
#define PARLEY_BACKENDS_JSON_JSON_JOURNAL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace parley {
namespace json_backend {

// Not thread-safe: a journal belongs to one transaction, which holds the
// whole-store lock.
class Journal {
 public:
  // Remembers the bytes `folder`/`name` had (nullptr: it did not exist)
  // before its first change in this transaction; later calls for the same
  // file are ignored. Call before changing the file.
  void RecordFile(const std::string& folder, const std::string& name,
                  const std::string& display, const std::string* prior);
  // Remembers a folder the transaction created.
  void RecordFolder(const std::string& path);

  // Puts every file back as it was, atomically each, in the reverse order of
  // their first change, then removes the created folders that are empty.
  // Keeps going after a failure and returns the first.
  absl::Status RollBack(bool sync);

  // Hands this (committed, nested) journal's records to `parent`, which
  // keeps its own for files it had already recorded.
  void MergeInto(Journal& parent);

 private:
  struct FileRecord {
    std::string folder;
    std::string name;
    std::string display;
    std::optional<std::string> prior;
  };
  std::vector<FileRecord> files_;
  absl::flat_hash_set<std::string> paths_;
  std::vector<std::string> folders_;
};

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_JOURNAL_H_
