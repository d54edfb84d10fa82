// Test-only seam of json_files: the system calls through which the JSON
// backend changes files, so that a test can make the Nth of them fail (after
// SQLite's os.h layer and its fault-injecting test VFS). Not part of any API.
#ifndef PARLEY_BACKENDS_JSON_JSON_FILES_INTERNAL_H_
#define PARLEY_BACKENDS_JSON_JSON_FILES_INTERNAL_H_

#include <sys/types.h>

namespace parley {
namespace json_backend {

// Each member has the signature and errno convention of the system call it
// is named after. `open` is used for every open (reads too).
struct FileOps {
  int (*open)(const char* path, int flags, mode_t mode);
  ssize_t (*write)(int fd, const void* buf, size_t count);
  int (*fsync)(int fd);
  int (*rename)(const char* from, const char* to);
  int (*link)(const char* from, const char* to);
  int (*unlink)(const char* path);
  int (*mkdir)(const char* path, mode_t mode);
  int (*rmdir)(const char* path);
};

// The real system calls.
const FileOps& RealFileOps();

// Makes every JSON store in this process use `ops` (copied) from now on;
// nullptr restores RealFileOps(). Not thread-safe against calls in flight:
// call it while no store is in use.
void SetFileOpsForTesting(const FileOps* ops);

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_FILES_INTERNAL_H_
