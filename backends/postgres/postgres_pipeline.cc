#include "backends/postgres/postgres_pipeline.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "backends/postgres/postgres_error.h"
#include "backends/postgres/postgres_wire.h"
#include "backends/postgres/prepared_statements.h"
#include "storage/status_util.h"

namespace parley {
namespace postgres {
namespace {

// poll() wakes at least this often, so that no lost wake-up can stall a
// plan for longer.
constexpr int kPollTimeoutMs = 100;

bool IsSnapshot(const sql::Plan& plan) {
  return plan.kind() == sql::Plan::Kind::kRead && plan.size() > 1;
}

}  // namespace

struct PostgresPipeline::Request {
  const sql::Plan* plan = nullptr;
  std::vector<ResultPtr> results;  // per statement, once it succeeded
  absl::Status status;             // the plan's first error
  absl::Notification done;
};

// One connection and what is in flight on it, in the order the server
// answers.
struct PostgresPipeline::Lane {
  enum class Kind { kPrepare, kBegin, kStatement, kCommit, kSync };
  struct Expect {
    Request* request;  // null for the lane's own ROLLBACK
    Kind kind;
    int statement = -1;
    const std::string* sql = nullptr;
    bool got_result = false;
  };

  ConnPtr conn;  // null while the lane has no connection
  int pid = 0;   // of the server process, read while the session was up
  // SQL text -> name of the statement prepared on this connection (or
  // sent to be prepared, ahead of the statements that use it).
  PreparedStatements prepared{PreparedStatements::kPipelinePrefix};
  std::deque<Expect> expects;
  std::deque<Request*> in_flight;
  bool want_write = false;  // libpq holds output the socket did not take
  bool unflushed = false;   // plans sent since the last flush
};

absl::StatusOr<std::unique_ptr<PostgresPipeline>> PostgresPipeline::Open(
    const PostgresConnectParams& params, int connections) {
  std::unique_ptr<PostgresPipeline> pipeline(
      new PostgresPipeline(params, std::max(connections, 1)));
  if (pipeline->wake_fd_ < 0) {
    return absl::ResourceExhaustedError(
        "postgresql pipeline: cannot create an eventfd");
  }
  absl::Status connected = pipeline->EnsureConnections();
  if (!connected.ok()) return connected;
  return pipeline;
}

PostgresPipeline::PostgresPipeline(const PostgresConnectParams& params,
                                   int connections)
    : params_(params),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      lanes_wanted_(connections) {
  for (int i = 0; i < connections; ++i) {
    lanes_.push_back(std::make_unique<Lane>());
  }
  thread_ = std::thread([this] { Loop(); });
}

PostgresPipeline::~PostgresPipeline() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  Wake();
  thread_.join();
  // The lanes' and fresh_'s connections close with them.
  if (wake_fd_ >= 0) close(wake_fd_);
}

PipelineCounters PostgresPipeline::counters() const {
  absl::MutexLock lock(&mu_);
  return counters_;
}

std::vector<int> PostgresPipeline::BackendPids() const {
  absl::MutexLock lock(&mu_);
  return pids_;
}

void PostgresPipeline::Wake() {
  const uint64_t one = 1;
  // A full counter already means "wake up"; nothing else can fail here.
  (void)!write(wake_fd_, &one, sizeof(one));
}

absl::Status PostgresPipeline::EnsureConnections() {
  bool have_any = false;
  {
    absl::MutexLock lock(&mu_);
    const int have = connected_ + static_cast<int>(fresh_.size());
    if (have + opening_ >= lanes_wanted_) return absl::OkStatus();
    have_any = have > 0;
    ++opening_;
  }
  absl::StatusOr<ConnPtr> conn = PostgresConnection::OpenNative(params_);
  if (conn.ok() && (PQsetnonblocking(conn->get(), 1) != 0 ||
                    PQenterPipelineMode(conn->get()) != 1)) {
    const std::string why = PQerrorMessage(conn->get());
    conn = absl::InternalError(
        absl::StrCat("connect to ", params_.redacted_url(),
                     ": postgresql: cannot enter pipeline mode: ", why));
  }
  if (conn.ok()) {
    // The server's notices (a ROLLBACK with no transaction) are not for
    // the application's stderr.
    PQsetNoticeProcessor(
        conn->get(), [](void*, const char*) {}, nullptr);
  }
  {
    absl::MutexLock lock(&mu_);
    --opening_;
    if (conn.ok()) {
      fresh_.push_back(*std::move(conn));
      ++counters_.opened;
    }
  }
  if (conn.ok()) {
    Wake();
    return absl::OkStatus();
  }
  // Another connection still serves: this caller's plan can go there.
  return have_any ? absl::OkStatus() : conn.status();
}

absl::StatusOr<sql::PlanChanges> PostgresPipeline::Run(
    const sql::Plan& plan, sql::PlanReader& reader) {
  absl::Status connected = EnsureConnections();
  if (!connected.ok()) return connected;
  Request request;
  request.plan = &plan;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      return absl::FailedPreconditionError(
          "postgresql pipeline: closed while a call was starting");
    }
    queue_.push_back(&request);
  }
  Wake();
  request.done.WaitForNotification();

  // Rows are read here, on the caller's thread: the I/O thread only moves
  // bytes.
  reader.Restart();
  sql::PlanChanges changes;
  changes.reserve(request.results.size());
  for (size_t i = 0; i < request.results.size(); ++i) {
    const PGresult* result = request.results[i].get();
    if (result == nullptr) break;
    const int rows = PQntuples(result);
    for (int row = 0; row < rows; ++row) {
      absl::Status status =
          reader.OnRow(static_cast<int>(i), PostgresRow(result, row));
      if (!status.ok()) return status;
    }
    changes.push_back(ChangedRows(result));
  }
  if (!request.status.ok()) return request.status;
  return changes;
}

