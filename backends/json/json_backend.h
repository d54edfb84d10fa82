// The JSON-file backend: a folder of JSON files, as the original Python
// module kept them (layout and format in /work/shared/API.md).
//
// URL and options: backends/json/json_type.h.
#ifndef PARLEY_BACKENDS_JSON_JSON_BACKEND_H_
#define PARLEY_BACKENDS_JSON_JSON_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "storage/backend.h"
#include "storage/url.h"

namespace parley {

// Opens the store in folder `url.path()` (a URL JsonBackendType parsed).
// Creates nothing until the first write. FailedPrecondition when the path
// exists and is not a folder. The store is unversioned: any schema policy
// opens it.
absl::StatusOr<std::unique_ptr<Backend>> OpenJsonBackend(
    const StorageUrl& url, const BackendOptions& options);

}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_BACKEND_H_
