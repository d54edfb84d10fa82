#include "backends/sqlite/sqlite_backend.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "backends/sql/pool_options.h"
#include "backends/sql/sql_backend.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/sql_dialect.h"
#include "backends/sql/sql_pool.h"
#include "backends/sqlite/sqlite_error.h"
#include "backends/sqlite/sqlite_writer_gate.h"
#include "storage/status_macros.h"

namespace parley {
namespace {

using sql::SqlConnection;

// Why a database file could not be opened, with its path: SQLite's own
// message ("unable to open database file") names neither. A missing folder
// or a permission is not healed by retrying.
absl::Status OpenFailure(sqlite3* db, int rc, const std::string& path) {
  const int error = db != nullptr ? sqlite3_system_errno(db) : 0;
  absl::Status status = sqlite::SqliteStatus(
      db, rc, absl::StrCat("open database \"", path, "\""));
  if ((rc & 0xff) != SQLITE_CANTOPEN || error == 0) return status;
  absl::StatusCode code = status.code();
  std::string cause;
  if (error == ENOENT || error == ENOTDIR) {
    const size_t slash = path.rfind('/');
    const std::string folder =
        slash == std::string::npos ? "." : path.substr(0, slash);
    cause = absl::StrCat("folder \"", folder, "\" does not exist");
    code = absl::StatusCode::kFailedPrecondition;
  } else if (error == EACCES || error == EPERM || error == EROFS) {
    cause = absl::StrCat("permission denied (", std::strerror(error), ")");
    code = absl::StatusCode::kPermissionDenied;
  } else if (error == EISDIR) {
    cause = "the path is a folder";
    code = absl::StatusCode::kFailedPrecondition;
  } else {
    cause = std::strerror(error);
  }
  return absl::Status(code, absl::StrCat(status.message(), " (", cause, ")"));
}
using sql::SqlRow;
using sql::SqlValue;
using sql::TransactionMode;
using sqlite::SqliteStatus;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

struct SqliteSettings {
  std::string path;
  bool in_memory = false;
  // Shared by every connection to the file in this process; null for
  // :memory:, whose one connection the pool already serializes.
  std::shared_ptr<sqlite::WriterGate> writer_gate;
  int busy_timeout_ms = 5000;
  std::string synchronous = "FULL";
  // Concurrent writers of this store commit together (sql::GroupCommit).
  bool group_commit = true;
};

class SqliteRow : public SqlRow {
 public:
  explicit SqliteRow(sqlite3_stmt* stmt) : stmt_(stmt) {}
  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  std::string Text(int column) const override {
    std::string out;
    TextInto(column, &out);
    return out;
  }
  void TextInto(int column, std::string* out) const override {
    const absl::string_view text = View(column);
    out->assign(text.data(), text.size());
  }
  absl::string_view TextView(int column, std::string*) const override {
    return View(column);
  }
  int64_t Int64(int column) const override {
    return sqlite3_column_int64(stmt_, column);
  }
  bool Bool(int column) const override {
    return sqlite3_column_int64(stmt_, column) != 0;
  }

 private:
  // SQLite's own buffer for the column, valid until the next step.
  absl::string_view View(int column) const {
    // Blobs too: JSON numbers are stored as blobs (see Bind).
    const void* data = sqlite3_column_type(stmt_, column) == SQLITE_BLOB
                           ? sqlite3_column_blob(stmt_, column)
                           : sqlite3_column_text(stmt_, column);
    if (data == nullptr) return absl::string_view();
    return absl::string_view(static_cast<const char*>(data),
                             sqlite3_column_bytes(stmt_, column));
  }

  sqlite3_stmt* stmt_;
};

// Whether `json` would be taken for a number by a column of NUMERIC affinity.
bool LooksNumeric(absl::string_view json) {
  return !json.empty() && (json[0] == '-' || absl::ascii_isdigit(json[0]));
}

class SqliteConnection : public SqlConnection {
 public:
  SqliteConnection(DbPtr db, std::shared_ptr<sqlite::WriterGate> gate)
      : db_(std::move(db)), gate_(std::move(gate)) {}
  ~SqliteConnection() override { LeaveGateIfDone(/*force=*/true); }