void PostgresPipeline::TakeWork(std::vector<Request*>& start) {
  // Connections beyond the lanes' (more than wanted) close with `fresh`.
  std::vector<ConnPtr> fresh;
  {
    absl::MutexLock lock(&mu_);
    start.assign(queue_.begin(), queue_.end());
    queue_.clear();
    fresh.swap(fresh_);
    for (ConnPtr& conn : fresh) {
      for (auto& lane : lanes_) {
        if (lane->conn != nullptr) continue;
        lane->pid = PQbackendPID(conn.get());
        lane->conn = std::move(conn);
        ++connected_;
        pids_.push_back(lane->pid);
        break;
      }
    }
  }
}

void PostgresPipeline::Loop() {
  std::vector<Request*> start;
  std::vector<pollfd> fds;
  std::vector<Lane*> polled;
  while (true) {
    TakeWork(start);
    for (Request* request : start) {
      Lane* best = nullptr;
      for (auto& lane : lanes_) {
        if (lane->conn == nullptr) continue;
        if (best == nullptr || lane->in_flight.size() < best->in_flight.size())
          best = lane.get();
      }
      if (best == nullptr) {
        // Every connection broke after this plan was handed in; it was
        // never sent.
        request->status = sql::MarkRetryable(absl::UnavailableError(
            "postgresql pipeline: no connection to the server"));
        request->done.Notify();
        continue;
      }
      Send(*best, request);
    }
    bool busy = false;
    for (auto& lane : lanes_) {
      if (lane->conn != nullptr && lane->unflushed) Flush(*lane);
      busy = busy || !lane->in_flight.empty();
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ && queue_.empty() && !busy) return;
    }

    fds.clear();
    polled.clear();
    fds.push_back(pollfd{wake_fd_, POLLIN, 0});
    for (auto& lane : lanes_) {
      if (lane->conn == nullptr) continue;
      short events = POLLIN;
      if (lane->want_write) events |= POLLOUT;
      fds.push_back(pollfd{PQsocket(lane->conn.get()), events, 0});
      polled.push_back(lane.get());
    }
    const int ready = poll(fds.data(), fds.size(), kPollTimeoutMs);
    if (ready < 0) continue;  // EINTR
    if (fds[0].revents & POLLIN) {
      uint64_t count;
      (void)!read(wake_fd_, &count, sizeof(count));
    }
    for (size_t i = 0; i < polled.size(); ++i) {
      Lane& lane = *polled[i];
      const short revents = fds[i + 1].revents;
      if (lane.conn != nullptr && lane.want_write && (revents & POLLOUT)) {
        Flush(lane);
      }
      if (lane.conn == nullptr) continue;
      if (!lane.expects.empty()) {
        // On a timeout too: a safety net against a missed readiness.
        if (revents != 0 || ready == 0) ReadResults(lane);
      } else if (revents != 0) {
        // An idle connection with something to say: the server ending the
        // session (a restart, pg_terminate_backend), or a notice. Find out
        // now, so that the next plan does not go to a dead connection.
        if (PQconsumeInput(lane.conn.get()) != 1 ||
            PQstatus(lane.conn.get()) == CONNECTION_BAD) {
          Break(lane, PQerrorMessage(lane.conn.get()));
        }
      }
    }
  }
}

