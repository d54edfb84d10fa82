// The backends built into Parley, registered explicitly: the one place that
// lists them.
#ifndef PARLEY_BACKENDS_BUILTIN_BACKENDS_H_
#define PARLEY_BACKENDS_BUILTIN_BACKENDS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/backend_registry.h"
#include "storage/url.h"

namespace parley {

// json, sqlite and postgresql, in that order. Built once; thread-safe.
const BackendRegistry& BuiltinBackends();

// BuiltinBackends().ParseUrl(url): the URL of a store of any built-in
// backend, which OpenBackend (storage/backend_registry.h) opens.
absl::StatusOr<StorageUrl> ParseDatabaseUrl(absl::string_view url);

}  // namespace parley

#endif  // PARLEY_BACKENDS_BUILTIN_BACKENDS_H_
