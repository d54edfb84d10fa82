// TLS to PostgreSQL (tests/pg_test_server.sh's CA and server certificate):
// the sessions Parley opens with sslmode=require / verify-full are encrypted,
// and a certificate Parley must not trust (another CA, another host name) is
// a clear connect error, FailedPrecondition (retrying cannot heal it) naming
// the cause and never the password.
#include <postgresql/libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "api/storage.h"
#include "backends/postgres/postgres_test_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace parley {
namespace testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string TlsDir() {
  const char* dir = std::getenv("TEST_POSTGRES_TLS_DIR");
  return dir == nullptr ? "" : dir;
}

std::string Password(const std::string& url) {
  const size_t colon = url.find(':', url.find("://") + 3);
  return url.substr(colon + 1, url.find('@') - colon - 1);
}

// What the server says about this session's TLS ("t TLSv1.3").
std::string SessionTls(const std::string& url) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(url.c_str()),
                                                  PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::StrCat("no connection: ", PQerrorMessage(conn.get()));
  }
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(
      PQexec(conn.get(),
             "SELECT ssl::text || ' ' || coalesce(version, '') FROM "
             "pg_stat_ssl WHERE pid = pg_backend_pid()"),
      PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK ||
      PQntuples(result.get()) != 1) {
    return "no answer";
  }
  return PQgetvalue(result.get(), 0, 0);
}

TEST(PostgresTlsTest, RequireAndVerifyFullSessionsAreEncrypted) {
  ASSERT_FALSE(TlsDir().empty()) << "TEST_POSTGRES_TLS_DIR is not set";
  ASSERT_OK_AND_ASSIGN(std::string require,
                       NewPostgresTestStore("sslmode=require"));
  ASSERT_OK_AND_ASSIGN(
      std::string verify,
      NewPostgresTestStore(absl::StrCat(
          "sslmode=verify-full&sslrootcert=", TlsDir(), "/ca.crt")));
  EXPECT_THAT(SessionTls(require), HasSubstr("true TLSv1."));
  EXPECT_THAT(SessionTls(verify), HasSubstr("true TLSv1."));
  for (const std::string& url : {require, verify}) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage, Storage::Open(url));
    EXPECT_THAT(storage->CreateConversation("c", "u"), IsOk());
    EXPECT_THAT(storage->AddUserMessage("c", "over TLS"), IsOk());
  }
}

TEST(PostgresTlsTest, CertificateOfAnotherCaIsRefused) {
  ASSERT_FALSE(TlsDir().empty()) << "TEST_POSTGRES_TLS_DIR is not set";
  ASSERT_OK_AND_ASSIGN(
      std::string url,
      NewPostgresTestStore(absl::StrCat(
          "sslmode=verify-full&sslrootcert=", TlsDir(), "/other_ca.crt")));
  absl::StatusOr<std::unique_ptr<Storage>> storage = Storage::Open(url);
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), absl::StatusCode::kFailedPrecondition)
      << storage.status();
  EXPECT_THAT(std::string(storage.status().message()),
              HasSubstr("certificate verify failed"));
  EXPECT_THAT(std::string(storage.status().message()),
              Not(HasSubstr(Password(url))));
}

TEST(PostgresTlsTest, CertificateForAnotherHostIsRefused) {
  ASSERT_FALSE(TlsDir().empty()) << "TEST_POSTGRES_TLS_DIR is not set";
  ASSERT_OK_AND_ASSIGN(
      std::string url,
      NewPostgresTestStore(absl::StrCat(
          "hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=", TlsDir(),
          "/ca.crt")));
  // Same server, reached at 127.0.0.1, but the URL names another host: the
  // certificate (localhost, 127.0.0.1) does not name it.
  url = absl::StrReplaceAll(url, {{"@127.0.0.1:", "@db.wrong-name.invalid:"}});
  absl::StatusOr<std::unique_ptr<Storage>> storage = Storage::Open(url);
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), absl::StatusCode::kFailedPrecondition)
      << storage.status();
  EXPECT_THAT(std::string(storage.status().message()),
              HasSubstr("does not match host name \"db.wrong-name.invalid\""));
  EXPECT_THAT(std::string(storage.status().message()),
              Not(HasSubstr(Password(url))));
}

TEST(PostgresTlsTest, MissingCaFileIsNamed) {
  ASSERT_FALSE(TlsDir().empty()) << "TEST_POSTGRES_TLS_DIR is not set";
  ASSERT_OK_AND_ASSIGN(
      std::string url,
      NewPostgresTestStore(absl::StrCat(
          "sslmode=verify-full&sslrootcert=", TlsDir(), "/no_such_ca.crt")));
  absl::StatusOr<std::unique_ptr<Storage>> storage = Storage::Open(url);
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), absl::StatusCode::kFailedPrecondition)
      << storage.status();
  EXPECT_THAT(std::string(storage.status().message()),
              HasSubstr("no_such_ca.crt"));
}

}  // namespace
}  // namespace testing
}  // namespace parley