void PostgresPipeline::Send(Lane& lane, Request* request) {
  const sql::Plan& plan = *request->plan;
  // Every parameter is checked before anything is sent: a plan is sent
  // whole or not at all.
  std::vector<TextParams> params(plan.size());
  for (int i = 0; i < plan.size(); ++i) {
    absl::Status encoded = params[i].Encode(plan.statements()[i].params.span());
    if (!encoded.ok()) {
      request->status = encoded;
      request->done.Notify();
      return;
    }
  }
  request->results.resize(plan.size());
  lane.in_flight.push_back(request);
  PGconn* conn = lane.conn.get();
  const bool snapshot = IsSnapshot(plan);
  bool sent = true;
  if (snapshot) {
    sent = PQsendQueryParams(conn, BeginStatement(sql::TransactionMode::kRead),
                             0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
    lane.expects.push_back({request, Lane::Kind::kBegin});
  }
  for (int i = 0; sent && i < plan.size(); ++i) {
    const std::string& sql = *plan.statements()[i].sql;
    if (params_.prepared_statements()) {
      const PreparedStatements::Statement statement = lane.prepared.Use(sql);
      if (statement.prepare) {
        // Parameter types are left to the server, as for PQprepare.
        sent = PQsendPrepare(conn, statement.name.c_str(), sql.c_str(),
                             params[i].size(), nullptr) == 1;
        lane.expects.push_back({request, Lane::Kind::kPrepare, i, &sql});
        if (!sent) break;
      }
      sent = PQsendQueryPrepared(conn, statement.name.c_str(), params[i].size(),
                                 params[i].values(), nullptr, nullptr, 0) == 1;
    } else {
      sent = PQsendQueryParams(conn, sql.c_str(), params[i].size(), nullptr,
                               params[i].values(), nullptr, nullptr, 0) == 1;
    }
    lane.expects.push_back({request, Lane::Kind::kStatement, i, &sql});
  }
  if (sent && snapshot) {
    sent = PQsendQueryParams(conn, "COMMIT", 0, nullptr, nullptr, nullptr,
                             nullptr, 0) == 1;
    lane.expects.push_back({request, Lane::Kind::kCommit});
  }
  if (sent) {
    sent = PQpipelineSync(conn) == 1;
    lane.expects.push_back({request, Lane::Kind::kSync});
  }
  if (!sent) {
    Break(lane, PQerrorMessage(conn));
    return;
  }
  lane.unflushed = true;
  absl::MutexLock lock(&mu_);
  counters_.max_in_flight = std::max<int64_t>(
      counters_.max_in_flight, static_cast<int64_t>(lane.in_flight.size()));
}

void PostgresPipeline::Flush(Lane& lane) {
  const int flushed = PQflush(lane.conn.get());
  if (flushed < 0) {
    Break(lane, PQerrorMessage(lane.conn.get()));
    return;
  }
  lane.want_write = flushed == 1;
  lane.unflushed = false;
  absl::MutexLock lock(&mu_);
  ++counters_.flushes;
}

void PostgresPipeline::ReadResults(Lane& lane) {
  PGconn* conn = lane.conn.get();
  if (PQconsumeInput(conn) != 1) {
    Break(lane, PQerrorMessage(conn));
    return;
  }
  while (!lane.expects.empty() && lane.conn != nullptr && !PQisBusy(conn)) {
    PGresult* raw = PQgetResult(conn);
    Lane::Expect& expect = lane.expects.front();
    if (raw == nullptr) {
      // The end of one statement's results.
      if (!expect.got_result) break;
      lane.expects.pop_front();
      continue;
    }
    ResultPtr result(raw);
    const ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_PIPELINE_SYNC) {
      // No NULL follows a Sync's result.
      if (expect.kind != Lane::Kind::kSync) {
        Break(lane, "the server's answers are out of step with the plans");
        return;
      }
      Request* request = expect.request;
      lane.expects.pop_front();
      if (request != nullptr) Finish(lane, request);
      continue;
    }
    expect.got_result = true;
    Request* request = expect.request;
    if (IsConnectionLoss(result.get(), conn)) {
      Break(lane, PQresultErrorMessage(result.get()));
      return;
    }
    const bool ok = IsOkResult(result.get());
    if (expect.kind == Lane::Kind::kPrepare && !ok) {
      // Not prepared after all (failed, or skipped after an earlier error).
      lane.prepared.Forget(*expect.sql);
    }
    if (request == nullptr) continue;  // the lane's own ROLLBACK
    if (ok) {
      if (expect.kind == Lane::Kind::kStatement) {
        request->results[expect.statement] = std::move(result);
      }
      continue;
    }
    if (status == PGRES_PIPELINE_ABORTED || !request->status.ok()) continue;
    if (IsStalePreparedStatement(result.get()) && expect.sql != nullptr) {
      // Prepare it again next time. Nothing was applied.
      lane.prepared.Forget(*expect.sql);
    }
    request->status =
        PipelinedStatementStatus(result.get(), conn, "run pipelined statement");
  }
}

