// The one place that maps a URL scheme to a backend.
//
// Backends are registered explicitly (backends/builtin_backends.h), never by
// static initialisers: the linker drops unreferenced objects and
// initialisation order is undefined.
#ifndef PARLEY_STORAGE_BACKEND_REGISTRY_H_
#define PARLEY_STORAGE_BACKEND_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/backend.h"
#include "storage/backend_type.h"
#include "storage/url.h"

namespace parley {

// Not thread-safe while registering; every other method may be called
// concurrently after.
class BackendRegistry {
 public:
  // Registers `type` under each of its schemes. REQUIRES: `type` outlives
  // the registry, and no scheme is registered twice.
  void Register(const BackendType* type);

  // Parses `url` with the backend its scheme names. InvalidArgument for an
  // unknown scheme, listing the known ones, or for what the backend's
  // ParseUrl refuses.
  absl::StatusOr<StorageUrl> ParseUrl(absl::string_view url) const;

  // The backend `scheme` (lower-case) selects, or null.
  const BackendType* Find(absl::string_view scheme) const;

  // "expected a:, b:// or c://": the usual scheme of each backend, in
  // registration order, as its URLs start.
  const std::string& expected() const { return expected_; }

 private:
  absl::flat_hash_map<std::string, const BackendType*> by_scheme_;
  std::vector<const BackendType*> types_;
  std::string expected_;
};

// Opens the store `url` names with the backend that parsed it.
absl::StatusOr<std::unique_ptr<Backend>> OpenBackend(
    const StorageUrl& url, const BackendOptions& options);

}  // namespace parley

#endif  // PARLEY_STORAGE_BACKEND_REGISTRY_H_
