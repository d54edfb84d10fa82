#include "storage/backend_type.h"

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "storage/status_macros.h"

namespace parley {

absl::StatusOr<StorageUrl> BackendType::ParseUrl(absl::string_view url) const {
  ASSIGN_OR_RETURN(StorageUrl parsed, ParseUrlFormOnly(url));
  RETURN_IF_ERROR(CheckUrl(parsed));
  return parsed;
}

bool BackendType::SamePath(const std::string& a, const std::string& b) {
  std::error_code ec;
  return a == b || std::filesystem::equivalent(a, b, ec);
}

absl::StatusOr<StorageUrl> BackendType::ParseUrlFormOnly(
    absl::string_view url) const {
  ASSIGN_OR_RETURN(StorageUrl parsed, StorageUrl::Parse(url, url_syntax()));
  parsed.type_ = this;
  return parsed;
}

}  // namespace parley
