#include "backends/postgres/postgres_connection.h"

#include <postgresql/libpq-fe.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "backends/postgres/postgres_error.h"
#include "backends/postgres/postgres_wire.h"
#include "storage/status_util.h"
#include "storage/url.h"

namespace parley {
namespace postgres {
namespace {

// URL options that configure Parley, not libpq.
constexpr absl::string_view kParleyOptions[] = {
    "pool_size",    "max_overflow",         "pool_timeout",
    "pool_recycle", "pool_pre_ping",        "prepared_statements",
    "pipeline",     "pipeline_connections",
};

bool IsParleyOption(absl::string_view key) {
  for (absl::string_view option : kParleyOptions) {
    if (key == option) return true;
  }
  return false;
}

// The keywords this libpq accepts, asked of libpq itself rather than copied
// into a list here, so that a newer libpq's keywords (say, load_balance_hosts
// in 16) work without a change to Parley.
const absl::flat_hash_set<std::string>& LibpqKeywords() {
  static const auto* const kKeywords = [] {
    auto* keywords = new absl::flat_hash_set<std::string>();
    std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> defaults(
        PQconndefaults(), PQconninfoFree);
    if (defaults != nullptr) {
      for (const PQconninfoOption* o = defaults.get(); o->keyword != nullptr;
           ++o) {
        keywords->insert(o->keyword);
      }
    }
    return keywords;
  }();
  return *kKeywords;
}

// The server should never echo the password, and libpq does not put it in
// its messages; this is the belt to those braces, since a message with a
// password in it must never exist at all.
std::string Scrub(std::string message, absl::string_view password) {
  if (password.empty()) return message;
  return absl::StrReplaceAll(message, {{password, "***"}});
}

absl::Status ScrubStatus(const absl::Status& status,
                         absl::string_view password) {
  if (status.ok() || password.empty() ||
      status.message().find(password) == absl::string_view::npos) {
    return status;
  }
  absl::Status scrubbed(status.code(),
                        Scrub(std::string(status.message()), password));
  status.ForEachPayload(
      [&scrubbed](absl::string_view url, const absl::Cord& payload) {
        scrubbed.SetPayload(url, payload);
      });
  return scrubbed;
}

}  // namespace

absl::StatusOr<PostgresConnectParams> PostgresConnectParams::FromUrl(
    const StorageUrl& url) {
  PostgresConnectParams params;
  params.redacted_url_ = url.Redacted();
  auto add = [&params](absl::string_view keyword, absl::string_view value) {
    params.keywords_.emplace_back(keyword);
    params.values_.emplace_back(value);
  };

  std::vector<absl::string_view> hosts;
  std::vector<absl::string_view> ports;
  bool any_host = false;
  bool any_port = false;
  for (const StorageUrl::Host& host : url.hosts()) {
    hosts.push_back(host.host);
    ports.push_back(host.port);
    any_host = any_host || !host.host.empty();
    any_port = any_port || !host.port.empty();
  }
  // libpq takes comma-separated host and port lists, position by position;
  // an empty entry means that entry's default.
  if (any_host) add("host", absl::StrJoin(hosts, ","));
  if (any_port) add("port", absl::StrJoin(ports, ","));
  if (!url.user().empty()) add("user", url.user());
  if (url.has_password()) {
    add("password", url.password());
    params.password_ = url.password();
  }
  if (!url.path().empty()) add("dbname", url.path());
  add("connect_timeout", "10");

  const absl::flat_hash_set<std::string>& libpq_keywords = LibpqKeywords();
  for (const auto& [key, value] : url.options()) {
    if (key == "prepared_statements") {
      absl::StatusOr<bool> enabled = ParseBoolOption(key, value);
      if (!enabled.ok()) return enabled.status();
      params.prepared_statements_ = *enabled;
      params.prepared_statements_given_ = true;
      continue;
    }
    if (key == "pipeline") {
      absl::StatusOr<bool> enabled = ParseBoolOption(key, value);
      if (!enabled.ok()) return enabled.status();
      params.pipeline_ = *enabled;
      params.pipeline_given_ = true;
      continue;
    }
    if (key == "pipeline_connections") {
      int n = 0;
      if (!absl::SimpleAtoi(value, &n) || n < 1 || n > 64) {
        return absl::InvalidArgumentError(absl::StrCat(
            "database URL ", params.redacted_url_,
            ": option pipeline_connections must be a whole number from 1 "
            "to 64, not \"",
            value, "\""));
      }
      params.pipeline_connections_ = n;
      continue;
    }
    if (IsParleyOption(key)) continue;
    if (!libpq_keywords.contains(key)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "database URL ", params.redacted_url_, ": option \"", key,
          "\" is neither a libpq connection keyword nor a Parley option "
          "(pool_size, max_overflow, pool_timeout, pool_recycle, "
          "pool_pre_ping, prepared_statements, pipeline, "
          "pipeline_connections)"));
    }
    if (key == "password") params.password_ = value;
    // Later keywords override earlier ones in PQconnectdbParams, so an
    // option may override what the URL's authority said (as in libpq's own
    // URIs), and a given connect_timeout replaces the default above.
    add(key, value);
  }
  // Parley reads and writes UTF-8, whatever the server's encoding.
  add("client_encoding", "UTF8");
  return params;
}

