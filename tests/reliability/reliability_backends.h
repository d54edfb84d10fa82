// The backends the reliability tests run against, each a fresh store per
// call (after tests/backend_conformance.h's BackendUnderTest).
#ifndef PARLEY_TESTS_RELIABILITY_RELIABILITY_BACKENDS_H_
#define PARLEY_TESTS_RELIABILITY_RELIABILITY_BACKENDS_H_

#include <unistd.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "backends/postgres/postgres_test_store.h"
#include "gtest/gtest.h"
#include "tests/reliability/postgres_admin.h"
#include "tests/temp_dir.h"

namespace parley {
namespace testing {

struct ReliabilityBackend {
  std::string name;
  // A new empty store: its URL, and the folder that holds its files.
  std::function<void(std::string* url, std::string* folder)> fresh;
  // Client-server stores only (null otherwise): waits until the server has
  // ended every session of the killed clients of store `url`. Until then a
  // COMMIT a killed client sent may still take effect, so the store is not
  // yet what its clients left behind.
  std::function<absl::Status(const std::string& url)> await_clients_gone;
};

inline std::ostream& operator<<(std::ostream& os,
                                const ReliabilityBackend& backend) {
  return os << backend.name;
}

// An application_name no other test process uses at the same time. Bazel's
// sandboxes give every test the same small pids, and the tests share one
// server (and PgBouncer forwards application_name), so a pid alone is not
// enough: a session of another test would count as one of ours.
inline std::string UniqueApplicationName(absl::string_view prefix) {
  return absl::StrCat(prefix, ::getpid(), "_", absl::ToUnixMicros(absl::Now()));
}

inline ReliabilityBackend JsonReliabilityBackend() {
  return {"json",
          [](std::string* url, std::string* folder) {
            *folder = FreshTempDir("json_store");
            *url = "json:" + *folder;
          },
          nullptr};
}

inline ReliabilityBackend SqliteReliabilityBackend() {
  return {"sqlite",
          [](std::string* url, std::string* folder) {
            *folder = FreshTempDir("sqlite_store");
            *url = "sqlite:///" + *folder + "/store.db";
          },
          nullptr};
}

// The application_name every client of a PostgresReliabilityBackend store
// uses, for counting its sessions.
inline std::string ReliabilityApplicationName(absl::string_view url) {
  constexpr absl::string_view kKey = "application_name=";
  const size_t at = url.find(kKey);
  if (at == absl::string_view::npos) return "";
  absl::string_view name = url.substr(at + kKey.size());
  return std::string(name.substr(0, name.find('&')));
}

// A new schema on the server TEST_POSTGRES_URL names; there is no folder.
inline ReliabilityBackend PostgresReliabilityBackend() {
  return {"postgresql",
          [](std::string* url, std::string* folder) {
            folder->clear();
            absl::StatusOr<std::unique_ptr<PostgresAdmin>> admin =
                PostgresAdmin::Connect();
            absl::StatusOr<std::string> store =
                admin.ok() ? (*admin)->NewStore(absl::StrCat(
                                 "application_name=",
                                 UniqueApplicationName("parley_reliability_")))
                           : admin.status();
            if (!store.ok()) {
              ADD_FAILURE() << "no fresh PostgreSQL store: " << store.status();
              *url = "unavailable:no-test-postgres-server";
              return;
            }
            *url = *store;
          },
          [](const std::string& url) -> absl::Status {
            absl::StatusOr<std::unique_ptr<PostgresAdmin>> admin =
                PostgresAdmin::Connect();
            if (!admin.ok()) return admin.status();
            return (*admin)->AwaitSessionsAtMost(
                ReliabilityApplicationName(url), 0, absl::Seconds(10));
          }};
}

// The role of a NewPgBouncerTestStore URL (postgresql://ROLE:PW@...).
inline std::string PgBouncerStoreRole(absl::string_view url) {
  const size_t start = url.find("://");
  if (start == absl::string_view::npos) return "";
  absl::string_view rest = url.substr(start + 3);
  return std::string(rest.substr(0, rest.find(':')));
}

// A new role and schema reached through the test PgBouncer in `mode`
// (backends/postgres/postgres_test_store.h). A killed client's work is over
// once PgBouncer holds none of the role's clients and the server none of its
// sessions in a statement or transaction (PgBouncer keeps idle server
// sessions pooled; those are not the client's).
inline ReliabilityBackend PgBouncerReliabilityBackend(PgBouncerMode mode) {
  return {
      mode == PgBouncerMode::kTransaction ? "pgbouncer_transaction"
                                          : "pgbouncer_session",
      [mode](std::string* url, std::string* folder) {
        folder->clear();
        absl::StatusOr<std::string> store = NewPgBouncerTestStore(
            mode, absl::StrCat("application_name=",
                               UniqueApplicationName("parley_reliability_")));
        if (!store.ok()) {
          ADD_FAILURE() << "no fresh store behind PgBouncer: "
                        << store.status();
          *url = "unavailable:no-test-pgbouncer";
          return;
        }
        *url = *store;
      },
      [mode](const std::string& url) -> absl::Status {
        absl::StatusOr<std::string> bouncer = TestPgBouncerUrl(mode);
        if (!bouncer.ok()) return bouncer.status();
        absl::StatusOr<std::unique_ptr<PostgresAdmin>> admin =
            PostgresAdmin::Connect();
        if (!admin.ok()) return admin.status();
        const std::string role = PgBouncerStoreRole(url);
        const absl::Time deadline = absl::Now() + absl::Seconds(10);
        while (true) {
          absl::StatusOr<int> clients =
              PostgresAdmin::CountPgBouncerClients(*bouncer, role);
          absl::StatusOr<int> busy = (*admin)->CountBusySessionsOfRole(role);
          if (clients.ok() && busy.ok() && *clients == 0 && *busy == 0) {
            return absl::OkStatus();
          }
          if (absl::Now() >= deadline) {
            if (!clients.ok()) return clients.status();
            if (!busy.ok()) return busy.status();
            return absl::DeadlineExceededError(
                absl::StrCat(*clients, " PgBouncer clients and ", *busy,
                             " busy server sessions of ", role, " after 10 s"));
          }
          absl::SleepFor(absl::Milliseconds(10));
        }
      }};
}

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_RELIABILITY_RELIABILITY_BACKENDS_H_
