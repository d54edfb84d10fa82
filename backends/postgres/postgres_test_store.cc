#include "backends/postgres/postgres_test_store.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backends/postgres/postgres_backend.h"
#include "backends/postgres/postgres_connection.h"
#include "gtest/gtest.h"
#include "storage/url.h"

namespace parley {
namespace testing {

absl::StatusOr<std::string> TestPostgresUrl() {
  const char* url = std::getenv("TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    return absl::FailedPreconditionError(
        "TEST_POSTGRES_URL is not set: start a throwaway server with "
        "`eval \"$(bash tests/pg_test_server.sh start)\"` and run the test "
        "with `bazel test --test_env=TEST_POSTGRES_URL ...`");
  }
  return std::string(url);
}

namespace {

// A connection to the server of TEST_POSTGRES_URL, as the URL's role, for
// creating what a test store needs.
struct Admin {
  std::string base_url;  // TEST_POSTGRES_URL
  std::unique_ptr<postgres::PostgresConnection> connection;
};

absl::StatusOr<Admin> ConnectAdmin(bool needs_options) {
  absl::StatusOr<std::string> base = TestPostgresUrl();
  if (!base.ok()) return base.status();
  absl::StatusOr<StorageUrl> url = PostgresBackendType().ParseUrl(*base);
  if (!url.ok()) return url.status();
  if (needs_options && url->FindOption("options") != nullptr) {
    return absl::InvalidArgumentError(
        "TEST_POSTGRES_URL already has an `options` option, which the test "
        "store needs for its search_path");
  }
  absl::StatusOr<postgres::PostgresConnectParams> params =
      postgres::PostgresConnectParams::FromUrl(*url);
  if (!params.ok()) return params.status();
  absl::StatusOr<std::unique_ptr<postgres::PostgresConnection>> connection =
      postgres::PostgresConnection::Open(*params);
  if (!connection.ok()) return connection.status();
  return Admin{*std::move(base), *std::move(connection)};
}

// A schema or role name unique across the processes Bazel runs at once and
// across runs against the same server.
std::string UniqueName(absl::string_view prefix, absl::BitGen& bits) {
  static std::atomic<int> counter{0};
  return absl::StrFormat("%s_%d_%d_%08x", prefix, getpid(),
                         counter.fetch_add(1), absl::Uniform<uint32_t>(bits));
}

}  // namespace

absl::StatusOr<std::string> NewPostgresTestStore(
    absl::string_view extra_options) {
  absl::StatusOr<Admin> admin = ConnectAdmin(/*needs_options=*/true);
  if (!admin.ok()) return admin.status();
  thread_local absl::BitGen bits;
  const std::string schema = UniqueName("parley_t", bits);
  absl::Status created =
      admin->connection->ExecuteScript(absl::StrCat("CREATE SCHEMA ", schema));
  if (!created.ok()) return created;

  std::string store = admin->base_url;
  absl::StrAppend(&store, store.find('?') == std::string::npos ? "?" : "&",
                  "options=-csearch_path%3D", schema);
  if (!extra_options.empty()) absl::StrAppend(&store, "&", extra_options);
  return store;
}

std::string FreshPostgresUrl() {
  absl::StatusOr<std::string> url = NewPostgresTestStore();
  if (!url.ok()) {
    ADD_FAILURE() << "no fresh PostgreSQL store: " << url.status();
    return "unavailable:no-test-postgres-server";
  }
  return *url;
}

absl::StatusOr<std::string> TestPgBouncerUrl(PgBouncerMode mode) {
  const char* name = mode == PgBouncerMode::kTransaction
                         ? "TEST_PGBOUNCER_TRANSACTION_URL"
                         : "TEST_PGBOUNCER_SESSION_URL";
  const char* url = std::getenv(name);
  if (url == nullptr || *url == '\0') {
    return absl::FailedPreconditionError(absl::StrCat(
        name,
        " is not set: start a throwaway server and PgBouncer with `eval "
        "\"$(bash tests/pg_test_server.sh start)\"; eval \"$(bash "
        "tests/pgbouncer_test_server.sh start)\"` and pass it with "
        "--test_env"));
  }
  return std::string(url);
}

absl::StatusOr<std::string> NewPgBouncerTestStore(
    PgBouncerMode mode, absl::string_view extra_options) {
  absl::StatusOr<std::string> bouncer = TestPgBouncerUrl(mode);
  if (!bouncer.ok()) return bouncer.status();
  absl::StatusOr<Admin> admin = ConnectAdmin(/*needs_options=*/false);
  if (!admin.ok()) return admin.status();
  thread_local absl::BitGen bits;
  const std::string role = UniqueName("parley_b", bits);
  const std::string password =
      absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits),
                      absl::Uniform<uint64_t>(bits));
  absl::Status created = admin->connection->ExecuteScript(absl::StrFormat(
      "CREATE ROLE %1$s LOGIN PASSWORD '%2$s'; GRANT %1$s TO CURRENT_USER; "
      "CREATE SCHEMA %1$s AUTHORIZATION %1$s; "
      "ALTER ROLE %1$s SET search_path = %1$s",
      role, password));
  if (!created.ok()) return created;

  // tests/pgbouncer_test_server.sh writes postgresql://parley:PW@HOST:PORT/DB.
  const size_t scheme_end = bouncer->find("://");
  const size_t at = bouncer->find('@');
  if (scheme_end == std::string::npos || at == std::string::npos) {
    return absl::InvalidArgumentError(
        "the PgBouncer URL has no user@ part to replace");
  }
  std::string store = absl::StrCat(bouncer->substr(0, scheme_end + 3), role,
                                   ":", password, bouncer->substr(at));
  if (!extra_options.empty()) {
    absl::StrAppend(&store, store.find('?') == std::string::npos ? "?" : "&",
                    extra_options);
  }
  return store;
}

namespace {
std::string FreshPgBouncerUrl(PgBouncerMode mode) {
  absl::StatusOr<std::string> url = NewPgBouncerTestStore(mode);
  if (!url.ok()) {
    ADD_FAILURE() << "no fresh store behind PgBouncer: " << url.status();
    return "unavailable:no-test-pgbouncer";
  }
  return *url;
}
}  // namespace

std::string FreshPgBouncerTransactionUrl() {
  return FreshPgBouncerUrl(PgBouncerMode::kTransaction);
}
std::string FreshPgBouncerSessionUrl() {
  return FreshPgBouncerUrl(PgBouncerMode::kSession);
}

}  // namespace testing
}  // namespace parley
