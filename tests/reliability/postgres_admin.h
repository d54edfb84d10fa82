// A side connection to the test PostgreSQL server that TEST_POSTGRES_URL
// names, for what the reliability tests ask the server itself: a fresh
// store, the sessions a client holds, the server's folder.
//
// Fresh stores come from //backends/postgres:postgres_test_store; the rest
// speaks libpq directly, and no libpq type appears in this header.
#ifndef PARLEY_TESTS_RELIABILITY_POSTGRES_ADMIN_H_
#define PARLEY_TESTS_RELIABILITY_POSTGRES_ADMIN_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parley {
namespace testing {

// Not thread-safe: one thread at a time.
class PostgresAdmin {
 public:
  // Connects to $TEST_POSTGRES_URL. FailedPrecondition, saying how to start
  // a server, when it is unset; Unavailable when the server is unreachable.
  static absl::StatusOr<std::unique_ptr<PostgresAdmin>> Connect();
  ~PostgresAdmin();

  PostgresAdmin(const PostgresAdmin&) = delete;
  PostgresAdmin& operator=(const PostgresAdmin&) = delete;

  // A store in a new, empty schema (NewPostgresTestStore), with
  // `extra_options` ("pool_size=2&application_name=x") added to the URL.
  absl::StatusOr<std::string> NewStore(absl::string_view extra_options);

  // How many server sessions have this application_name. Reconnects first
  // when the server was restarted since the last call.
  absl::StatusOr<int> CountSessions(absl::string_view application_name);

  // Polls CountSessions until it is at most `at_most`; DeadlineExceeded
  // after `timeout`.
  absl::Status AwaitSessionsAtMost(absl::string_view application_name,
                                   int at_most, absl::Duration timeout);

  // Sessions of role `user` that are not idle (in a statement, or in a
  // transaction): behind PgBouncer a server session outlives its client,
  // so this, not CountSessions, says whether a killed client's last
  // statement is over.
  absl::StatusOr<int> CountBusySessionsOfRole(absl::string_view user);

  // How many clients of role `user` PgBouncer holds (SHOW CLIENTS on its
  // admin console), asked through `bouncer_url`
  // (tests/pgbouncer_test_server.sh's URL, whose role is an admin user).
  static absl::StatusOr<int> CountPgBouncerClients(
      const std::string& bouncer_url, absl::string_view user);

  // A server setting's current value (current_setting(name)).
  absl::StatusOr<std::string> Setting(absl::string_view name);

  // The server's folder ($PG_TEST_DIR of tests/pg_test_server.sh, which
  // makes it the server's cluster_name). NotFound when the server was
  // started some other way.
  absl::StatusOr<std::string> ServerFolder();

 private:
  struct Conn;
  PostgresAdmin(std::string base_url, std::unique_ptr<Conn> conn);
  // Runs `sql` and returns the first column of its first row.
  absl::StatusOr<std::string> QueryValue(const char* sql,
                                         absl::string_view param);

  const std::string base_url_;
  std::unique_ptr<Conn> conn_;
};

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_RELIABILITY_POSTGRES_ADMIN_H_
