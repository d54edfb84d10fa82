// The JSON-file backend: a folder of JSON files, as the original Python
// module kept them (layout and format in /work/shared/API.md).
//
// URL: json:<folder>. Option fsync=false skips fsync on every change (for
// throwaway stores; a crash may then lose recent changes); default true.
// Any other option is refused.
#ifndef PARLEY_BACKENDS_JSON_JSON_BACKEND_H_
#define PARLEY_BACKENDS_JSON_JSON_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "storage/backend.h"
#include "storage/url.h"

namespace parley {

// Opens the store in folder `url.path()`. Creates nothing until the first
// write. InvalidArgument for a URL that is not json: or has an unknown or
// malformed option; FailedPrecondition when the path exists and is not a
// folder. The store is unversioned: any schema policy opens it.
absl::StatusOr<std::unique_ptr<Backend>> OpenJsonBackend(
    const StorageUrl& url, const BackendOptions& options);

}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_BACKEND_H_
