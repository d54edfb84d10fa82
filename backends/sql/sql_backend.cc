#include "backends/sql/sql_backend.h"

#include <atomic>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "backends/sql/group_commit.h"
#include "backends/sql/schema.h"
#include "backends/sql/sql_batch.h"
#include "backends/sql/sql_plan.h"
#include "backends/sql/sql_records.h"
#include "storage/status_macros.h"
#include "storage/status_util.h"

namespace parley {
namespace sql {
namespace {

// How long a transaction that keeps finding the database busy is retried,
// on top of the connection's own busy wait (SQLite's busy_timeout).
constexpr absl::Duration kRetryFor = absl::Seconds(60);
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(2);
constexpr absl::Duration kMaxBackoff = absl::Milliseconds(200);

// What a backend and its transaction views share; owned by the outermost
// backend.
struct Shared {
  Shared(std::unique_ptr<SqlConnectionSource> source,
         std::unique_ptr<PlanRunner> runner, Writes writes,
         const SqlDialect& dialect, const BackendOptions& options)
      : source(std::move(source)),
        runner(std::move(runner)),
        group_commit(writes == Writes::kGrouped
                         ? std::make_unique<GroupCommit>()
                         : nullptr),
        dialect(dialect),
        records(dialect),
        batch(dialect),
        options(options) {}

