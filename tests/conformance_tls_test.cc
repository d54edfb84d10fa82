// The conformance suite on PostgreSQL over TLS: the test server's own CA and
// certificate (tests/pg_test_server.sh makes them at start), once with
// sslmode=require (encrypted, certificate not checked) and once with
// sslmode=verify-full and sslrootcert (the managed-database form: the
// certificate must be signed by that CA and name the host). Without a
// server every case fails, saying how to start one: never skipped.
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "backends/postgres/postgres_test_store.h"
#include "gtest/gtest.h"
#include "tests/backend_conformance.h"

namespace parley {
namespace testing {
namespace {

std::string TlsStore(bool verify) {
  const char* dir = std::getenv("TEST_POSTGRES_TLS_DIR");
  if (dir == nullptr || *dir == '\0') {
    ADD_FAILURE() << "TEST_POSTGRES_TLS_DIR is not set: start the server "
                     "with tests/pg_test_server.sh and pass it with "
                     "--test_env";
    return "unavailable:no-test-postgres-tls";
  }
  absl::StatusOr<std::string> url = NewPostgresTestStore(
      verify ? absl::StrCat("sslmode=verify-full&sslrootcert=", dir, "/ca.crt")
             : std::string("sslmode=require"));
  if (!url.ok()) {
    ADD_FAILURE() << "no fresh PostgreSQL store: " << url.status();
    return "unavailable:no-test-postgres-server";
  }
  return *url;
}

std::string RequireStore() { return TlsStore(false); }
std::string VerifyFullStore() { return TlsStore(true); }

INSTANTIATE_TEST_SUITE_P(
    PostgresTls, BackendConformanceTest,
    ::testing::Values(BackendUnderTest{"sslmode_require", RequireStore},
                      BackendUnderTest{"sslmode_verify_full", VerifyFullStore}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace testing
}  // namespace parley