PostgresConnectParams PostgresConnectParams::ForPooler() const {
  PostgresConnectParams params = *this;
  if (!params.prepared_statements_given_) params.prepared_statements_ = false;
  if (!params.pipeline_given_) params.pipeline_ = false;
  return params;
}

absl::StatusOr<std::unique_ptr<PostgresConnection>> PostgresConnection::Open(
    const PostgresConnectParams& params) {
  std::vector<const char*> keywords;
  std::vector<const char*> values;
  for (size_t i = 0; i < params.keywords_.size(); ++i) {
    keywords.push_back(params.keywords_[i].c_str());
    values.push_back(params.values_[i].c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  const std::string context = absl::StrCat("connect to ", params.redacted_url_);
  // expand_dbname = 0: the database name is a name, never a connection
  // string of its own.
  ConnPtr conn(PQconnectdbParams(keywords.data(), values.data(),
                                 /*expand_dbname=*/0));
  if (conn == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat(context, ": postgresql: out of memory"));
  }
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    absl::Status status = PostgresStatus(nullptr, conn.get(), context);
    // A server that refuses or cannot be reached is not retried here: the
    // caller's pool_timeout, not a retry loop, bounds how long Acquire
    // takes, and a wrong password never heals.
    status.ErasePayload(sql::kRetryablePayloadUrl);
    return ScrubStatus(status, params.password_);
  }
  // TimeZone and DateStyle are set here rather than in the startup packet's
  // `options`, which PgBouncer refuses; it tracks and replays both SETs.
  // The same round trip asks the session's process id: a pooler answers the
  // startup with a process id of its own making (PgBouncer's is random), so
  // a different one means a pooler stands in between.
  ResultPtr result(PQexec(conn.get(),
                          "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; "
                          "SELECT pg_backend_pid()"));
  if (!IsOkResult(result.get())) {
    return ScrubStatus(PostgresStatus(result.get(), conn.get(), context),
                       params.password_);
  }
  int server_pid = 0;
  const bool behind_pooler =
      PQntuples(result.get()) != 1 ||
      !absl::SimpleAtoi(PQgetvalue(result.get(), 0, 0), &server_pid) ||
      server_pid != PQbackendPID(conn.get());
  const bool prepared_statements =
      params.prepared_statements_ &&
      (!behind_pooler || params.prepared_statements_given_);
  return std::unique_ptr<PostgresConnection>(new PostgresConnection(
      std::move(conn), prepared_statements, behind_pooler));
}

PostgresConnection::PostgresConnection(ConnPtr conn, bool prepared_statements,
                                       bool behind_pooler)
    : conn_(std::move(conn)),
      prepared_statements_(prepared_statements),
      behind_pooler_(behind_pooler) {}

PostgresConnection::~PostgresConnection() = default;

absl::StatusOr<ConnPtr> PostgresConnection::OpenNative(
    const PostgresConnectParams& params) {
  absl::StatusOr<std::unique_ptr<PostgresConnection>> connection = Open(params);
  if (!connection.ok()) return connection.status();
  return std::move((*connection)->conn_);
}

