#include "bench/council_ops.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace parley {
namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

int64_t Nanos(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(end - start)
      .count();
}

// Users [first, end) of slice `i` of `n`.
std::pair<int, int> Slice(int users, int i, int n) {
  return {static_cast<int>(int64_t{users} * i / n),
          static_cast<int>(int64_t{users} * (i + 1) / n)};
}

Op MakeOp(OpKind kind, std::string id, std::string user_id = "",
          std::string text1 = "") {
  Op op;
  op.kind = kind;
  op.id = std::move(id);
  op.user_id = std::move(user_id);
  op.text1 = std::move(text1);
  return op;
}

// Gathers the results of the threads or chains of one run.
class Results {
 public:
  void Add(std::vector<int64_t> latencies, int64_t errors,
           const absl::Status& first_error) {
    absl::MutexLock lock(&mu_);
    result_.ops += static_cast<int64_t>(latencies.size());
    result_.latencies_ns.insert(result_.latencies_ns.end(), latencies.begin(),
                                latencies.end());
    result_.errors += errors;
    if (result_.first_error.ok()) result_.first_error = first_error;
  }
  PhaseResult Finish(double seconds) {
    absl::MutexLock lock(&mu_);
    result_.seconds = seconds;
    std::sort(result_.latencies_ns.begin(), result_.latencies_ns.end());
    return std::move(result_);
  }

 private:
  absl::Mutex mu_;
  PhaseResult result_ ABSL_GUARDED_BY(mu_);
};

class StorageOpTarget : public OpTarget {
 public:
  explicit StorageOpTarget(Storage* storage) : s_(*storage) {}

  absl::Status Run(const Op& op) override {
    switch (op.kind) {
      case OpKind::kCreateUserProfile:
        return s_.CreateUserProfile(op.user_id, op.text1, op.text2).status();
      case OpKind::kCreateSubscription:
        return s_.CreateSubscription(op.user_id, op.text1).status();
      case OpKind::kUpdateSubscription:
        return s_.UpdateSubscription(op.user_id, op.text1).status();
      case OpKind::kCreateConversation:
        return s_.CreateConversation(op.id, op.user_id, op.text1).status();
      case OpKind::kAddUserMessage:
        return s_.AddUserMessage(op.id, op.text1);
      case OpKind::kAddAssistantMessage:
        return s_.AddAssistantMessage(op.id, op.text1, op.text2, op.text3,
                                      op.text4);
      case OpKind::kUpdateConversationTitle:
        return s_.UpdateConversationTitle(op.id, op.text1);
      case OpKind::kToggleConversationStarred:
        return s_.ToggleConversationStarred(op.id).status();
      case OpKind::kSaveFollowUpAnswers:
        return s_.SaveFollowUpAnswers(op.id, op.text1);
      case OpKind::kListConversations:
        return s_.ListConversations(op.user_id).status();
      case OpKind::kGetConversation:
        return s_.GetConversation(op.id).status();
      case OpKind::kUpdateSubscriptionByStripeId:
        return s_.UpdateSubscriptionByStripeId(op.id, op.text1).status();
      case OpKind::kRestoreAllExpiredReports:
        return s_.RestoreAllExpiredReports(op.user_id).status();
      case OpKind::kCountUserConversations:
        return s_.CountUserConversations(op.user_id).status();
      case OpKind::kGetActiveConversationsCount:
        return s_.GetActiveConversationsCount(op.user_id).status();
      case OpKind::kDeleteConversation:
        return s_.DeleteConversation(op.id);
    }
    return absl::InternalError("unknown op");
  }

 private:
  Storage& s_;
};

// Adapts a callback of a StatusOr into one of its status.
template <typename T>
AsyncStorage::Callback<T> StatusOnly(AsyncStorage::StatusCallback done) {
  return [done = std::move(done)](absl::StatusOr<T> result) mutable {
    done(result.status());
  };
}

