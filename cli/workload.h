// The council workload of ../shared/WORKLOAD.md: deterministic data, so that
// two runs with the same parameters write the same bytes. Each record's text
// comes from a generator seeded by (seed, user, conversation, exchange), so
// any slice of the workload can be produced on its own, in any order, by any
// worker.
#ifndef PARLEY_CLI_WORKLOAD_H_
#define PARLEY_CLI_WORKLOAD_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "api/storage.h"

namespace parley {

struct WorkloadParams {
  int users = 200;                  // U
  int conversations_per_user = 10;  // C
  int exchanges = 3;                // E
  uint64_t seed = 42;               // S
};

class Workload {
 public:
  explicit Workload(const WorkloadParams& params) : params_(params) {}

  const WorkloadParams& params() const { return params_; }

  std::string UserId(int user) const;       // user_000000
  std::string Email(int user) const;        // user_000000@example.com
  std::string ProfileJson(int user) const;  // {gender, age_range, mood}
  // 70 % free, 20 % monthly, 10 % yearly, fixed per user by the seed.
  std::string Tier(int user) const;
  bool IsPaid(int user) const { return Tier(user) != "free"; }
  std::string StripeCustomerId(int user) const;      // cus_000000
  std::string StripeSubscriptionId(int user) const;  // sub_000000
  // 32 hex digits in 8-4-4-4-12 form.
  std::string ConversationId(int user, int conversation) const;

  // 200-400 characters; one message in ten holds non-ASCII words.
  std::string UserMessage(int user, int conversation, int exchange) const;

  struct AssistantAnswer {
    std::string stage1_json;    // 4 x {"model", "response"} (~800 chars each)
    std::string stage2_json;    // 4 x {"model", "ranking", "parsed_ranking"}
    std::string stage3_json;    // {"model", "response"} (~1,000 chars)
    std::string metadata_json;  // with request_id 9007199254740993 and 1.75
  };
  AssistantAnswer Answer(int user, int conversation, int exchange) const;

 private:
  WorkloadParams params_;
};

// Phase 1 (load) for users [first_user, end_user): per user a profile and a
// subscription (paid ones then carry their Stripe ids); per conversation
// create_conversation and E exchanges. `on_op` (optional) is called after
// each call with the call's name.
absl::Status LoadUsers(Storage& storage, const Workload& workload,
                       int first_user, int end_user,
                       const std::function<void(const char* op)>& on_op = {});

}  // namespace parley

#endif  // PARLEY_CLI_WORKLOAD_H_
