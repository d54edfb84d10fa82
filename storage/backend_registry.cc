#include "storage/backend_registry.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace parley {

void BackendRegistry::Register(absl::string_view name, BackendFactory factory) {
  factories_[name] = std::move(factory);
}

absl::StatusOr<std::unique_ptr<Backend>> BackendRegistry::Open(
    const StorageUrl& url, const BackendOptions& options) const {
  auto it = factories_.find(url.backend_name());
  if (it == factories_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("open ", url.Redacted(), ": no backend named \"",
                     url.backend_name(), "\" is built into this binary"));
  }
  return it->second(url, options);
}

}  // namespace parley