  absl::StatusOr<int64_t> Execute(
      absl::string_view sql, absl::Span<const SqlValue> params,
      absl::FunctionRef<absl::Status(const SqlRow&)> on_row) override {
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    // Leave the statement reset whatever happens, so it holds no read lock
    // and is ready for its next use.
    struct Resetter {
      sqlite3_stmt* stmt;
      ~Resetter() {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
      }
    } resetter{stmt};
    for (size_t i = 0; i < params.size(); ++i) {
      RETURN_IF_ERROR(Bind(stmt, static_cast<int>(i) + 1, params[i]));
    }
    SqliteRow row(stmt);
    while (true) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return SqliteStatus(db_.get(), rc, "step");
      RETURN_IF_ERROR(on_row(row));
    }
    return sqlite3_changes64(db_.get());
  }

  absl::Status ExecuteScript(absl::string_view sql) override {
    const std::string text(sql);
    const int rc =
        sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
    return SqliteStatus(db_.get(), rc, "exec");
  }

  absl::Status Begin(TransactionMode mode) override {
    // IMMEDIATE takes the write lock now. A deferred transaction that reads
    // and then writes gets SQLITE_BUSY_SNAPSHOT when another connection
    // committed in between, and no busy timeout cures that.
    if (mode != TransactionMode::kWrite) return Run("BEGIN DEFERRED", "begin");
    // This process's writers take the write lock in turn (WriterGate);
    // BEGIN IMMEDIATE then waits only for other processes.
    if (gate_ != nullptr && !in_gate_) {
      gate_->Enter();
      in_gate_ = true;
    }
    absl::Status begun = Run("BEGIN IMMEDIATE", "begin immediate");
    LeaveGateIfDone();
    return begun;
  }
  absl::Status Commit() override {
    absl::Status committed = Run("COMMIT", "commit");
    LeaveGateIfDone();
    return committed;
  }
  absl::Status Rollback() override {
    // SQLite may have rolled back already (after SQLITE_FULL, say).
    absl::Status rolled_back =
        InTransaction() ? Run("ROLLBACK", "rollback") : absl::OkStatus();
    LeaveGateIfDone();
    return rolled_back;
  }
  bool InTransaction() const override {
    return sqlite3_get_autocommit(db_.get()) == 0;
  }

 private:
  // Ends this connection's turn at the writer gate once its transaction is
  // over (or, with `force`, when the connection goes away).
  void LeaveGateIfDone(bool force = false) {
    if (in_gate_ && (force || !InTransaction())) {
      in_gate_ = false;
      gate_->Leave();
    }
  }

  absl::StatusOr<sqlite3_stmt*> Prepare(absl::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second.get();
    sqlite3_stmt* raw = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) return SqliteStatus(db_.get(), rc, "prepare");
    return cache_.emplace(std::string(sql), std::move(stmt))
        .first->second.get();
  }

  absl::Status Bind(sqlite3_stmt* stmt, int index, const SqlValue& value) {
    int rc = SQLITE_OK;
    switch (value.kind()) {
      case SqlValue::Kind::kNull:
        rc = sqlite3_bind_null(stmt, index);
        break;
      case SqlValue::Kind::kText:
        rc = sqlite3_bind_text64(stmt, index, value.text().data(),
                                 value.text().size(), SQLITE_STATIC,
                                 SQLITE_UTF8);
        break;
      case SqlValue::Kind::kJson:
        // The rewrite declared its payload columns JSON, which SQLite gives
        // NUMERIC affinity: a payload that is a bare number ("1e-07",
        // "1.10", a 20-digit integer) would be stored as a REAL and read
        // back as other text. A blob is stored as given.
        if (LooksNumeric(value.text())) {
          rc = sqlite3_bind_blob64(stmt, index, value.text().data(),
                                   value.text().size(), SQLITE_STATIC);
        } else {
          rc = sqlite3_bind_text64(stmt, index, value.text().data(),
                                   value.text().size(), SQLITE_STATIC,
                                   SQLITE_UTF8);
        }
        break;
      case SqlValue::Kind::kInt64:
        rc = sqlite3_bind_int64(stmt, index, value.int64());
        break;
      case SqlValue::Kind::kBool:
        rc = sqlite3_bind_int(stmt, index, value.boolean() ? 1 : 0);
        break;
    }
    return SqliteStatus(db_.get(), rc, "bind");
  }

