#include "backends/builtin_backends.h"

#include "backends/json/json_type.h"
#include "backends/postgres/postgres_backend.h"
#include "backends/sqlite/sqlite_backend.h"

namespace parley {

const BackendRegistry& BuiltinBackends() {
  static const BackendRegistry* const registry = [] {
    auto* r = new BackendRegistry();
    r->Register(&JsonBackendType());
    r->Register(&SqliteBackendType());
    r->Register(&PostgresBackendType());
    return r;
  }();
  return *registry;
}

absl::StatusOr<StorageUrl> ParseDatabaseUrl(absl::string_view url) {
  return BuiltinBackends().ParseUrl(url);
}

}  // namespace parley
