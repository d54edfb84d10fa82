#include "backends/postgres/postgres_backend.h"

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/postgres/postgres_connection.h"
#include "backends/postgres/postgres_pipeline.h"
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
  auto pool = std::make_unique<postgres::PostgresPool>(params, pool_options);
  std::unique_ptr<sql::PlanRunner> pipeline;
  if (params.pipeline() &&
      options.schema_policy != BackendOptions::SchemaPolicy::kInspectOnly) {
    ASSIGN_OR_RETURN(pipeline, postgres::PostgresPipeline::Open(
                                   params, params.pipeline_connections()));
  }
  return sql::NewSqlBackend(std::move(pool), sql::PostgresDialect(), options,
                            std::move(pipeline));
}

}  // namespace parley
