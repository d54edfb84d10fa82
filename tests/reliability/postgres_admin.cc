#include "tests/reliability/postgres_admin.h"

#include <postgresql/libpq-fe.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backends/postgres/postgres_test_store.h"

namespace parley {
namespace testing {

namespace {

struct Finish {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnPtr = std::unique_ptr<PGconn, Finish>;

struct ClearResult {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ClearResult>;

// libpq's own message, never the connection string (which holds the
// password).
absl::Status ConnectionError(PGconn* conn, absl::string_view context) {
  return absl::UnavailableError(
      absl::StrCat(context, ": postgresql: ",
                   conn == nullptr ? "out of memory" : PQerrorMessage(conn)));
}

absl::StatusOr<ConnPtr> Open(const std::string& url) {
  // TEST_POSTGRES_URL is a plain libpq URI (tests/pg_test_server.sh writes
  // it); connect_timeout keeps a dead server from stalling a test.
  const char* keywords[] = {"dbname", "connect_timeout", "application_name",
                            nullptr};
  const char* values[] = {url.c_str(), "5", "parley_reliability_admin",
                          nullptr};
  ConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    return ConnectionError(conn.get(), "connect to the test server");
  }
  return conn;
}

}  // namespace

struct PostgresAdmin::Conn {
  ConnPtr pg;
};

absl::StatusOr<std::unique_ptr<PostgresAdmin>> PostgresAdmin::Connect() {
  const char* url = std::getenv("TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    return absl::FailedPreconditionError(
        "TEST_POSTGRES_URL is not set: start a throwaway server with "
        "`eval \"$(bash tests/pg_test_server.sh start)\"` and run the test "
        "with `bazel test --test_env=TEST_POSTGRES_URL ...`");
  }
  auto pg = Open(url);
  if (!pg.ok()) return pg.status();
  auto conn = std::make_unique<Conn>();
  conn->pg = *std::move(pg);
  return std::unique_ptr<PostgresAdmin>(
      new PostgresAdmin(url, std::move(conn)));
}

PostgresAdmin::PostgresAdmin(std::string base_url, std::unique_ptr<Conn> conn)
    : base_url_(std::move(base_url)), conn_(std::move(conn)) {}

PostgresAdmin::~PostgresAdmin() = default;

absl::StatusOr<std::string> PostgresAdmin::QueryValue(const char* sql,
                                                      absl::string_view param) {
  if (PQstatus(conn_->pg.get()) != CONNECTION_OK) {
    auto pg = Open(base_url_);
    if (!pg.ok()) return pg.status();
    conn_->pg = *std::move(pg);
  }
  const std::string value(param);
  const char* values[] = {value.c_str()};
  ResultPtr result(PQexecParams(conn_->pg.get(), sql, param.empty() ? 0 : 1,
                                nullptr, values, nullptr, nullptr, 0));
  const ExecStatusType status =
      result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    absl::Status error = ConnectionError(conn_->pg.get(), "query");
    // A session the server ended (a restart): the next call reconnects.
    if (PQstatus(conn_->pg.get()) != CONNECTION_OK) return error;
    return absl::InternalError(error.message());
  }
  if (status == PGRES_COMMAND_OK || PQntuples(result.get()) == 0) return "";
  return std::string(PQgetvalue(result.get(), 0, 0));
}

absl::StatusOr<std::string> PostgresAdmin::NewStore(
    absl::string_view extra_options) {
  return NewPostgresTestStore(extra_options);
}

absl::StatusOr<int> PostgresAdmin::CountSessions(
    absl::string_view application_name) {
  absl::StatusOr<std::string> count = QueryValue(
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
      application_name);
  if (!count.ok()) return count.status();
  return std::atoi(count->c_str());
}

absl::Status PostgresAdmin::AwaitSessionsAtMost(
    absl::string_view application_name, int at_most, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    absl::StatusOr<int> count = CountSessions(application_name);
    if (count.ok() && *count <= at_most) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      if (!count.ok()) return count.status();
      return absl::DeadlineExceededError(absl::StrCat(
          *count, " sessions of ", application_name, " still open after ",
          absl::FormatDuration(timeout), ", expected at most ", at_most));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::StatusOr<std::string> PostgresAdmin::Setting(absl::string_view name) {
  return QueryValue("SELECT current_setting($1)", name);
}

absl::StatusOr<int> PostgresAdmin::CountBusySessionsOfRole(
    absl::string_view user) {
  absl::StatusOr<std::string> count = QueryValue(
      "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND "
      "state <> 'idle'",
      user);
  if (!count.ok()) return count.status();
  return std::atoi(count->c_str());
}

absl::StatusOr<int> PostgresAdmin::CountPgBouncerClients(
    const std::string& bouncer_url, absl::string_view user) {
  // The admin console is the pseudo-database `pgbouncer`, simple queries
  // only.
  const char* keywords[] = {"dbname", "dbname", "connect_timeout", nullptr};
  const char* values[] = {bouncer_url.c_str(), "pgbouncer", "5", nullptr};
  ConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    return ConnectionError(conn.get(), "connect to PgBouncer's admin console");
  }
  ResultPtr result(PQexec(conn.get(), "SHOW CLIENTS"));
  if (result == nullptr || PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    return absl::InternalError(
        absl::StrCat("PgBouncer SHOW CLIENTS: ", PQerrorMessage(conn.get())));
  }
  const int column = PQfnumber(result.get(), "user");
  if (column < 0) return absl::InternalError("SHOW CLIENTS has no user column");
  int count = 0;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    if (absl::string_view(PQgetvalue(result.get(), row, column)) == user) {
      ++count;
    }
  }
  return count;
}

absl::StatusOr<std::string> PostgresAdmin::ServerFolder() {
  absl::StatusOr<std::string> name = QueryValue("SHOW cluster_name", "");
  if (!name.ok()) return name.status();
  if (name->empty() || (*name)[0] != '/') {
    return absl::NotFoundError(
        "the test server has no folder as its cluster_name: start it with "
        "tests/pg_test_server.sh");
  }
  return *name;
}

}  // namespace testing
}  // namespace parley
