// The one place an errno becomes an absl::Status (the JSON-file backend, the
// export and import files).
#ifndef PARLEY_STORAGE_POSIX_ERROR_H_
#define PARLEY_STORAGE_POSIX_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parley {

// Returns a Status for the failed system call described by `context`
// (usually "<verb> <file>") and `error_number`, with the message
// "context: strerror(error_number)". The code says what the caller should do
// next:
//   ENOENT, ENOTDIR                    NotFound
//   EEXIST, ENOTEMPTY                  AlreadyExists
//   EACCES, EPERM, EROFS               PermissionDenied
//   ENOSPC, EDQUOT, EMFILE, ENFILE,
//   ENOMEM                             ResourceExhausted
//   EINTR, EAGAIN, EBUSY, EDEADLK,
//   ENOLCK                             Unavailable (retry the call)
//   ENAMETOOLONG, EINVAL               InvalidArgument
//   EIO                                DataLoss
//   anything else                      absl::ErrnoToStatusCode's code
//                                      (Unknown for 0)
absl::Status PosixError(absl::string_view context, int error_number);

}  // namespace parley

#endif  // PARLEY_STORAGE_POSIX_ERROR_H_
