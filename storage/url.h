// DATABASE_URL parsing and redaction.
//
// Accepted forms:
//   json:data  json:./data  json:/srv/app/data        a folder of JSON files
//   json:///data (relative)  json:////srv/app/data     (absolute)
//   sqlite:///relative.db  sqlite:////absolute.db  sqlite:///:memory:
//   sqlite+aiosqlite://... (the SQLAlchemy driver form; same meaning)
//   postgresql://user:pass@host:port/db?opt=val   postgres://...
//   postgresql+asyncpg://...  postgresql+psycopg2://...
//   multi-host: postgresql://h1:5432,h2:5433/db?target_session_attrs=read-write
// Components are percent-decoded. Query options: the pool's (pool_size,
// max_overflow, pool_timeout, pool_recycle, pool_pre_ping), Parley's own per
// backend (see README.md), and for PostgreSQL any libpq keyword (sslmode,
// connect_timeout, application_name, target_session_attrs, ...).
#ifndef PARLEY_STORAGE_URL_H_
#define PARLEY_STORAGE_URL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parley {

class StorageUrl {
 public:
  enum class Kind { kJson, kSqlite, kPostgres };

  struct Host {
    std::string host;  // decoded; may be empty (libpq's default socket)
    std::string port;  // decoded; may be empty
  };

  // Parses `url`. InvalidArgument for an unknown scheme, a malformed URL, a
  // bad percent escape, or an option with a malformed value; the message
  // names the problem and shows the URL only in redacted form.
  static absl::StatusOr<StorageUrl> Parse(absl::string_view url);

  Kind kind() const { return kind_; }
  // "json", "sqlite" or "postgresql": the registry key.
  absl::string_view backend_name() const;
  // The scheme as written ("postgresql+asyncpg").
  const std::string& scheme() const { return scheme_; }

  // json: the folder; sqlite: the file path or ":memory:". Decoded.
  const std::string& path() const { return path_; }

  // postgres only (decoded).
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  bool has_password() const { return has_password_; }
  const std::vector<Host>& hosts() const { return hosts_; }
  const std::string& database() const { return database_; }

  // Query options in the order written, decoded. A key given twice keeps the
  // last value.
  const std::vector<std::pair<std::string, std::string>>& options() const {
    return options_;
  }
  // The value of option `key`, or nullptr.
  const std::string* FindOption(absl::string_view key) const;

  // The URL with the password replaced by "***": the only form of a URL that
  // may appear in a message, a log line or `parley info`.
  std::string Redacted() const;

 private:
  Kind kind_ = Kind::kJson;
  std::string scheme_;
  std::string path_;
  std::string user_;
  std::string password_;
  bool has_password_ = false;
  std::vector<Host> hosts_;
  std::string database_;
  std::vector<std::pair<std::string, std::string>> options_;
  // json: and sqlite: only: the URL was written with a path after "//"
  // (json:///data, sqlite:///x.db) rather than json:data or a bare
  // sqlite://. Redacted() keeps the form as written.
  bool triple_slash_ = false;
};

// Connection-pool settings read from URL options, with SQLAlchemy's
// defaults and meaning.
struct PoolOptions {
  int pool_size = 5;            // connections kept open
  int max_overflow = 10;        // extra connections allowed under load
  double pool_timeout_s = 30;   // wait for a free connection, then
                                // ResourceExhausted
  double pool_recycle_s = -1;   // reopen connections older than this; <0 never
  bool pool_pre_ping = false;   // check a connection before handing it out
};

// Reads the pool options from `url` (defaults for those not given).
// InvalidArgument naming the option for a malformed or negative value.
absl::StatusOr<PoolOptions> ReadPoolOptions(const StorageUrl& url);

// Parses a boolean option value: true/false, 1/0, yes/no, on/off.
absl::StatusOr<bool> ParseBoolOption(absl::string_view key,
                                     absl::string_view value);

}  // namespace parley

#endif  // PARLEY_STORAGE_URL_H_
