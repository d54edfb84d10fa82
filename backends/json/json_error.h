// The one place an errno becomes an absl::Status in the JSON-file backend.
#ifndef PARLEY_BACKENDS_JSON_JSON_ERROR_H_
#define PARLEY_BACKENDS_JSON_JSON_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parley {
namespace json_backend {

// Returns a Status for the failed system call described by `context`
// (usually "<verb> <file relative to the store root>") and `error_number`,
// with the message "context: strerror(error_number)". The code says what the
// caller should do next:
//   ENOENT, ENOTDIR                    NotFound
//   EEXIST, ENOTEMPTY                  AlreadyExists
//   EACCES, EPERM, EROFS               PermissionDenied
//   ENOSPC, EDQUOT, EMFILE, ENFILE,
//   ENOMEM                             ResourceExhausted
//   EINTR, EAGAIN, EBUSY, EDEADLK,
//   ENOLCK                             Unavailable (retry the call)
//   ENAMETOOLONG, EINVAL               InvalidArgument
//   EIO                                DataLoss
//   anything else                      Unknown
absl::Status PosixError(absl::string_view context, int error_number);

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_ERROR_H_
