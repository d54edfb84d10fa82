// The council workload's phases (../shared/WORKLOAD.md) as lists of calls,
// and the ways the benchmark runs them: on a Storage from W threads, on an
// AsyncStorage as W chains of callbacks, or on a raw baseline.
//
// Every call's arguments (payload texts included) are generated before a
// phase is timed, so the timings measure the store, not the generator.
#ifndef PARLEY_BENCH_COUNCIL_OPS_H_
#define PARLEY_BENCH_COUNCIL_OPS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "api/async_storage.h"
#include "api/storage.h"
#include "cli/workload.h"

namespace parley {
namespace bench {

enum class OpKind {
  kCreateUserProfile,             // user_id, text1 = email, text2 = profile
  kCreateSubscription,            // user_id, text1 = tier
  kUpdateSubscription,            // user_id, text1 = data (the Stripe ids)
  kCreateConversation,            // id, user_id, text1 = tier
  kAddUserMessage,                // id, text1 = content
  kAddAssistantMessage,           // id, text1..text4 = stage1..3, metadata
  kUpdateConversationTitle,       // id, text1 = title
  kToggleConversationStarred,     // id
  kSaveFollowUpAnswers,           // id, text1 = answers
  kListConversations,             // user_id
  kGetConversation,               // id
  kUpdateSubscriptionByStripeId,  // id = Stripe id, text1 = data
  kRestoreAllExpiredReports,      // user_id
  kCountUserConversations,        // user_id
  kGetActiveConversationsCount,   // user_id
  kDeleteConversation,            // id
};

// The contract's name of the call ("add_user_message").
const char* OpName(OpKind kind);

struct Op {
  OpKind kind;
  std::string id;
  std::string user_id;
  std::string text1, text2, text3, text4;
};

enum class Phase { kLoad, kEdit, kRead, kBilling, kCount, kDelete };
inline constexpr Phase kPhases[] = {Phase::kLoad,  Phase::kEdit,
                                    Phase::kRead,  Phase::kBilling,
                                    Phase::kCount, Phase::kDelete};
const char* PhaseName(Phase phase);

// One list of calls per user, in the order that user's calls are made.
using Script = std::vector<std::vector<Op>>;

// The calls of `phase` for every user of `workload`.
Script BuildPhase(Phase phase, const Workload& workload);

// `script` with each user's calls made again as often as needed for at least
// `min_calls` calls in all (a phase that only reads can run twice on the
// same store). One pass of count is a few milliseconds at W = 8, too short
// to time: thread start-up and scheduling would be what it measures.
Script RepeatCalls(Script script, int64_t min_calls);

// The contention run: `workers` lists, each appending `per_worker` user
// messages "<worker>:<i>" to conversations `ids` in turn.
Script BuildContention(const std::vector<std::string>& ids, int workers,
                       int per_worker);

// A phase's measurement: latencies of every call, sorted.
struct PhaseResult {
  int64_t ops = 0;
  double seconds = 0;
  std::vector<int64_t> latencies_ns;
  int64_t errors = 0;
  absl::Status first_error;

  double OpsPerSecond() const { return seconds > 0 ? ops / seconds : 0; }
  // The latency at quantile q (0 < q <= 1), in microseconds.
  double QuantileUs(double q) const;
};

// The passes of one phase, run in turn with other systems' passes: the
// throughput of the median pass (by ops/s), the latencies of all of them.
// On a shared machine whose CPU is taken away in bursts, a figure taken in
// one short stretch says more about the neighbours than about the store.
PhaseResult MedianPass(std::vector<PhaseResult> passes);

// Runs one call synchronously. Implementations need not be thread-safe: the
// runner gives each thread its own (see TargetFactory).
class OpTarget {
 public:
  virtual ~OpTarget() = default;
  // Unimplemented when the target cannot make that call.
  virtual absl::Status Run(const Op& op) = 0;
};
using TargetFactory =
    std::function<absl::StatusOr<std::unique_ptr<OpTarget>>()>;

// An OpTarget that makes each call on `storage` (not owned).
std::unique_ptr<OpTarget> StorageTarget(Storage* storage);

// Runs `script` on `workers` threads, each with its own target, thread i
// taking a contiguous slice of the users (disjoint from the others).
PhaseResult RunOnThreads(const Script& script, int workers,
                         const TargetFactory& make_target);

// Runs `script` on `storage` as `chains` chains of callbacks, each taking a
// contiguous slice of the users: a chain queues its next call from the
// completion callback of the previous one, so no thread waits on a call.
// A call's latency runs from queueing to its callback.
PhaseResult RunAsync(const Script& script, int chains, AsyncStorage& storage);

}  // namespace bench
}  // namespace parley

#endif  // PARLEY_BENCH_COUNCIL_OPS_H_