// Queues `op` on `s`; `done` gets its status.
absl::Status Issue(AsyncStorage& s, const Op& op,
                   AsyncStorage::StatusCallback done) {
  switch (op.kind) {
    case OpKind::kCreateUserProfile:
      return s.CreateUserProfile(op.user_id, op.text1, op.text2,
                                 StatusOnly<Profile>(std::move(done)));
    case OpKind::kCreateSubscription:
      return s.CreateSubscription(op.user_id, op.text1,
                                  StatusOnly<Subscription>(std::move(done)));
    case OpKind::kUpdateSubscription:
      return s.UpdateSubscription(op.user_id, op.text1,
                                  StatusOnly<Subscription>(std::move(done)));
    case OpKind::kCreateConversation:
      return s.CreateConversation(op.id, op.user_id, op.text1,
                                  StatusOnly<Conversation>(std::move(done)));
    case OpKind::kAddUserMessage:
      return s.AddUserMessage(op.id, op.text1, std::move(done));
    case OpKind::kAddAssistantMessage:
      return s.AddAssistantMessage(op.id, op.text1, op.text2, op.text3,
                                   absl::string_view(op.text4),
                                   std::move(done));
    case OpKind::kUpdateConversationTitle:
      return s.UpdateConversationTitle(op.id, op.text1, std::move(done));
    case OpKind::kToggleConversationStarred:
      return s.ToggleConversationStarred(op.id,
                                         StatusOnly<bool>(std::move(done)));
    case OpKind::kSaveFollowUpAnswers:
      return s.SaveFollowUpAnswers(op.id, op.text1, std::move(done));
    case OpKind::kListConversations:
      return s.ListConversations(
          op.user_id,
          StatusOnly<std::vector<ConversationSummary>>(std::move(done)));
    case OpKind::kGetConversation:
      return s.GetConversation(
          op.id, StatusOnly<std::optional<Conversation>>(std::move(done)));
    case OpKind::kUpdateSubscriptionByStripeId:
      return s.UpdateSubscriptionByStripeId(
          op.id, op.text1,
          StatusOnly<std::optional<Subscription>>(std::move(done)));
    case OpKind::kRestoreAllExpiredReports:
      return s.RestoreAllExpiredReports(op.user_id,
                                        StatusOnly<int64_t>(std::move(done)));
    case OpKind::kCountUserConversations:
      return s.CountUserConversations(op.user_id,
                                      StatusOnly<int64_t>(std::move(done)));
    case OpKind::kGetActiveConversationsCount:
      return s.GetActiveConversationsCount(
          op.user_id, StatusOnly<int64_t>(std::move(done)));
    case OpKind::kDeleteConversation:
      return s.DeleteConversation(op.id, std::move(done));
  }
  return absl::InternalError("unknown op");
}

// What the chains of one async run share with the thread waiting for them.
// Shared ownership: the last chain may still be returning from Notify()
// when the waiting thread wakes up.
struct RunState {
  explicit RunState(int chains) : running(chains) {}
  std::atomic<int> running;
  absl::Notification done;
};

// One chain of the async run: its calls, made one after the other.
class Chain {
 public:
  Chain(std::vector<const Op*> ops, AsyncStorage& storage, Results& results,
        std::shared_ptr<RunState> state)
      : ops_(std::move(ops)),
        storage_(storage),
        results_(results),
        state_(std::move(state)) {
    latencies_.reserve(ops_.size());
  }

  // Queues the next call, or reports the chain's results when none is
  // left. Runs on the starting thread, then on storage threads (one call of
  // a chain at a time, so the chain's fields need no lock).
  void Next() {
    if (next_ == ops_.size()) {
      results_.Add(std::move(latencies_), errors_, first_error_);
      // The waiting thread may destroy this chain once `running` reaches 0.
      std::shared_ptr<RunState> state = state_;
      if (--state->running == 0) state->done.Notify();
      return;
    }
    const Op& op = *ops_[next_++];
    const Clock::time_point start = Clock::now();
    absl::Status queued = Issue(storage_, op, [this, start](absl::Status s) {
      latencies_.push_back(Nanos(start, Clock::now()));
      Record(s);
      Next();
    });
    if (!queued.ok()) {
      Record(queued);
      next_ = ops_.size();
      Next();
    }
  }

 private:
  void Record(const absl::Status& status) {
    if (status.ok()) return;
    ++errors_;
    if (first_error_.ok()) first_error_ = status;
  }

  const std::vector<const Op*> ops_;
  AsyncStorage& storage_;
  Results& results_;
  const std::shared_ptr<RunState> state_;
  size_t next_ = 0;
  std::vector<int64_t> latencies_;
  int64_t errors_ = 0;
  absl::Status first_error_;
};

}  // namespace

const char* OpName(OpKind kind) {
  switch (kind) {
    case OpKind::kCreateUserProfile:
      return "create_user_profile";
    case OpKind::kCreateSubscription:
      return "create_subscription";
    case OpKind::kUpdateSubscription:
      return "update_subscription";
    case OpKind::kCreateConversation:
      return "create_conversation";
    case OpKind::kAddUserMessage:
      return "add_user_message";
    case OpKind::kAddAssistantMessage:
      return "add_assistant_message";
    case OpKind::kUpdateConversationTitle:
      return "update_conversation_title";
    case OpKind::kToggleConversationStarred:
      return "toggle_conversation_starred";
    case OpKind::kSaveFollowUpAnswers:
      return "save_follow_up_answers";
    case OpKind::kListConversations:
      return "list_conversations";
    case OpKind::kGetConversation:
      return "get_conversation";
    case OpKind::kUpdateSubscriptionByStripeId:
      return "update_subscription_by_stripe_id";
    case OpKind::kRestoreAllExpiredReports:
      return "restore_all_expired_reports";
    case OpKind::kCountUserConversations:
      return "count_user_conversations";
    case OpKind::kGetActiveConversationsCount:
      return "get_active_conversations_count";
    case OpKind::kDeleteConversation:
      return "delete_conversation";
  }
  return "?";
}

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kLoad:
      return "load";
    case Phase::kEdit:
      return "edit";
    case Phase::kRead:
      return "read";
    case Phase::kBilling:
      return "billing";
    case Phase::kCount:
      return "count";
    case Phase::kDelete:
      return "delete";
  }
  return "?";
}

