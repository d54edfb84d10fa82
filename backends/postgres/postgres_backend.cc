#include "backends/postgres/postgres_backend.h"

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/postgres/postgres_connection.h"
#include "backends/postgres/postgres_pool.h"
#include "backends/sql/sql_backend.h"
#include "backends/sql/sql_dialect.h"
#include "storage/status_macros.h"

namespace parley {

absl::StatusOr<std::unique_ptr<Backend>> OpenPostgresBackend(
    const StorageUrl& url, const BackendOptions& options) {
  if (url.kind() != StorageUrl::Kind::kPostgres) {
    return absl::InvalidArgumentError(absl::StrCat(
        "database URL ", url.Redacted(), ": not a postgresql:// URL"));
  }
  ASSIGN_OR_RETURN(const PoolOptions pool_options, ReadPoolOptions(url));
  ASSIGN_OR_RETURN(const postgres::PostgresConnectParams params,
                   postgres::PostgresConnectParams::FromUrl(url));
  return sql::NewSqlBackend(
      std::make_unique<postgres::PostgresPool>(params, pool_options),
      sql::PostgresDialect(), options);
}

}  // namespace parley