void PostgresPipeline::Finish(Lane& lane, Request* request) {
  // Plans finish in the order they were sent.
  if (!lane.in_flight.empty() && lane.in_flight.front() == request) {
    lane.in_flight.pop_front();
  }
  if (IsSnapshot(*request->plan) && !request->status.ok()) {
    // A failed statement inside BEGIN leaves the session in an aborted
    // transaction block, which the Sync does not end. (When BEGIN itself
    // failed, this ROLLBACK only draws a warning, which nobody hears.)
    PGconn* conn = lane.conn.get();
    bool sent = PQsendQueryParams(conn, "ROLLBACK", 0, nullptr, nullptr,
                                  nullptr, nullptr, 0) == 1;
    lane.expects.push_back({nullptr, Lane::Kind::kStatement});
    sent = sent && PQpipelineSync(conn) == 1;
    lane.expects.push_back({nullptr, Lane::Kind::kSync});
    if (!sent) {
      Break(lane, PQerrorMessage(conn));
    } else {
      lane.unflushed = true;
    }
  }
  {
    absl::MutexLock lock(&mu_);
    ++counters_.plans;
  }
  request->done.Notify();
  if (lane.conn != nullptr && lane.unflushed) Flush(lane);
}

void PostgresPipeline::Break(Lane& lane, absl::string_view cause) {
  const std::string why(absl::StripTrailingAsciiWhitespace(cause));
  for (Request* request : lane.in_flight) {
    if (request->status.ok()) {
      if (request->plan->kind() == sql::Plan::Kind::kWrite) {
        // Sent, maybe run and committed, answer lost.
        request->status = CommitOutcomeUnknownError(
            "run pipelined statements", absl::StrCat("postgresql: ", why));
      } else {
        request->status = sql::MarkRetryable(absl::UnavailableError(
            absl::StrCat("run pipelined statements: postgresql: connection "
                         "lost: ",
                         why)));
      }
    }
    request->done.Notify();
  }
  lane.in_flight.clear();
  lane.expects.clear();
  lane.prepared.Clear();  // the next connection has none
  lane.want_write = false;
  const int pid = lane.pid;
  lane.conn.reset();
  absl::MutexLock lock(&mu_);
  --connected_;
  ++counters_.broken;
  pids_.erase(std::remove(pids_.begin(), pids_.end(), pid), pids_.end());
}

}  // namespace postgres
}  // namespace parley
