// File-system primitives of the JSON-file backend: whole-file reads that say
// which version of the file they read, durable atomic replacement, removal,
// folder listing. Every errno goes through PosixError.
//
// Paths are absolute or relative to the working directory; `display` names
// what appears in messages (the file relative to the store root).
#ifndef PARLEY_BACKENDS_JSON_JSON_FILES_H_
#define PARLEY_BACKENDS_JSON_JSON_FILES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parley {
namespace json_backend {

// Which version of a file (or folder) we saw. Two stats that give the same
// identity saw the same contents, unless the file changed twice within the
// file system's timestamp granularity: see IsRacy.
struct FileIdentity {
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;

  friend bool operator==(const FileIdentity& a, const FileIdentity& b) {
    return a.inode == b.inode && a.size == b.size && a.mtime_ns == b.mtime_ns;
  }
  friend bool operator!=(const FileIdentity& a, const FileIdentity& b) {
    return !(a == b);
  }
};

// The wall clock in nanoseconds since the epoch (the clock file times use).
int64_t NowNs();

// Git's "racy" rule: a file whose mtime is not clearly older than the moment
// we started reading it may be changed again without its mtime changing, so
// what we read must be checked again next time. `read_start_ns` is NowNs()
// taken before the read.
bool IsRacy(const FileIdentity& identity, int64_t read_start_ns);

// The identity of `path`; nullopt when it does not exist.
absl::StatusOr<std::optional<FileIdentity>> StatPath(const std::string& path,
                                                     absl::string_view display);

struct FileContents {
  std::string bytes;
  FileIdentity identity;  // of exactly these bytes (fstat of the open file)
};

// The whole file; nullopt when it does not exist.
absl::StatusOr<std::optional<FileContents>> ReadFileIfExists(
    const std::string& path, absl::string_view display);

// Replaces `folder`/`name` with `bytes` so that readers see either the old or
// the new file, never a part: writes a temporary file in the same folder
// (named ".parley-tmp-...", which no listing counts), fsyncs it, renames it
// over the target and fsyncs the folder (without which a crash can lose the
// rename). The file keeps the permission bits of the file it replaces. With
// `sync` false the two fsyncs are skipped. Returns the new file's identity.
// REQUIRES: `folder` exists.
absl::StatusOr<FileIdentity> WriteFileAtomically(const std::string& folder,
                                                 const std::string& name,
                                                 absl::string_view bytes,
                                                 bool sync,
                                                 absl::string_view display);

// Removes the ".parley-tmp-<pid>-<n>" and ".parley-old-<pid>-<n>" files that
// WriteFileAtomically and RemoveFile leave in `folder` when their process is
// killed midway, for pids that no longer run (a live process may still be
// using its own). Safe at any time: such a file is never the only copy of
// an acknowledged write. Returns how many it removed; a missing folder has
// none.
absl::StatusOr<int> RemoveStaleTempFiles(const std::string& folder);

// Unlinks `folder`/`name` and fsyncs the folder (when `sync`). Returns
// whether the file existed.
absl::StatusOr<bool> RemoveFile(const std::string& folder,
                                const std::string& name, bool sync,
                                absl::string_view display);

// Creates `path` and any missing parents. Appends each folder it created to
// `created` (outermost first) when not null. Fsyncs each parent it changed
// when `sync`.
absl::Status MakeFolders(const std::string& path, bool sync,
                         std::vector<std::string>* created);

// Removes the folder when it is empty; a folder that is missing or not empty
// is left alone without error.
absl::Status RemoveFolderIfEmpty(const std::string& path, bool sync);

// The record ids in `folder`: the names ending in ".json" that do not start
// with '.', without the suffix, in no particular order. A missing folder has
// none.
absl::StatusOr<std::vector<std::string>> ListRecordIds(
    const std::string& folder, absl::string_view display);

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_FILES_H_
