// Many callers' plans on few PostgreSQL connections: libpq's pipeline mode
// on non-blocking connections, driven by one I/O thread. Internal to the
// PostgreSQL backend.
//
// A caller hands a whole plan (backends/sql/sql_plan.h) to Run. The I/O
// thread sends its statements and a Sync on the least busy connection
// without waiting for any earlier plan's answer, so while the server works
// through one plan the next ones are already on the wire; one write and one
// read can carry the plans of dozens of callers. Each Sync ends one plan:
// the statements between two Syncs are one transaction (PostgreSQL's
// implicit transaction block), committed at the Sync or, when one of them
// fails, rolled back, after which the server skips to the Sync and the next
// plan runs as usual. A read plan of several statements is wrapped in the
// kRead BeginStatement (postgres_wire.h) ... COMMIT, so that they see one
// snapshot.
//
// Failures:
//  - a statement's error fails its plan only, with the code PostgresStatus
//    gives it; nothing of the plan is applied;
//  - a connection that breaks fails every plan in flight on it: a write plan
//    already handed to libpq with CommitOutcomeUnknownError (the server may
//    have committed it), any other plan with a retryable Unavailable; the
//    connection is then replaced by the next caller, on its own thread
//    (the I/O thread never waits for a connect);
//  - when no connection can be opened, Run returns the connect error at
//    once (not retryable, as for the pool).
//
// Thread-safe. Run blocks its caller until the plan is done; the I/O thread
// never blocks on anything but poll().
#ifndef PARLEY_BACKENDS_POSTGRES_POSTGRES_PIPELINE_H_
#define PARLEY_BACKENDS_POSTGRES_POSTGRES_PIPELINE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "backends/postgres/postgres_connection.h"
#include "backends/postgres/postgres_wire.h"
#include "backends/sql/sql_plan.h"

namespace parley {
namespace postgres {

// Totals since the pipeline was made, for tests and the benchmark.
struct PipelineCounters {
  int64_t plans = 0;          // plans completed, ok or not
  int64_t flushes = 0;        // writes of buffered plans to a socket
  int64_t max_in_flight = 0;  // most plans in flight at once on one connection
  int64_t broken = 0;         // connections closed because they broke
  int64_t opened = 0;         // connections opened
};

class PostgresPipeline : public sql::PlanRunner {
 public:
  // Opens `connections` (at least 1) connections to `params` and starts
  // the I/O thread. The connect error (Unavailable, redacted) when the
  // first connection cannot be opened; later ones are opened on demand.
  static absl::StatusOr<std::unique_ptr<PostgresPipeline>> Open(
      const PostgresConnectParams& params, int connections);

  // Runs every plan already handed in, then closes the connections.
  // REQUIRES: no Run call is still waiting to start.
  ~PostgresPipeline() override;

  PostgresPipeline(const PostgresPipeline&) = delete;
  PostgresPipeline& operator=(const PostgresPipeline&) = delete;

  absl::StatusOr<sql::PlanChanges> Run(const sql::Plan& plan,
                                       sql::PlanReader& reader) override;

  PipelineCounters counters() const;

  // Test hook: the server process ids of the open connections.
  std::vector<int> BackendPids() const;

 private:
  struct Request;
  struct Lane;

  PostgresPipeline(const PostgresConnectParams& params, int connections);

  // Opens a connection for a lane that has none, on the calling thread,
  // when one is missing and nobody else is opening one. Returns the connect
  // error only when no lane has a connection.
  absl::Status EnsureConnections();

  // The I/O thread.
  void Loop();
  void Wake();
  // Takes the plans handed in (into `start`) and installs the connections
  // callers opened.
  void TakeWork(std::vector<Request*>& start) ABSL_LOCKS_EXCLUDED(mu_);
  void Send(Lane& lane, Request* request);
  void ReadResults(Lane& lane);
  void Flush(Lane& lane);
  void Break(Lane& lane, absl::string_view cause);
  void Finish(Lane& lane, Request* request);

  const PostgresConnectParams params_;
  const int wake_fd_;  // eventfd: Run and the destructor wake the I/O thread

  mutable absl::Mutex mu_;
  std::deque<Request*> queue_ ABSL_GUARDED_BY(mu_);
  // Connections opened by callers, for lanes that have none.
  std::vector<ConnPtr> fresh_ ABSL_GUARDED_BY(mu_);
  int connected_ ABSL_GUARDED_BY(mu_) = 0;  // lanes with a connection
  int opening_ ABSL_GUARDED_BY(mu_) = 0;    // connects under way
  const int lanes_wanted_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  PipelineCounters counters_ ABSL_GUARDED_BY(mu_);
  std::vector<int> pids_ ABSL_GUARDED_BY(mu_);

  // Owned by the I/O thread.
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::thread thread_;
};

}  // namespace postgres
}  // namespace parley

#endif  // PARLEY_BACKENDS_POSTGRES_POSTGRES_PIPELINE_H_
