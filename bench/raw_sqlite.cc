#include "bench/raw_sqlite.h"

#include <sqlite3.h>

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"

namespace parley {
namespace bench {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

absl::Status Error(sqlite3* db, int rc, absl::string_view context) {
  const std::string message =
      absl::StrCat("raw sqlite3: ", context, ": ", sqlite3_errstr(rc), ": ",
                   db != nullptr ? sqlite3_errmsg(db) : "");
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

class RawSqlite : public RawConnection {
 public:
  explicit RawSqlite(DbPtr db) : db_(std::move(db)) {}

  absl::Status Prepare() {
    for (int i = 0; i < kStmtCount; ++i) {
      const std::string text =
          StmtText(static_cast<Stmt>(i), "strftime('%Y-%m-%d %H:%M:%f', 'now')",
                   "", '?');
      sqlite3_stmt* raw = nullptr;
      const int rc =
          sqlite3_prepare_v3(db_.get(), text.c_str(), -1,
                             SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      stmts_[i].reset(raw);
      if (rc != SQLITE_OK) return Error(db_.get(), rc, "prepare");
    }
    for (const char* sql :
         {"BEGIN IMMEDIATE", "BEGIN DEFERRED", "COMMIT", "ROLLBACK"}) {
      sqlite3_stmt* raw = nullptr;
      const int rc = sqlite3_prepare_v3(
          db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      control_.emplace_back(raw);
      if (rc != SQLITE_OK) return Error(db_.get(), rc, sql);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<RawRows> Exec(Stmt which,
                               const std::vector<RawParam>& params) override {
    sqlite3_stmt* stmt = stmts_[static_cast<int>(which)].get();
    for (size_t i = 0; i < params.size(); ++i) {
      const RawParam& p = params[i];
      const int index = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      switch (p.kind) {
        case RawParam::Kind::kNull:
          rc = sqlite3_bind_null(stmt, index);
          break;
        case RawParam::Kind::kText:
          rc = sqlite3_bind_text64(stmt, index, p.text.data(), p.text.size(),
                                   SQLITE_STATIC, SQLITE_UTF8);
          break;
        case RawParam::Kind::kInt:
        case RawParam::Kind::kBool:
          rc = sqlite3_bind_int64(stmt, index, p.number);
          break;
      }
      if (rc != SQLITE_OK) return Error(db_.get(), rc, "bind");
    }
    RawRows rows;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      const int n = sqlite3_column_count(stmt);
      std::vector<std::string>& row = rows.emplace_back(n);
      for (int c = 0; c < n; ++c) {
        const unsigned char* text = sqlite3_column_text(stmt, c);
        if (text != nullptr) {
          row[c].assign(reinterpret_cast<const char*>(text),
                        sqlite3_column_bytes(stmt, c));
        }
      }
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (rc != SQLITE_DONE) return Error(db_.get(), rc, "step");
    return rows;
  }

  absl::Status Begin(bool write) override {
    return Control(write ? 0 : 1, "begin");
  }
  absl::Status Commit() override { return Control(2, "commit"); }
  absl::Status Rollback() override {
    if (sqlite3_get_autocommit(db_.get())) return absl::OkStatus();
    return Control(3, "rollback");
  }

 private:
  absl::Status Control(int index, absl::string_view context) {
    sqlite3_stmt* stmt = control_[index].get();
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return Error(db_.get(), rc, context);
    return absl::OkStatus();
  }

  DbPtr db_;
  // Declared after db_, so finalized before it is closed.
  std::array<StmtPtr, kStmtCount> stmts_;
  std::vector<StmtPtr> control_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RawConnection>> OpenRawSqlite(
    const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) return Error(db.get(), rc, "open");
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), 5000);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=ON"}) {
    const int prc = sqlite3_exec(db.get(), pragma, nullptr, nullptr, nullptr);
    if (prc != SQLITE_OK) return Error(db.get(), prc, pragma);
  }
  auto connection = std::make_unique<RawSqlite>(std::move(db));
  absl::Status prepared = connection->Prepare();
  if (!prepared.ok()) return prepared;
  return connection;
}

}  // namespace bench
}  // namespace parley
