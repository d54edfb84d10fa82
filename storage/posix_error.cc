#include "storage/posix_error.h"

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace parley {

absl::Status PosixError(absl::string_view context, int error_number) {
  // absl::ErrnoToStatus writes the message ("context: strerror text", built
  // thread-safely); only the codes where what our callers should do differs
  // from Abseil's choice are replaced.
  const absl::Status status = absl::ErrnoToStatus(error_number, context);
  switch (error_number) {
    case 0:
      return absl::UnknownError(absl::StrCat(context, ": errno 0"));
    case ENOTDIR:
      // Abseil: FailedPrecondition. A path through a plain file names no
      // record.
      return absl::NotFoundError(status.message());
    case ENOTEMPTY:
      // Abseil: FailedPrecondition. A rename onto a non-empty folder means
      // the destination is already there.
      return absl::AlreadyExistsError(status.message());
    case EBUSY:
    case EDEADLK:
      // Abseil: FailedPrecondition, Aborted. A busy file or a lock deadlock
      // clears when the other holder is done: retry the call.
      return absl::UnavailableError(status.message());
    case EIO:
      // Abseil: Unknown. A read or write the device could not complete may
      // have lost data.
      return absl::DataLossError(status.message());
    default:
      return status;
  }
}

}  // namespace parley