Script RepeatCalls(Script script, int64_t min_calls) {
  int64_t calls = 0;
  for (const std::vector<Op>& user : script) calls += user.size();
  if (calls == 0 || calls >= min_calls) return script;
  const int64_t passes = (min_calls + calls - 1) / calls;
  for (std::vector<Op>& user : script) {
    const size_t one_pass = user.size();
    user.reserve(one_pass * passes);
    for (int64_t pass = 1; pass < passes; ++pass) {
      for (size_t i = 0; i < one_pass; ++i) user.push_back(user[i]);
    }
  }
  return script;
}

Script BuildPhase(Phase phase, const Workload& w) {
  const WorkloadParams& p = w.params();
  Script script(p.users);
  for (int u = 0; u < p.users; ++u) {
    std::vector<Op>& ops = script[u];
    const std::string user_id = w.UserId(u);
    switch (phase) {
      case Phase::kLoad: {
        // As LoadUsers (cli/workload.h), call for call.
        Op profile =
            MakeOp(OpKind::kCreateUserProfile, "", user_id, w.Email(u));
        profile.text2 = w.ProfileJson(u);
        ops.push_back(std::move(profile));
        const std::string tier = w.Tier(u);
        ops.push_back(MakeOp(OpKind::kCreateSubscription, "", user_id, tier));
        if (w.IsPaid(u)) {
          ops.push_back(MakeOp(
              OpKind::kUpdateSubscription, "", user_id,
              absl::StrCat(R"({"stripe_customer_id":")", w.StripeCustomerId(u),
                           R"(","stripe_subscription_id":")",
                           w.StripeSubscriptionId(u), R"("})")));
        }
        for (int c = 0; c < p.conversations_per_user; ++c) {
          const std::string id = w.ConversationId(u, c);
          ops.push_back(MakeOp(OpKind::kCreateConversation, id, user_id, tier));
          for (int e = 0; e < p.exchanges; ++e) {
            ops.push_back(MakeOp(OpKind::kAddUserMessage, id, user_id,
                                 w.UserMessage(u, c, e)));
            Workload::AssistantAnswer answer = w.Answer(u, c, e);
            Op op = MakeOp(OpKind::kAddAssistantMessage, id, user_id,
                           std::move(answer.stage1_json));
            op.text2 = std::move(answer.stage2_json);
            op.text3 = std::move(answer.stage3_json);
            op.text4 = std::move(answer.metadata_json);
            ops.push_back(std::move(op));
          }
        }
        break;
      }
      case Phase::kEdit:
        for (int c = 0; c < p.conversations_per_user; ++c) {
          const int k = u * p.conversations_per_user + c;
          const std::string id = w.ConversationId(u, c);
          ops.push_back(MakeOp(OpKind::kUpdateConversationTitle, id, user_id,
                               absl::StrCat("Council question ", k, " ✓")));
          if (k % 3 == 0) {
            ops.push_back(
                MakeOp(OpKind::kToggleConversationStarred, id, user_id));
          }
          if (k % 5 == 0) {
            ops.push_back(MakeOp(
                OpKind::kSaveFollowUpAnswers, id, user_id,
                absl::StrCat(R"({"q1":"oui","q2":"naïve","n":)", k, "}")));
          }
        }
        break;
      case Phase::kRead:
        ops.push_back(MakeOp(OpKind::kListConversations, "", user_id));
        for (int c = 0; c < p.conversations_per_user; ++c) {
          ops.push_back(MakeOp(OpKind::kGetConversation, w.ConversationId(u, c),
                               user_id));
        }
        break;
      case Phase::kBilling:
        if (!w.IsPaid(u)) break;
        ops.push_back(MakeOp(
            OpKind::kUpdateSubscriptionByStripeId, w.StripeSubscriptionId(u),
            user_id,
            R"({"status":"active","current_period_end":"2026-01-04T10:11:12"})"));
        ops.push_back(MakeOp(OpKind::kRestoreAllExpiredReports, "", user_id));
        break;
      case Phase::kCount:
        ops.push_back(MakeOp(OpKind::kCountUserConversations, "", user_id));
        ops.push_back(
            MakeOp(OpKind::kGetActiveConversationsCount, "", user_id));
        break;
      case Phase::kDelete:
        for (int c = 0; c < p.conversations_per_user; ++c) {
          if ((u * p.conversations_per_user + c) % 10 != 0) continue;
          ops.push_back(MakeOp(OpKind::kDeleteConversation,
                               w.ConversationId(u, c), user_id));
        }
        break;
    }
  }
  return script;
}

