// The backends built into Parley, registered explicitly.
#ifndef PARLEY_BACKENDS_BUILTIN_BACKENDS_H_
#define PARLEY_BACKENDS_BUILTIN_BACKENDS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "storage/backend.h"
#include "storage/backend_registry.h"
#include "storage/url.h"

namespace parley {

// Registers json, sqlite and postgresql in `registry`.
void RegisterBuiltinBackends(BackendRegistry* registry);

// Opens the backend `url` names among the built-in ones. For tools that work
// below the facade (migration, schema commands).
absl::StatusOr<std::unique_ptr<Backend>> OpenBackend(
    const StorageUrl& url, const BackendOptions& options);

}  // namespace parley

#endif  // PARLEY_BACKENDS_BUILTIN_BACKENDS_H_
