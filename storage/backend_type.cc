#include "storage/backend_type.h"

#include <utility>

#include "storage/status_macros.h"

namespace parley {

absl::StatusOr<StorageUrl> BackendType::ParseUrl(absl::string_view url) const {
  ASSIGN_OR_RETURN(StorageUrl parsed, ParseUrlFormOnly(url));
  RETURN_IF_ERROR(CheckUrl(parsed));
  return parsed;
}

absl::StatusOr<StorageUrl> BackendType::ParseUrlFormOnly(
    absl::string_view url) const {
  ASSIGN_OR_RETURN(StorageUrl parsed, StorageUrl::Parse(url, url_syntax()));
  parsed.type_ = this;
  return parsed;
}

}  // namespace parley
