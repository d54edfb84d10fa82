#include "bench/raw_libpq.h"

#include <postgresql/libpq-fe.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace parley {
namespace bench {
namespace {

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

absl::Status Error(PGconn* conn, const PGresult* result,
                   absl::string_view context) {
  const char* state = result != nullptr
                          ? PQresultErrorField(result, PG_DIAG_SQLSTATE)
                          : nullptr;
  const std::string message =
      absl::StrCat("raw libpq: ", context, ": ", state != nullptr ? state : "",
                   " ", conn != nullptr ? PQerrorMessage(conn) : "");
  if (state != nullptr && (absl::string_view(state) == "40001" ||
                           absl::string_view(state) == "40P01")) {
    return absl::AbortedError(message);
  }
  return absl::InternalError(message);
}

class RawLibpq : public RawConnection {
 public:
  explicit RawLibpq(ConnPtr conn) : conn_(std::move(conn)) {}

  absl::Status Prepare() {
    for (int i = 0; i < kStmtCount; ++i) {
      const std::string text =
          StmtText(static_cast<Stmt>(i), "(now() AT TIME ZONE 'utc')",
                   " FOR UPDATE", '$');
      ResultPtr result(PQprepare(conn_.get(), absl::StrCat("s", i).c_str(),
                                 text.c_str(), 0, nullptr));
      if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
        return Error(conn_.get(), result.get(), "prepare");
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<RawRows> Exec(Stmt which,
                               const std::vector<RawParam>& params) override {
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const RawParam& p = params[i];
      switch (p.kind) {
        case RawParam::Kind::kNull:
          values[i] = nullptr;
          continue;
        case RawParam::Kind::kText:
          values[i] = p.text.c_str();
          continue;
        case RawParam::Kind::kInt:
          texts[i] = absl::StrCat(p.number);
          break;
        case RawParam::Kind::kBool:
          texts[i] = p.number ? "true" : "false";
          break;
      }
      values[i] = texts[i].c_str();
    }
    const std::string name = absl::StrCat("s", static_cast<int>(which));
    ResultPtr result(PQexecPrepared(conn_.get(), name.c_str(),
                                    static_cast<int>(values.size()),
                                    values.data(), nullptr, nullptr, 0));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      return Error(conn_.get(), result.get(), "execute");
    }
    RawRows rows;
    const int n = PQntuples(result.get());
    const int columns = PQnfields(result.get());
    rows.reserve(n);
    for (int r = 0; r < n; ++r) {
      std::vector<std::string>& row = rows.emplace_back(columns);
      for (int c = 0; c < columns; ++c) {
        row[c].assign(PQgetvalue(result.get(), r, c),
                      PQgetlength(result.get(), r, c));
      }
    }
    return rows;
  }

  absl::Status Begin(bool write) override {
    (void)write;  // READ COMMITTED either way, as the backend
    return Command("BEGIN");
  }
  absl::Status Commit() override { return Command("COMMIT"); }
  absl::Status Rollback() override { return Command("ROLLBACK"); }

 private:
  absl::Status Command(const char* sql) {
    ResultPtr result(PQexec(conn_.get(), sql));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return Error(conn_.get(), result.get(), sql);
    }
    return absl::OkStatus();
  }

  ConnPtr conn_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RawConnection>> OpenRawLibpq(
    const std::string& conninfo) {
  ConnPtr conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    // PQerrorMessage does not repeat the password.
    return absl::UnavailableError(
        absl::StrCat("raw libpq: connect: ", PQerrorMessage(conn.get())));
  }
  auto connection = std::make_unique<RawLibpq>(std::move(conn));
  absl::Status prepared = connection->Prepare();
  if (!prepared.ok()) return prepared;
  return connection;
}

absl::Status ExecuteLibpq(const std::string& conninfo, const std::string& sql) {
  ConnPtr conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("raw libpq: connect: ", PQerrorMessage(conn.get())));
  }
  ResultPtr result(PQexec(conn.get(), sql.c_str()));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return Error(conn.get(), result.get(), sql);
  }
  return absl::OkStatus();
}

std::string WithDatabase(const std::string& url, const std::string& db) {
  const size_t scheme = url.find("://");
  const size_t slash =
      url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const size_t query = url.find('?', slash == std::string::npos ? 0 : slash);
  std::string out =
      url.substr(0, slash == std::string::npos ? url.size() : slash);
  absl::StrAppend(&out, "/", db);
  if (query != std::string::npos) absl::StrAppend(&out, url.substr(query));
  return out;
}

}  // namespace bench
}  // namespace parley
