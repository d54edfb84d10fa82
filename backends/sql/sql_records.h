// Each Backend operation as the statements it runs, without transaction
// control: SqlBackend wraps each call in the transaction it needs (or runs
// it inside the caller's RunInTransaction).
//
// Operations whose statements are known before the first runs are built as
// a Plan (backends/sql/sql_plan.h) and handed to `run`, which runs it on a
// connection or in a pipeline and retries it; read-modify-writes run on a
// connection `c` the caller holds.
#ifndef PARLEY_BACKENDS_SQL_SQL_RECORDS_H_
#define PARLEY_BACKENDS_SQL_SQL_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/sql_dialect.h"
#include "backends/sql/sql_plan.h"
#include "proto/records.pb.h"
#include "storage/backend.h"

namespace parley {
namespace sql {

// Thread-safe: holds only the statement texts, fixed at construction.
class SqlRecords {
 public:
  explicit SqlRecords(const SqlDialect& dialect);

  // The methods below mirror storage/backend.h, with the same contracts.
  // Those taking `c` REQUIRE a write transaction on it.
  absl::Status CreateConversation(PlanRun run,
                                  const Conversation& conversation) const;
  absl::Status PutConversation(PlanRun run,
                               const Conversation& conversation) const;
  absl::StatusOr<std::optional<Conversation>> GetConversation(
      PlanRun run, absl::string_view id) const;
  absl::StatusOr<std::vector<ConversationSummary>> ListConversations(
      PlanRun run, absl::string_view user_id) const;
  absl::Status AppendMessage(PlanRun run, absl::string_view id,
                             const Message& message) const;
  absl::StatusOr<Conversation> UpdateConversation(
      SqlConnection& c, absl::string_view id,
      Mutation<Conversation> mutate) const;
  absl::StatusOr<int64_t> UpdateUserConversations(
      SqlConnection& c, absl::string_view user_id,
      absl::FunctionRef<bool(Conversation&)> mutate) const;
  absl::StatusOr<bool> DeleteConversation(PlanRun run,
                                          absl::string_view id) const;
  absl::StatusOr<int64_t> CountConversations(
      PlanRun run, absl::string_view user_id,
      std::optional<absl::string_view> active_at) const;

  absl::Status PutProfile(PlanRun run, const Profile& profile) const;
  absl::StatusOr<std::optional<Profile>> GetProfile(
      PlanRun run, absl::string_view user_id) const;
  absl::StatusOr<Profile> UpdateProfile(SqlConnection& c,
                                        absl::string_view user_id,
                                        Mutation<Profile> mutate) const;

  absl::Status PutSubscription(PlanRun run,
                               const Subscription& subscription) const;
  absl::StatusOr<std::optional<Subscription>> GetSubscription(
      PlanRun run, absl::string_view user_id) const;
  absl::StatusOr<Subscription> UpdateSubscription(
      SqlConnection& c, absl::string_view user_id,
      Mutation<Subscription> mutate) const;
  absl::StatusOr<std::optional<Subscription>> UpdateSubscriptionByStripeId(
      SqlConnection& c, absl::string_view stripe_subscription_id,
      Mutation<Subscription> mutate) const;

  absl::StatusOr<StoreCounts> Count(PlanRun run) const;
  absl::Status Scan(SqlConnection& c, RecordVisitor& visitor) const;

 private:
  // Adds the statements that store `conversation` after `upsert` (the
  // users row it needs, the row, its messages).
  absl::Status AddConversation(const std::string& upsert,
                               const Conversation& conversation,
                               bool replace_messages, Plan& plan) const;
  absl::StatusOr<Plan> PutProfilePlan(const Profile& profile) const;
  absl::StatusOr<Plan> PutSubscriptionPlan(const Subscription& s) const;
  absl::StatusOr<std::optional<Subscription>> ReadSubscription(
      SqlConnection& c, const std::string& sql, absl::string_view key) const;
  absl::StatusOr<Subscription> MutateSubscription(
      SqlConnection& c, Subscription subscription,
      Mutation<Subscription> mutate) const;

  // Statement texts in the dialect's form.
  std::string ensure_user_;
  std::string insert_conversation_;
  std::string upsert_conversation_;
  std::string select_conversation_;
  std::string select_conversation_for_update_;
  std::string select_user_conversations_for_update_;
  std::string select_messages_;
  std::string list_user_;
  std::string list_all_;
  std::string lock_conversation_;
  std::string insert_message_;
  std::string append_message_;
  std::string delete_messages_;
  std::string delete_conversation_;
  std::string count_user_;
  std::string count_active_;
  std::string upsert_profile_;
  std::string select_profile_;
  std::string select_profile_for_update_;
  std::string upsert_subscription_;
  std::string select_subscription_;
  std::string select_subscription_for_update_;
  std::string select_subscription_by_stripe_;
  std::string count_all_;
  std::string scan_profiles_;
  std::string scan_subscriptions_;
  std::string scan_conversations_;
};

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_SQL_RECORDS_H_
