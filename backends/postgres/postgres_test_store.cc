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

absl::StatusOr<std::string> NewPostgresTestStore(
    absl::string_view extra_options) {
  absl::StatusOr<std::string> base = TestPostgresUrl();
  if (!base.ok()) return base.status();
  absl::StatusOr<StorageUrl> url = StorageUrl::Parse(*base);
  if (!url.ok()) return url.status();
  if (url->kind() != StorageUrl::Kind::kPostgres) {
    return absl::InvalidArgumentError(
        "TEST_POSTGRES_URL is not a postgresql:// URL");
  }
  if (url->FindOption("options") != nullptr) {
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

  // Unique across the processes Bazel runs at once and across runs against
  // the same server.
  static std::atomic<int> counter{0};
  thread_local absl::BitGen bits;
  const std::string schema =
      absl::StrFormat("parley_t_%d_%d_%08x", getpid(), counter.fetch_add(1),
                      absl::Uniform<uint32_t>(bits));
  absl::Status created =
      (*connection)->ExecuteScript(absl::StrCat("CREATE SCHEMA ", schema));
  if (!created.ok()) return created;

  std::string store = *base;
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

}  // namespace testing
}  // namespace parley
