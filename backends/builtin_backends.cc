#include "backends/builtin_backends.h"

#include "backends/json/json_backend.h"
#include "backends/postgres/postgres_backend.h"
#include "backends/sqlite/sqlite_backend.h"

namespace parley {

void RegisterBuiltinBackends(BackendRegistry* registry) {
  registry->Register("json", OpenJsonBackend);
  registry->Register("sqlite", OpenSqliteBackend);
  registry->Register("postgresql", OpenPostgresBackend);
}

absl::StatusOr<std::unique_ptr<Backend>> OpenBackend(
    const StorageUrl& url, const BackendOptions& options) {
  BackendRegistry registry;
  RegisterBuiltinBackends(&registry);
  return registry.Open(url, options);
}

}  // namespace parley