absl::StatusOr<std::string> PostgresConnection::Prepared(const std::string& sql,
                                                         int n_params) {
  PreparedStatements::Statement statement = prepared_.Use(sql);
  if (!statement.prepare) return std::move(statement.name);
  // Parameter types are left to the server (nullptr), which infers each
  // from where it appears, as it would for a literal.
  ResultPtr result(PQprepare(conn_.get(), statement.name.c_str(), sql.c_str(),
                             n_params, /*paramTypes=*/nullptr));
  if (!IsOkResult(result.get())) {
    prepared_.Forget(sql);
    return PrepareStatus(result.get(), conn_.get(), "prepare statement");
  }
  return std::move(statement.name);
}

absl::StatusOr<int64_t> PostgresConnection::Execute(
    absl::string_view sql, absl::Span<const sql::SqlValue> params,
    absl::FunctionRef<absl::Status(const sql::SqlRow&)> on_row) {
  TextParams values;
  if (absl::Status encoded = values.Encode(params); !encoded.ok()) {
    return encoded;
  }
  const int n_params = static_cast<int>(params.size());
  const std::string sql_text(sql);

  ResultPtr result;
  for (int attempt = 0;; ++attempt) {
    if (prepared_statements_) {
      absl::StatusOr<std::string> name = Prepared(sql_text, n_params);
      if (!name.ok()) return name.status();
      result.reset(PQexecPrepared(conn_.get(), name->c_str(), n_params,
                                  values.values(), /*paramLengths=*/nullptr,
                                  /*paramFormats=*/nullptr,
                                  /*resultFormat=*/0));
    } else {
      result.reset(PQexecParams(conn_.get(), sql_text.c_str(), n_params,
                                /*paramTypes=*/nullptr, values.values(),
                                /*paramLengths=*/nullptr,
                                /*paramFormats=*/nullptr, /*resultFormat=*/0));
    }
    if (IsOkResult(result.get()) || !prepared_statements_) break;
    // Forget a statement the server lost or whose plan went stale, and
    // prepare it again when no transaction would be left half-done by the
    // retry.
    if (!IsStalePreparedStatement(result.get())) break;
    prepared_.Forget(sql_text);
    if (attempt > 0 || InTransaction()) break;
  }
  if (!IsOkResult(result.get())) {
    return PostgresStatus(result.get(), conn_.get(), "execute statement");
  }
  const int rows = PQntuples(result.get());
  for (int row = 0; row < rows; ++row) {
    absl::Status status = on_row(PostgresRow(result.get(), row));
    if (!status.ok()) return status;
  }
  return ChangedRows(result.get());
}

absl::Status PostgresConnection::ExecuteScript(absl::string_view sql) {
  const std::string text(sql);
  // PQexec runs every statement of the text, in one implicit transaction
  // when none is open, and returns the last result or the first error.
  ResultPtr result(PQexec(conn_.get(), text.c_str()));
  if (!IsOkResult(result.get())) {
    return PostgresStatus(result.get(), conn_.get(), "execute script");
  }
  return absl::OkStatus();
}

absl::Status PostgresConnection::CopyRows(
    absl::string_view table, absl::string_view columns, size_t column_count,
    absl::Span<const sql::SqlValue> values) {
  // Data goes to the server in chunks of about this many bytes: large enough
  // that the per-call cost vanishes, small enough to keep memory flat.
  constexpr size_t kChunk = size_t{256} << 10;
  const std::string sql =
      absl::StrCat("COPY ", table, " (", columns, ") FROM STDIN");
  ResultPtr started(PQexec(conn_.get(), sql.c_str()));
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) {
    return PostgresStatus(started.get(), conn_.get(), "start copy");
  }
  std::string chunk;
  chunk.reserve(kChunk + 4096);
  absl::Status encoded;
  bool sent = true;
  for (size_t i = 0; i < values.size() && encoded.ok() && sent; ++i) {
    encoded = AppendCopyField(values[i], &chunk);
    chunk.push_back((i + 1) % column_count == 0 ? '\n' : '\t');
    if (chunk.size() >= kChunk || i + 1 == values.size()) {
      sent = PQputCopyData(conn_.get(), chunk.data(),
                           static_cast<int>(chunk.size())) == 1;
      chunk.clear();
    }
  }
  if (!encoded.ok()) {
    encoded = absl::InvalidArgumentError(
        absl::StrCat("copy into ", table, ": ", encoded.message()));
  }
  // Ending the copy with an error message makes the server fail it, so
  // nothing of it is stored.
  if (sent) {
    sent = PQputCopyEnd(conn_.get(),
                        encoded.ok() ? nullptr
                                     : "parley: a value cannot be copied") == 1;
  }
  ResultPtr result(PQgetResult(conn_.get()));
  absl::Status status =
      IsOkResult(result.get())
          ? absl::OkStatus()
          : PostgresStatus(result.get(), conn_.get(), "copy rows");
  while (ResultPtr(PQgetResult(conn_.get())) != nullptr) {
  }
  if (!encoded.ok()) return encoded;
  if (!sent && status.ok()) {
    status = PostgresStatus(nullptr, conn_.get(), "send copy data");
  }
  return status;
}