  absl::Status Run(absl::string_view sql, absl::string_view context) {
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return SqliteStatus(db_.get(), rc, context);
  }

  DbPtr db_;
  // Declared after db_, so destroyed (finalized) before it is closed.
  absl::flat_hash_map<std::string, StmtPtr> cache_;
  std::shared_ptr<sqlite::WriterGate> gate_;
  bool in_gate_ = false;
};

absl::StatusOr<std::unique_ptr<SqlConnection>> OpenConnection(
    const SqliteSettings& settings) {
  sqlite3* raw = nullptr;
  // NOMUTEX: a connection is used by one thread at a time (the pool's lease
  // guarantees it), so SQLite's per-call mutex is not needed.
  const int rc = sqlite3_open_v2(
      settings.path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    return OpenFailure(db.get(), rc, settings.path);
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), settings.busy_timeout_ms);
  const auto pragma = [&](const std::string& sql) {
    return SqliteStatus(
        db.get(),
        sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr), sql);
  };
  if (!settings.in_memory) {
    // Readers never block the writer and the writer never blocks readers.
    // Switching a new file to WAL takes an exclusive lock that other
    // processes opening it at the same moment may hold: retry briefly.
    absl::Status wal;
    for (int attempt = 0; attempt < 100; ++attempt) {
      wal = pragma("PRAGMA journal_mode=WAL");
      if (!absl::IsUnavailable(wal)) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    RETURN_IF_ERROR(wal);
  }
  RETURN_IF_ERROR(
      pragma(absl::StrCat("PRAGMA synchronous=", settings.synchronous)));
  RETURN_IF_ERROR(pragma("PRAGMA foreign_keys=ON"));
  return std::make_unique<SqliteConnection>(std::move(db),
                                            settings.writer_gate);
}

// The file a sqlite: URL names. SQLAlchemy's pysqlite dialect opens
// ":memory:" when the database part is empty ("sqlite://", "sqlite:///").
std::string SqliteFile(const StorageUrl& url) {
  return url.path().empty() ? ":memory:" : url.path();
}

