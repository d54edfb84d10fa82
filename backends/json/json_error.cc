#include "backends/json/json_error.h"

#include <cerrno>

#include "absl/base/internal/strerror.h"
#include "absl/strings/str_cat.h"

namespace parley {
namespace json_backend {

absl::Status PosixError(absl::string_view context, int error_number) {
  // absl's StrError is thread-safe, unlike strerror().
  std::string message =
      absl::StrCat(context, ": ", absl::base_internal::StrError(error_number));
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EEXIST:
    case ENOTEMPTY:
      return absl::AlreadyExistsError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
      return absl::ResourceExhaustedError(message);
    case EINTR:
    case EAGAIN:
    case EBUSY:
    case EDEADLK:
    case ENOLCK:
      return absl::UnavailableError(message);
    case ENAMETOOLONG:
    case EINVAL:
      return absl::InvalidArgumentError(message);
    case EIO:
      return absl::DataLossError(message);
    default:
      return absl::UnknownError(message);
  }
}

}  // namespace json_backend
}  // namespace parley