Script BuildContention(const std::vector<std::string>& ids, int workers,
                       int per_worker) {
  Script script(workers);
  for (int t = 0; t < workers; ++t) {
    for (int i = 0; i < per_worker; ++i) {
      script[t].push_back(MakeOp(OpKind::kAddUserMessage,
                                 ids[(t + i) % ids.size()], "",
                                 absl::StrCat(t, ":", i)));
    }
  }
  return script;
}

double PhaseResult::QuantileUs(double q) const {
  if (latencies_ns.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * latencies_ns.size()));
  rank = std::clamp<size_t>(rank, 1, latencies_ns.size());
  return latencies_ns[rank - 1] / 1000.0;
}

PhaseResult MedianPass(std::vector<PhaseResult> passes) {
  if (passes.empty()) return PhaseResult();
  std::sort(passes.begin(), passes.end(),
            [](const PhaseResult& a, const PhaseResult& b) {
              return a.OpsPerSecond() < b.OpsPerSecond();
            });
  PhaseResult out = std::move(passes[passes.size() / 2]);
  for (size_t i = 0; i < passes.size(); ++i) {
    if (i == passes.size() / 2) continue;
    out.latencies_ns.insert(out.latencies_ns.end(),
                            passes[i].latencies_ns.begin(),
                            passes[i].latencies_ns.end());
    out.errors += passes[i].errors;
    if (out.first_error.ok()) out.first_error = passes[i].first_error;
  }
  std::sort(out.latencies_ns.begin(), out.latencies_ns.end());
  return out;
}

std::unique_ptr<OpTarget> StorageTarget(Storage* storage) {
  return std::make_unique<StorageOpTarget>(storage);
}

PhaseResult RunOnThreads(const Script& script, int workers,
                         const TargetFactory& make_target) {
  Results results;
  const int users = static_cast<int>(script.size());
  std::vector<std::unique_ptr<OpTarget>> targets;
  for (int i = 0; i < workers; ++i) {
    absl::StatusOr<std::unique_ptr<OpTarget>> target = make_target();
    if (!target.ok()) {
      results.Add({}, 1, target.status());
      return results.Finish(0);
    }
    targets.push_back(*std::move(target));
  }
  // The clock starts once every thread is up: at W = 64, creating the
  // threads one after another takes longer than a pass of the count phase.
  absl::BlockingCounter ready(workers);
  absl::Notification go;
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back([&, i] {
      ready.DecrementCount();
      go.WaitForNotification();
      std::vector<int64_t> latencies;
      int64_t errors = 0;
      absl::Status first_error;
      const auto [first, end] = Slice(users, i, workers);
      for (int u = first; u < end; ++u) {
        for (const Op& op : script[u]) {
          const Clock::time_point t0 = Clock::now();
          absl::Status status = targets[i]->Run(op);
          latencies.push_back(Nanos(t0, Clock::now()));
          if (!status.ok()) {
            ++errors;
            if (first_error.ok()) first_error = status;
          }
        }
      }
      results.Add(std::move(latencies), errors, first_error);
    });
  }
  ready.Wait();
  const Clock::time_point start = Clock::now();
  go.Notify();
  for (std::thread& thread : threads) thread.join();
  const double seconds = Nanos(start, Clock::now()) / 1e9;
  targets.clear();
  return results.Finish(seconds);
}

PhaseResult RunAsync(const Script& script, int chains, AsyncStorage& storage) {
  Results results;
  const int users = static_cast<int>(script.size());
  auto state = std::make_shared<RunState>(chains);
  std::vector<std::unique_ptr<Chain>> all;
  for (int i = 0; i < chains; ++i) {
    std::vector<const Op*> ops;
    const auto [first, end] = Slice(users, i, chains);
    for (int u = first; u < end; ++u) {
      for (const Op& op : script[u]) ops.push_back(&op);
    }
    all.push_back(
        std::make_unique<Chain>(std::move(ops), storage, results, state));
  }
  const Clock::time_point start = Clock::now();
  for (std::unique_ptr<Chain>& chain : all) chain->Next();
  state->done.WaitForNotification();
  const double seconds = Nanos(start, Clock::now()) / 1e9;
  return results.Finish(seconds);
}

}  // namespace bench
}  // namespace parley
