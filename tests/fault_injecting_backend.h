// A Backend that forwards to another and fails its Nth write, after
// LevelDB's EnvWrapper and RocksDB's fault_injection_fs.h: for testing that
// a failure midway (migration, a transaction) leaves no trace.
//
// Writes are the calls that can change the store: Create/Put/Append/Update/
// Delete of every kind. Reads, Count and Scan are never failed. The count is
// shared with the transaction views RunInTransaction hands out, so "the 5th
// write" means the 5th wherever it happens.
//
// Thread-safe when the wrapped backend is.
#ifndef PARLEY_TESTS_FAULT_INJECTING_BACKEND_H_
#define PARLEY_TESTS_FAULT_INJECTING_BACKEND_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "storage/backend.h"
#include "storage/status_macros.h"

namespace parley {
namespace testing {

class FaultInjectingBackend final : public Backend {
 public:
  struct Counter {
    std::atomic<int64_t> writes{0};
    int64_t fail_at = 0;  // 1-based; 0: never fail
    absl::StatusCode code = absl::StatusCode::kUnavailable;
  };

  // Fails write number `fail_at` (1-based; 0 never) with `code`, and every
  // write after it.
  FaultInjectingBackend(std::unique_ptr<Backend> owned, int64_t fail_at,
                        absl::StatusCode code = absl::StatusCode::kUnavailable)
      : owned_(std::move(owned)),
        target_(owned_.get()),
        counter_(std::make_shared<Counter>()) {
    counter_->fail_at = fail_at;
    counter_->code = code;
  }

  // How many writes were attempted (failed ones included).
  int64_t writes() const { return counter_->writes.load(); }

  absl::Status CreateConversation(const Conversation& c) override {
    RETURN_IF_ERROR(Fault());
    return target_->CreateConversation(c);
  }
  absl::Status PutConversation(const Conversation& c) override {
    RETURN_IF_ERROR(Fault());
    return target_->PutConversation(c);
  }
  absl::StatusOr<std::optional<Conversation>> GetConversation(
      absl::string_view id) override {
    return target_->GetConversation(id);
  }
  absl::StatusOr<std::vector<ConversationSummary>> ListConversations(
      absl::string_view user_id) override {
    return target_->ListConversations(user_id);
  }
  absl::Status AppendMessage(absl::string_view id,
                             const Message& message) override {
    RETURN_IF_ERROR(Fault());
    return target_->AppendMessage(id, message);
  }
  absl::StatusOr<Conversation> UpdateConversation(
      absl::string_view id, Mutation<Conversation> mutate) override {
    RETURN_IF_ERROR(Fault());
    return target_->UpdateConversation(id, mutate);
  }
  absl::StatusOr<int64_t> UpdateUserConversations(
      absl::string_view user_id,
      absl::FunctionRef<bool(Conversation&)> mutate) override {
    RETURN_IF_ERROR(Fault());
    return target_->UpdateUserConversations(user_id, mutate);
  }
  absl::StatusOr<bool> DeleteConversation(absl::string_view id) override {
    RETURN_IF_ERROR(Fault());
    return target_->DeleteConversation(id);
  }
  absl::StatusOr<int64_t> CountConversations(
      absl::string_view user_id,
      std::optional<absl::string_view> active_at) override {
    return target_->CountConversations(user_id, active_at);
  }
  absl::Status PutProfile(const Profile& profile) override {
    RETURN_IF_ERROR(Fault());
    return target_->PutProfile(profile);
  }
  absl::StatusOr<std::optional<Profile>> GetProfile(
      absl::string_view user_id) override {
    return target_->GetProfile(user_id);
  }
  absl::StatusOr<Profile> UpdateProfile(absl::string_view user_id,
                                        Mutation<Profile> mutate) override {
    RETURN_IF_ERROR(Fault());
    return target_->UpdateProfile(user_id, mutate);
  }
  absl::Status PutSubscription(const Subscription& subscription) override {
    RETURN_IF_ERROR(Fault());
    return target_->PutSubscription(subscription);
  }
  absl::StatusOr<std::optional<Subscription>> GetSubscription(
      absl::string_view user_id) override {
    return target_->GetSubscription(user_id);
  }
  absl::StatusOr<Subscription> UpdateSubscription(
      absl::string_view user_id, Mutation<Subscription> mutate) override {
    RETURN_IF_ERROR(Fault());
    return target_->UpdateSubscription(user_id, mutate);
  }
  absl::StatusOr<std::optional<Subscription>> UpdateSubscriptionByStripeId(
      absl::string_view stripe_id, Mutation<Subscription> mutate) override {
    RETURN_IF_ERROR(Fault());
    return target_->UpdateSubscriptionByStripeId(stripe_id, mutate);
  }
  absl::StatusOr<StoreCounts> Count() override { return target_->Count(); }
  absl::Status Scan(RecordVisitor& visitor) override {
    return target_->Scan(visitor);
  }
  absl::StatusOr<SchemaStatus> GetSchemaStatus() override {
    return target_->GetSchemaStatus();
  }
  absl::StatusOr<SchemaStatus> UpgradeSchema() override {
    return target_->UpgradeSchema();
  }
  absl::Status RunInTransaction(
      absl::FunctionRef<absl::Status(Backend&)> fn) override {
    return target_->RunInTransaction([&](Backend& inner) {
      FaultInjectingBackend view(&inner, counter_);
      return fn(view);
    });
  }

 private:
  FaultInjectingBackend(Backend* target, std::shared_ptr<Counter> counter)
      : target_(target), counter_(std::move(counter)) {}

  absl::Status Fault() {
    const int64_t n = counter_->writes.fetch_add(1) + 1;
    if (counter_->fail_at > 0 && n >= counter_->fail_at) {
      return absl::Status(counter_->code,
                          absl::StrCat("injected fault at write ", n));
    }
    return absl::OkStatus();
  }

  std::unique_ptr<Backend> owned_;  // null for a transaction's view
  Backend* const target_;
  const std::shared_ptr<Counter> counter_;
};

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_FAULT_INJECTING_BACKEND_H_