absl::Status ReadSqliteOptions(const StorageUrl& url,
                               SqliteSettings* settings) {
  for (const auto& [key, value] : url.options()) {
    if (key == "busy_timeout_ms") {
      if (!absl::SimpleAtoi(value, &settings->busy_timeout_ms) ||
          settings->busy_timeout_ms < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "sqlite url option busy_timeout_ms: expected a number of "
            "milliseconds >= 0, got \"",
            value, "\""));
      }
    } else if (key == "synchronous") {
      const std::string mode = absl::AsciiStrToLower(value);
      if (mode != "full" && mode != "normal" && mode != "off") {
        return absl::InvalidArgumentError(absl::StrCat(
            "sqlite url option synchronous: expected full, normal or off, "
            "got \"",
            value, "\""));
      }
      settings->synchronous = absl::AsciiStrToUpper(mode);
    } else if (key == "group_commit") {
      ASSIGN_OR_RETURN(settings->group_commit, ParseBoolOption(key, value));
    } else if (key == "pool_recycle" || key == "pool_pre_ping") {
      // A connection to a file never goes stale: accepting these and doing
      // nothing would promise what does not happen.
      return url.Invalid(absl::StrCat(
          "option \"", key,
          "\" applies to client-server stores (postgresql), not to a SQLite "
          "file"));
    } else if (!IsPoolOption(key)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sqlite url: unknown option \"", key, "\" in ", url.Redacted()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> OpenSqliteBackend(
    const StorageUrl& url, const BackendOptions& options) {
  auto settings = std::make_shared<SqliteSettings>();
  settings->path = SqliteFile(url);
  settings->in_memory = settings->path == ":memory:";
  if (!settings->in_memory) {
    settings->writer_gate = sqlite::WriterGate::ForFile(settings->path);
  }
  RETURN_IF_ERROR(ReadSqliteOptions(url, settings.get()));
  // pool_recycle and pool_pre_ping were refused above.
  ASSIGN_OR_RETURN(PoolOptions pool, ReadPoolOptions(url));
  // Every sqlite3_open of ":memory:" is a new, empty database: an in-memory
  // store is one connection that every caller shares in turn.
  if (settings->in_memory) {
    pool.pool_size = 1;
    pool.max_overflow = 0;
  }
  auto source = std::make_unique<sql::SqlConnectionPool>(
      [settings]() { return OpenConnection(*settings); }, pool,
      sql::IdleOrder::kSameThreadFirst, sql::Overflow::kKeep);
  // Open one connection now, so that a path that cannot be opened fails
  // here rather than at the first call.
  { ASSIGN_OR_RETURN(sql::SqlConnectionLease lease, source->Acquire()); }
  return sql::NewSqlBackend(
      std::move(source), sql::SqliteDialect(), options,
      /*runner=*/nullptr,
      settings->group_commit ? sql::Writes::kGrouped : sql::Writes::kEach);
}

namespace {

class SqliteType final : public BackendType {
 public:
  absl::string_view name() const override { return "sqlite"; }

  // SQLAlchemy's driver suffixes name a Python driver; they do not change
  // what the URL means. Other drivers are refused rather than guessed at:
  // sqlite+pysqlcipher, for one, means an encrypted file.
  std::vector<absl::string_view> schemes() const override {
    return {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"};
  }

  UrlSyntax url_syntax() const override {
    return {UrlSyntax::Authority::kEmpty,
            "sqlite URLs have three slashes and no host: "
            "sqlite:///relative.db, sqlite:////absolute.db or "
            "sqlite:///:memory:"};
  }

  absl::Status CheckUrl(const StorageUrl& url) const override {
    SqliteSettings settings;
    RETURN_IF_ERROR(ReadSqliteOptions(url, &settings));
    absl::StatusOr<PoolOptions> pool = ReadPoolOptions(url);
    if (!pool.ok()) return url.Invalid(pool.status().message());
    return absl::OkStatus();
  }

  // No serialized_writes: SQLite admits one writer at a time, but writes
  // from many threads are committed in groups (group_commit.h), so
  // AsyncStorage gains from running them on all its threads. A writer lane
  // gave async W=64 the throughput of W=1 (the benchmark's edit phase:
  // 1.00x; without the lane 3.47x).

  absl::StatusOr<std::unique_ptr<Backend>> Open(
      const StorageUrl& url, const BackendOptions& options) const override {
    return OpenSqliteBackend(url, options);
  }

  absl::Status CheckExists(const StorageUrl& url) const override {
    const std::string file = SqliteFile(url);
    struct stat st;
    if (file == ":memory:" || ::stat(file.c_str(), &st) == 0) {
      return absl::OkStatus();
    }
    return absl::NotFoundError(
        absl::StrCat("database file ", file, " does not exist"));
  }

  bool SameStore(const StorageUrl& a, const StorageUrl& b) const override {
    const std::string file_a = SqliteFile(a);
    const std::string file_b = SqliteFile(b);
    if (file_a == ":memory:") return false;  // every open is a new database
    return SamePath(file_a, file_b);
  }
};

}  // namespace

const BackendType& SqliteBackendType() {
  static const SqliteType* const type = new SqliteType();
  return *type;
}

}  // namespace parley