absl::Status PostgresConnection::Command(const char* sql,
                                         absl::string_view context) {
  ResultPtr result(PQexec(conn_.get(), sql));
  if (!IsOkResult(result.get())) {
    return PostgresStatus(result.get(), conn_.get(), context);
  }
  return absl::OkStatus();
}

absl::Status PostgresConnection::Begin(sql::TransactionMode mode) {
  if (InTransaction()) {
    return absl::InternalError(
        "begin transaction: postgresql: a transaction is already open");
  }
  absl::Status status = Command(BeginStatement(mode), "begin transaction");
  if (status.ok()) begun_ = true;
  return status;
}

absl::Status PostgresConnection::Commit() {
  constexpr absl::string_view kContext = "commit transaction";
  if (PQtransactionStatus(conn_.get()) == PQTRANS_INERROR) {
    // COMMIT of a failed transaction "succeeds" with the tag ROLLBACK.
    // Saying so is clearer than a success that stored nothing.
    absl::Status rollback = Rollback();
    if (!rollback.ok()) return rollback;
    return absl::AbortedError(
        absl::StrCat(kContext,
                     ": postgresql: a statement of the transaction failed, so "
                     "it was rolled back"));
  }
  ResultPtr result(PQexec(conn_.get(), "COMMIT"));
  if (IsOkResult(result.get())) {
    begun_ = false;
    if (absl::string_view(PQcmdStatus(result.get())) == "ROLLBACK") {
      return absl::AbortedError(absl::StrCat(
          kContext, ": postgresql: the server rolled the transaction back"));
    }
    return absl::OkStatus();
  }
  absl::Status status = PostgresStatus(result.get(), conn_.get(), kContext);
  if (IsConnectionLoss(result.get(), conn_.get())) {
    // The COMMIT may have reached the server and been applied, with only
    // its answer lost; or not. Nothing on this side can tell which.
    begun_ = false;
    return CommitOutcomeUnknownError(kContext, status.message());
  }
  // The server refused to commit (a deferred constraint, a serialization
  // failure at commit): the transaction is over and nothing was applied.
  if (PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) begun_ = false;
  return status;
}

absl::Status PostgresConnection::Rollback() {
  const PGTransactionStatusType state = PQtransactionStatus(conn_.get());
  if (state == PQTRANS_IDLE) {
    begun_ = false;
    return absl::OkStatus();
  }
  absl::Status status = Command("ROLLBACK", "roll back transaction");
  // Whether or not ROLLBACK got through, this side is done with the
  // transaction: on a broken connection the server rolls it back itself.
  begun_ = false;
  return status;
}

bool PostgresConnection::InTransaction() const {
  switch (PQtransactionStatus(conn_.get())) {
    case PQTRANS_IDLE:
      return false;
    case PQTRANS_ACTIVE:
    case PQTRANS_INTRANS:
    case PQTRANS_INERROR:
      return true;
    case PQTRANS_UNKNOWN:
      return begun_;
  }
  return begun_;
}

bool PostgresConnection::IsBroken() const {
  return PQstatus(conn_.get()) == CONNECTION_BAD;
}

absl::Status PostgresConnection::Ping() {
  ResultPtr result(PQexec(conn_.get(), ""));
  if (!IsOkResult(result.get())) {
    absl::Status status = PostgresStatus(result.get(), conn_.get(), "ping");
    if (status.code() == absl::StatusCode::kUnavailable) return status;
    return absl::UnavailableError(status.message());
  }
  return absl::OkStatus();
}

int PostgresConnection::BackendPid() const { return PQbackendPID(conn_.get()); }

}  // namespace postgres
}  // namespace parley