  const std::unique_ptr<SqlConnectionSource> source;
  // Runs plans without a lease (the PostgreSQL pipeline); may be null.
  const std::unique_ptr<PlanRunner> runner;
  // Runs the write transactions when writes are grouped; null otherwise.
  const std::unique_ptr<GroupCommit> group_commit;
  const SqlDialect& dialect;
  const SqlRecords records;
  const SqlBatchRecords batch;
  const BackendOptions options;
  // True once the store is known to be at the code's schema version.
  std::atomic<bool> schema_ready{false};
};

absl::Status OlderThanCode(int stored) {
  return absl::FailedPreconditionError(
      absl::StrCat("schema version ", stored, " is older than this code (",
                   kCodeSchemaVersion, "); run `parley schema upgrade`"));
}

absl::Status NewerThanCode(int stored) {
  return absl::FailedPreconditionError(
      absl::StrCat("schema version ", stored, " is newer than this code (",
                   kCodeSchemaVersion, "); use a newer Parley"));
}

// Runs `attempt` again while it fails with a retryable error, sleeping a
// growing, jittered interval between attempts, for at most kRetryFor.
absl::Status WithRetry(absl::FunctionRef<absl::Status()> attempt) {
  const absl::Time deadline = absl::Now() + kRetryFor;
  absl::Duration backoff = kFirstBackoff;
  thread_local absl::BitGen jitter;
  while (true) {
    absl::Status status = attempt();
    if (status.ok() || !IsRetryable(status) || absl::Now() >= deadline) {
      return status;
    }
    absl::SleepFor(backoff * absl::Uniform(jitter, 0.5, 1.5));
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

// Backend, its RecordStream and its SchemaAdmin in one object: stream() and
// schema_admin() return `this`, so a transaction view's batches run on the
// view's connection.
class SqlBackend : public Backend, public RecordStream, public SchemaAdmin {
 public:
  // The outermost backend: owns `shared`.
  explicit SqlBackend(std::unique_ptr<Shared> shared)
      : owned_(std::move(shared)), shared_(*owned_), pinned_(nullptr) {}
  // A view whose calls all run on `pinned`, inside its open transaction.
  SqlBackend(Shared& shared, SqlConnection* pinned)
      : shared_(shared), pinned_(pinned) {}

  absl::Status ApplySchemaPolicy();

  absl::Status CreateConversation(const Conversation& conv) override {
    return Planned(ConversationContext("create", conv.id()), [&](PlanRun run) {
      return records().CreateConversation(run, conv);
    });
  }

  absl::Status PutConversation(const Conversation& conv) override {
    return Planned(ConversationContext("save", conv.id()), [&](PlanRun run) {
      return records().PutConversation(run, conv);
    });
  }

  absl::StatusOr<std::optional<Conversation>> GetConversation(
      absl::string_view id) override {
    std::optional<Conversation> out;
    RETURN_IF_ERROR(Planned(ConversationContext("read", id), [&](PlanRun run) {
      ASSIGN_OR_RETURN(out, records().GetConversation(run, id));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<ConversationSummary>> ListConversations(
      absl::string_view user_id) override {
    std::vector<ConversationSummary> out;
    RETURN_IF_ERROR(Planned(
        absl::StrCat("list conversations of user ", user_id), [&](PlanRun run) {
          ASSIGN_OR_RETURN(out, records().ListConversations(run, user_id));
          return absl::OkStatus();
        }));
    return out;
  }

  absl::Status AppendMessage(absl::string_view id,
                             const Message& message) override {
    return Planned(
        ConversationContext("append message to", id),
        [&](PlanRun run) { return records().AppendMessage(run, id, message); });
  }

  absl::StatusOr<Conversation> UpdateConversation(
      absl::string_view id, Mutation<Conversation> mutate) override {
    return RunMutation<Conversation>(
        ConversationContext("update", id), mutate,
        [&](SqlConnection& c, Mutation<Conversation> m) {
          return records().UpdateConversation(c, id, m);
        });
  }

  absl::StatusOr<int64_t> UpdateUserConversations(
      absl::string_view user_id,
      absl::FunctionRef<bool(Conversation&)> mutate) override {
    int64_t out = 0;
    RETURN_IF_ERROR(
        Run(Plan::Kind::kWrite,
            absl::StrCat("update conversations of user ", user_id),
            [&](SqlConnection& c) {
              ASSIGN_OR_RETURN(
                  out, records().UpdateUserConversations(c, user_id, mutate));
              return absl::OkStatus();
            }));
    return out;
  }

  absl::StatusOr<bool> DeleteConversation(absl::string_view id) override {
    bool out = false;
    RETURN_IF_ERROR(
        Planned(ConversationContext("delete", id), [&](PlanRun run) {
          ASSIGN_OR_RETURN(out, records().DeleteConversation(run, id));
          return absl::OkStatus();
        }));
    return out;
  }

  absl::StatusOr<int64_t> CountConversations(
      absl::string_view user_id,
      std::optional<absl::string_view> active_at) override {
    int64_t out = 0;
    RETURN_IF_ERROR(Planned(
        absl::StrCat("count conversations of user ", user_id),
        [&](PlanRun run) {
          ASSIGN_OR_RETURN(
              out, records().CountConversations(run, user_id, active_at));
          return absl::OkStatus();
        }));
    return out;
  }

  absl::Status PutProfile(const Profile& profile) override {
    return Planned(
        absl::StrCat("save profile ", profile.user_id()),
        [&](PlanRun run) { return records().PutProfile(run, profile); });
  }

  absl::StatusOr<std::optional<Profile>> GetProfile(
      absl::string_view user_id) override {
    std::optional<Profile> out;
    RETURN_IF_ERROR(
        Planned(absl::StrCat("read profile ", user_id), [&](PlanRun run) {
          ASSIGN_OR_RETURN(out, records().GetProfile(run, user_id));
          return absl::OkStatus();
        }));
    return out;
  }

  absl::StatusOr<Profile> UpdateProfile(absl::string_view user_id,
                                        Mutation<Profile> mutate) override {
    return RunMutation<Profile>(absl::StrCat("update profile ", user_id),
                                mutate,
                                [&](SqlConnection& c, Mutation<Profile> m) {
                                  return records().UpdateProfile(c, user_id, m);
                                });
  }

  absl::Status PutSubscription(const Subscription& s) override {
    return Planned(
        absl::StrCat("save subscription ", s.user_id()),
        [&](PlanRun run) { return records().PutSubscription(run, s); });
  }

  absl::StatusOr<std::optional<Subscription>> GetSubscription(
      absl::string_view user_id) override {
    std::optional<Subscription> out;
    RETURN_IF_ERROR(
        Planned(absl::StrCat("read subscription ", user_id), [&](PlanRun run) {
          ASSIGN_OR_RETURN(out, records().GetSubscription(run, user_id));
          return absl::OkStatus();
        }));
    return out;
  }

  absl::StatusOr<Subscription> UpdateSubscription(
      absl::string_view user_id, Mutation<Subscription> mutate) override {
    return RunMutation<Subscription>(
        absl::StrCat("update subscription ", user_id), mutate,
        [&](SqlConnection& c, Mutation<Subscription> m) {
          return records().UpdateSubscription(c, user_id, m);
        });
  }

  absl::StatusOr<std::optional<Subscription>> UpdateSubscriptionByStripeId(
      absl::string_view stripe_id, Mutation<Subscription> mutate) override {
    // The Stripe id is an external identifier, not record content, but it
    // is left out of messages all the same.
    return RunMutation<std::optional<Subscription>>(
        "update subscription by stripe id", mutate,
        [&](SqlConnection& c, Mutation<Subscription> m) {
          return records().UpdateSubscriptionByStripeId(c, stripe_id, m);
        });
  }

  absl::StatusOr<StoreCounts> Count() override {
    StoreCounts out;
    RETURN_IF_ERROR(Planned("count records", [&](PlanRun run) {
      ASSIGN_OR_RETURN(out, records().Count(run));
      return absl::OkStatus();
    }));
    return out;
  }

  absl::Status Scan(RecordVisitor& visitor) override {
    // One read transaction: the visitor sees one snapshot of the store.
    // Not retried once the visitor has seen a record.
    bool visited = false;
    std::optional<absl::Status> visitor_error;
    CapturingVisitor capture(visitor, &visited, &visitor_error);
    absl::Status status =
        Run(Plan::Kind::kRead, "scan", [&](SqlConnection& c) -> absl::Status {
          if (visited) {
            return absl::AbortedError(
                "scan: store busy after records were "
                "visited; run the scan again");
          }
          return records().Scan(c, capture);
        });
    if (!status.ok()) return visitor_error.value_or(status);
    return status;
  }

  absl::StatusOr<SchemaStatus> GetSchemaStatus() override {
    SchemaStatus out;
    RETURN_IF_ERROR(RunUnchecked(
        Plan::Kind::kAutocommit, "schema status", [&](SqlConnection& c) {
          ASSIGN_OR_RETURN(out, ReadSchemaStatus(c, dialect()));
          return absl::OkStatus();
        }));
    return out;
  }

  absl::StatusOr<SchemaStatus> UpgradeSchema() override {
    if (pinned_ != nullptr) {
      return absl::FailedPreconditionError(
          "schema upgrade: not possible inside RunInTransaction");
    }
    SchemaStatus out;
    RETURN_IF_ERROR(WithRetry([&]() -> absl::Status {
      ASSIGN_OR_RETURN(SqlConnectionLease lease, shared_.source->Acquire());
      ASSIGN_OR_RETURN(out, sql::UpgradeSchema(*lease, dialect()));
      return absl::OkStatus();
    }));
    if (out.stored_version == kCodeSchemaVersion) shared_.schema_ready = true;
    return out;
  }

  absl::Status RunInTransaction(
      absl::FunctionRef<absl::Status(Backend&)> fn) override;

  RecordStream& stream() override { return *this; }
  SchemaAdmin* schema_admin() override { return this; }

  absl::Status PutBatch(const RecordBatch& batch) override {
    return Run(
        Plan::Kind::kWrite, BatchContext("save", batch),
        [&](SqlConnection& c) { return shared_.batch.PutBatch(c, batch); });
  }

  absl::StatusOr<RecordBatch> GetBatch(const RecordIds& ids) override {
    RecordBatch out;
    RETURN_IF_ERROR(
        Run(Plan::Kind::kRead, IdsContext(ids), [&](SqlConnection& c) {
          ASSIGN_OR_RETURN(out, shared_.batch.GetBatch(c, ids));
          return absl::OkStatus();
        }));
    return out;
  }

 private:
  class CapturingVisitor : public RecordVisitor {
   public:
    CapturingVisitor(RecordVisitor& inner, bool* visited,
                     std::optional<absl::Status>* error)
        : inner_(inner), visited_(visited), error_(error) {}
    absl::Status OnProfile(const Profile& p) override {
      return Pass(inner_.OnProfile(p));
    }
    absl::Status OnSubscription(const Subscription& s) override {
      return Pass(inner_.OnSubscription(s));
    }
    absl::Status OnConversation(const Conversation& c) override {
      return Pass(inner_.OnConversation(c));
    }
    absl::Status OnBadRecord(absl::string_view kind, absl::string_view id,
                             const absl::Status& status) override {
      return Pass(inner_.OnBadRecord(kind, id, status));
    }

   private:
    absl::Status Pass(absl::Status status) {
      *visited_ = true;
      if (!status.ok()) *error_ = status;
      return status;
    }
    RecordVisitor& inner_;
    bool* visited_;
    std::optional<absl::Status>* error_;
  };

  static std::string ConversationContext(absl::string_view verb,
                                         absl::string_view id) {
    return absl::StrCat(verb, " conversation ", id);
  }

  // "save 100 records: 64 profiles (u1 ... u9), 36 subscriptions (...)".
  static std::string BatchContext(absl::string_view verb,
                                  const RecordBatch& batch) {
    const auto user = [](const auto& r) -> const std::string& {
      return r.user_id();
    };
    const auto id = [](const Conversation& c) -> const std::string& {
      return c.id();
    };
    std::string kinds;
    AppendKind("profiles", batch.profiles, user, &kinds);
    AppendKind("subscriptions", batch.subscriptions, user, &kinds);
    AppendKind("conversations", batch.conversations, id, &kinds);
    return absl::StrCat(verb, " ", batch.size(), " records:", kinds);
  }
  static std::string IdsContext(const RecordIds& ids) {
    const auto same = [](const std::string& s) -> const std::string& {
      return s;
    };
    std::string kinds;
    AppendKind("profiles", ids.profiles, same, &kinds);
    AppendKind("subscriptions", ids.subscriptions, same, &kinds);
    AppendKind("conversations", ids.conversations, same, &kinds);
    return absl::StrCat("read records:", kinds);
  }
  template <typename T, typename Key>
  static void AppendKind(absl::string_view name, const std::vector<T>& items,
                         Key key, std::string* out) {
    if (items.empty()) return;
    absl::StrAppend(out, out->empty() ? " " : ", ", items.size(), " ", name,
                    " (", key(items.front()));
    if (items.size() > 1) absl::StrAppend(out, " ... ", key(items.back()));
    out->push_back(')');
  }

  const SqlRecords& records() const { return shared_.records; }
  const SqlDialect& dialect() const { return shared_.dialect; }

  absl::Status CheckSchema();

  // Runs `fn` as one transaction of `kind` (or, in a view, inside the
  // view's transaction), retrying busy failures. Errors other than NotFound
  // gain `context`.
  absl::Status Run(Plan::Kind kind, absl::string_view context,
                   absl::FunctionRef<absl::Status(SqlConnection&)> fn) {
    RETURN_IF_ERROR(CheckSchema());
    return RunUnchecked(kind, context, fn);
  }
  absl::Status RunUnchecked(Plan::Kind kind, absl::string_view context,
                            absl::FunctionRef<absl::Status(SqlConnection&)> fn);
  // One attempt, without retry, of `fn` as a transaction of `kind` outside a
  // view: a write in the group commit when writes are grouped, else on a
  // pooled connection.
  absl::Status Attempt(Plan::Kind kind,
                       absl::FunctionRef<absl::Status(SqlConnection&)> fn);

  // Runs `update` (a SqlRecords Update* call) with `mutate` as one write
  // transaction, as Run does. A failure of `mutate` itself is returned
  // unchanged (the contract of Mutation), without `context`.
  // `update`: absl::StatusOr<Out>(SqlConnection&, Mutation<Record>).
  template <typename Out, typename Record, typename Update>
  absl::StatusOr<Out> RunMutation(absl::string_view context,
                                  Mutation<Record> mutate, Update update) {
    Out out;
    std::optional<absl::Status> mutation_error;
    auto captured = [&](Record& record) {
      absl::Status status = mutate(record);
      if (!status.ok()) mutation_error = status;
      return status;
    };
    absl::Status status =
        Run(Plan::Kind::kWrite, context, [&](SqlConnection& c) {
          mutation_error.reset();
          ASSIGN_OR_RETURN(out, update(c, captured));
          return absl::OkStatus();
        });
    if (!status.ok()) return mutation_error.value_or(status);
    return out;
  }

  // Runs `op`, giving it a PlanRun that runs each plan it builds as one
  // transaction: in a view, on the view's connection; else in the plan
  // runner when there is one, else on a pooled connection; retrying busy
  // failures. Errors other than NotFound gain `context`.
  absl::Status Planned(absl::string_view context,
                       absl::FunctionRef<absl::Status(PlanRun)> op) {
    RETURN_IF_ERROR(CheckSchema());
    absl::Status status = op([this](const Plan& plan, PlanReader& reader) {
      return RunPlan(plan, reader);
    });
    if (status.ok() || absl::IsNotFound(status)) return status;
    return Annotate(status, context);
  }
  absl::StatusOr<PlanChanges> RunPlan(const Plan& plan, PlanReader& reader);

  std::unique_ptr<Shared> owned_;  // null in a view
  Shared& shared_;
  SqlConnection* const pinned_;  // a view's connection; null otherwise
};

absl::Status SqlBackend::RunUnchecked(
    Plan::Kind kind, absl::string_view context,
    absl::FunctionRef<absl::Status(SqlConnection&)> fn) {
  absl::Status status = pinned_ != nullptr
                            ? fn(*pinned_)
                            : WithRetry([&]() { return Attempt(kind, fn); });
  if (status.ok() || absl::IsNotFound(status)) return status;
  return Annotate(status, context);
}

absl::Status SqlBackend::Attempt(
    Plan::Kind kind, absl::FunctionRef<absl::Status(SqlConnection&)> fn) {
  if (kind == Plan::Kind::kWrite && shared_.group_commit != nullptr) {
    return shared_.group_commit->Run(*shared_.source, fn);
  }
  ASSIGN_OR_RETURN(SqlConnectionLease lease, shared_.source->Acquire());
  if (kind == Plan::Kind::kAutocommit) return fn(*lease);
  // TransactionMode (sql_connection.h) is what BEGIN takes, so it has no
  // autocommit kind: that is a statement run outside BEGIN.
  RETURN_IF_ERROR(lease->Begin(kind == Plan::Kind::kWrite
                                   ? TransactionMode::kWrite
                                   : TransactionMode::kRead));
  // On error the lease rolls the transaction back as it is returned.
  RETURN_IF_ERROR(fn(*lease));
  return lease->Commit();
}

absl::StatusOr<PlanChanges> SqlBackend::RunPlan(const Plan& plan,
                                                PlanReader& reader) {
  if (pinned_ != nullptr) return RunPlanOn(*pinned_, plan, reader);
  PlanChanges out;
  RETURN_IF_ERROR(WithRetry([&]() -> absl::Status {
    if (shared_.runner != nullptr) {
      ASSIGN_OR_RETURN(out, shared_.runner->Run(plan, reader));
      return absl::OkStatus();
    }
    return Attempt(plan.kind(), [&](SqlConnection& c) -> absl::Status {
      ASSIGN_OR_RETURN(out, RunPlanOn(c, plan, reader));
      return absl::OkStatus();
    });
  }));
  return out;
}

absl::Status SqlBackend::CheckSchema() {
  if (shared_.schema_ready.load(std::memory_order_acquire)) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(SchemaStatus status, GetSchemaStatus());
  if (status.stored_version > kCodeSchemaVersion) {
    return NewerThanCode(status.stored_version);
  }
  if (status.stored_version < kCodeSchemaVersion) {
    return OlderThanCode(status.stored_version);
  }
  shared_.schema_ready = true;
  return absl::OkStatus();
}

absl::Status SqlBackend::ApplySchemaPolicy() {
  using Policy = BackendOptions::SchemaPolicy;
  const Policy policy = shared_.options.schema_policy;
  if (policy == Policy::kInspectOnly) return absl::OkStatus();
  ASSIGN_OR_RETURN(SchemaStatus status, GetSchemaStatus());
  if (status.stored_version > kCodeSchemaVersion) {
    return NewerThanCode(status.stored_version);
  }
  if (status.stored_version < kCodeSchemaVersion) {
    if (policy == Policy::kRefuseOlder) {
      return OlderThanCode(status.stored_version);
    }
    ASSIGN_OR_RETURN(status, UpgradeSchema());
  }
  return CheckSchema();
}

absl::Status SqlBackend::RunInTransaction(
    absl::FunctionRef<absl::Status(Backend&)> fn) {
  RETURN_IF_ERROR(CheckSchema());
  if (pinned_ != nullptr) {
    // Nested: a savepoint, so that an inner failure the outer function
    // handles leaves no trace either.
    RETURN_IF_ERROR(pinned_->ExecuteScript("SAVEPOINT parley_nested"));
    absl::Status status = fn(*this);
    if (!status.ok()) {
      pinned_->ExecuteScript("ROLLBACK TO SAVEPOINT parley_nested")
          .IgnoreError();  // `status` is what the caller needs to see
    }
    absl::Status released =
        pinned_->ExecuteScript("RELEASE SAVEPOINT parley_nested");
    return status.ok() ? released : status;
  }
  // Retry only taking the write lock: `fn` itself runs once, since it may
  // have effects outside the store.
  std::optional<SqlConnectionLease> lease;
  RETURN_IF_ERROR(Annotate(WithRetry([&]() -> absl::Status {
                             lease.reset();
                             ASSIGN_OR_RETURN(SqlConnectionLease l,
                                              shared_.source->Acquire());
                             RETURN_IF_ERROR(l->Begin(TransactionMode::kWrite));
                             lease.emplace(std::move(l));
                             return absl::OkStatus();
                           }),
                           "begin transaction"));
  SqlBackend view(shared_, lease->get());
  absl::Status status = fn(view);
  if (!status.ok()) {
    absl::Status rolled_back = (*lease)->Rollback();
    // A connection that cannot roll back must not be reused.
    if (!rolled_back.ok())
      return Annotate(rolled_back, "roll back transaction");
    return status;
  }
  return Annotate((*lease)->Commit(), "commit transaction");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> NewSqlBackend(
    std::unique_ptr<SqlConnectionSource> source, const SqlDialect& dialect,
    const BackendOptions& options, std::unique_ptr<PlanRunner> runner,
    Writes writes) {
  auto backend = std::make_unique<SqlBackend>(std::make_unique<Shared>(
      std::move(source), std::move(runner), writes, dialect, options));
  RETURN_IF_ERROR(backend->ApplySchemaPolicy());
  return backend;
}

}  // namespace sql
}  // namespace parley
