#include "backends/postgres/postgres_backend.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/postgres/postgres_connection.h"
#include "backends/postgres/postgres_pipeline.h"
#include "backends/sql/pool_options.h"
#include "backends/sql/sql_backend.h"
#include "backends/sql/sql_dialect.h"
#include "backends/sql/sql_pool.h"
#include "storage/status_macros.h"

namespace parley {

absl::StatusOr<std::unique_ptr<Backend>> OpenPostgresBackend(
    const StorageUrl& url, const BackendOptions& options) {
  ASSIGN_OR_RETURN(const PoolOptions pool_options, ReadPoolOptions(url));
  ASSIGN_OR_RETURN(postgres::PostgresConnectParams params,
                   postgres::PostgresConnectParams::FromUrl(url));
  bool pipeline_wanted =
      params.pipeline() &&
      options.schema_policy != BackendOptions::SchemaPolicy::kInspectOnly;
  if (pipeline_wanted &&
      (!params.pipeline_given() || !params.prepared_statements_given())) {
    // Behind a pooler in transaction mode, the pipeline's statements could
    // land on server sessions other clients use: one connection first, to
    // see whether a pooler answers (it is closed again; the pool opens its
    // own as needed).
    ASSIGN_OR_RETURN(std::unique_ptr<postgres::PostgresConnection> probe,
                     postgres::PostgresConnection::Open(params));
    if (probe->behind_pooler()) {
      params = params.ForPooler();
      pipeline_wanted = params.pipeline();
    }
  }
  auto pool = std::make_unique<sql::SqlConnectionPool>(
      [params]() -> absl::StatusOr<std::unique_ptr<sql::SqlConnection>> {
        return postgres::PostgresConnection::Open(params);
      },
      pool_options);
  std::unique_ptr<sql::PlanRunner> pipeline;
  if (pipeline_wanted) {
    ASSIGN_OR_RETURN(pipeline, postgres::PostgresPipeline::Open(
                                   params, params.pipeline_connections()));
  }
  return sql::NewSqlBackend(std::move(pool), sql::PostgresDialect(), options,
                            std::move(pipeline));
}

namespace {

class PostgresType final : public BackendType {
 public:
  absl::string_view name() const override { return "postgresql"; }

  // SQLAlchemy's driver suffixes name a Python driver; they do not change
  // what the URL means.
  std::vector<absl::string_view> schemes() const override {
    return {"postgresql", "postgres", "postgresql+asyncpg",
            "postgresql+psycopg2", "postgresql+psycopg"};
  }

  UrlSyntax url_syntax() const override {
    return {UrlSyntax::Authority::kHosts,
            "expected postgresql://[user[:password]@][host][:port]"
            "[,host[:port]...][/database][?key=value&...]"};
  }

  // The pool's options; the others are libpq's or Parley's own, checked by
  // PostgresConnectParams::FromUrl when the store is opened.
  absl::Status CheckUrl(const StorageUrl& url) const override {
    absl::StatusOr<PoolOptions> pool = ReadPoolOptions(url);
    if (!pool.ok()) return url.Invalid(pool.status().message());
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Backend>> Open(
      const StorageUrl& url, const BackendOptions& options) const override {
    return OpenPostgresBackend(url, options);
  }
};

}  // namespace

const BackendType& PostgresBackendType() {
  static const PostgresType* const type = new PostgresType();
  return *type;
}

}  // namespace parley
