// Maps a backend name ("json", "sqlite", "postgresql") to its factory.
// Backends are registered explicitly (backends/builtin_backends.h), never by
// static initialisers: the linker drops unreferenced objects and
// initialisation order is undefined.
#ifndef PARLEY_STORAGE_BACKEND_REGISTRY_H_
#define PARLEY_STORAGE_BACKEND_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/backend.h"
#include "storage/url.h"

namespace parley {

using BackendFactory = std::function<absl::StatusOr<std::unique_ptr<Backend>>(
    const StorageUrl&, const BackendOptions&)>;

// Not thread-safe while registering; Open may be called concurrently after.
class BackendRegistry {
 public:
  // Registers `factory` under `name`, replacing any earlier one.
  void Register(absl::string_view name, BackendFactory factory);

  // Opens the backend `url.backend_name()` names. InvalidArgument when no
  // backend of that name is registered (the message shows the redacted URL).
  absl::StatusOr<std::unique_ptr<Backend>> Open(
      const StorageUrl& url, const BackendOptions& options) const;

 private:
  absl::flat_hash_map<std::string, BackendFactory> factories_;
};

}  // namespace parley

#endif  // PARLEY_STORAGE_BACKEND_REGISTRY_H_
