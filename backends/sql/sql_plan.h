// A transaction whose statements are all known before the first one runs.
//
// Most of the contract's operations are such transactions: storing a record
// is an upsert or two, appending a message is a lock and an INSERT ...
// SELECT, reading a conversation is two SELECTs. Written as a Plan, an
// operation can run statement by statement on a connection the caller holds
// (RunPlanOn), or be handed whole to a PlanRunner, which may send every
// statement of many plans at once (the PostgreSQL pipeline: one round trip
// per batch of plans instead of one per statement, and few connections for
// many callers). Read-modify-writes, whose later statements depend on what
// the earlier ones read, are not plans: they hold a connection.
#ifndef PARLEY_BACKENDS_SQL_SQL_PLAN_H_
#define PARLEY_BACKENDS_SQL_SQL_PLAN_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/sql_params.h"

namespace parley {
namespace sql {

class Plan {
 public:
  // The transaction a plan runs in; SqlBackend runs its other work (a
  // function given the connection) in the same three kinds.
  enum class Kind {
    // One statement, atomic on its own.
    kAutocommit,
    // Reads that must see one snapshot.
    kRead,
    // Writes, committed together or not at all.
    kWrite,
  };

  struct Statement {
    // Outlives the plan: a statement text kept by SqlRecords.
    const std::string* sql;
    SqlParams params;
  };

  explicit Plan(Kind kind) : kind_(kind) {}
  Plan(Plan&&) = default;
  Plan& operator=(Plan&&) = default;

  // Appends a statement. REQUIRES: `sql` outlives the plan.
  Plan& Add(const std::string& sql, SqlParams params) {
    statements_.push_back(Statement{&sql, std::move(params)});
    return *this;
  }

  Kind kind() const { return kind_; }
  const std::vector<Statement>& statements() const { return statements_; }
  int size() const { return static_cast<int>(statements_.size()); }

 private:
  Kind kind_;
  std::vector<Statement> statements_;
};

// Receives the rows a plan's statements return.
class PlanReader {
 public:
  virtual ~PlanReader() = default;
  // Called before each attempt: a plan that failed with a retryable error
  // is run again from its first statement, and its rows come again.
  virtual void Restart() {}
  // A row of statement number `statement` (from 0), in order.
  virtual absl::Status OnRow(int statement, const SqlRow& row) = 0;
};

// For plans whose rows nobody reads.
class IgnoreRows : public PlanReader {
 public:
  absl::Status OnRow(int, const SqlRow&) override { return absl::OkStatus(); }
};

// Per statement of a plan, the number of rows it changed.
using PlanChanges = std::vector<int64_t>;

// Runs whole plans, each as one transaction, without lending a connection.
// Thread-safe.
class PlanRunner {
 public:
  virtual ~PlanRunner() = default;

  // Runs `plan` (committing it unless it is kRead) and returns what each
  // statement changed; `reader` gets the rows, on the calling thread, once
  // the plan has run (on error, the rows of the statements before the one
  // that failed). On error nothing of the plan was applied, except
  // when the error is a commit whose outcome is unknown (the connection was
  // lost after the plan was sent). Retryable errors (sql::IsRetryable) may
  // be retried by the caller with the same plan.
  virtual absl::StatusOr<PlanChanges> Run(const Plan& plan,
                                          PlanReader& reader) = 0;
};

// Runs the statements of `plan` one after the other on `connection`, in
// the transaction the caller has open (or none, for kAutocommit); the
// caller begins and commits.
absl::StatusOr<PlanChanges> RunPlanOn(SqlConnection& connection,
                                      const Plan& plan, PlanReader& reader);

// How SqlRecords has a plan run: on a connection, in a pipeline, retried.
using PlanRun =
    absl::FunctionRef<absl::StatusOr<PlanChanges>(const Plan&, PlanReader&)>;

// A PlanRun on a connection the caller holds: RunPlanOn(connection, ...).
class RunOn {
 public:
  explicit RunOn(SqlConnection& connection) : connection_(connection) {}
  absl::StatusOr<PlanChanges> operator()(const Plan& plan,
                                         PlanReader& reader) const {
    return RunPlanOn(connection_, plan, reader);
  }

 private:
  SqlConnection& connection_;
};

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_SQL_PLAN_H_
