// A Backend that forwards to another and fails its Nth write, after
// LevelDB's EnvWrapper and RocksDB's fault_injection_fs.h: for testing that
// a failure midway (migration, a transaction) leaves no trace.
//
// Writes are the calls that can change the store: Create/Put/Append/Update/
// Delete of every kind, and RecordStream::PutBatch of stream(), which counts
// as one write and otherwise reaches the wrapped backend's own PutBatch (the
// multi-row statements of a SQL store), as in production. Reads, Count, Scan
// and GetBatch are never failed. The count is shared with the transaction
// views RunInTransaction hands out, so "the 5th write" means the 5th
// wherever it happens.
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
#include "storage/backend_wrapper.h"
#include "storage/status_macros.h"

namespace parley {
namespace testing {

class FaultInjectingBackend final : public BackendWrapper {
 public:
  // Fails write number `fail_at` (1-based; 0 never) with `code`, and every
  // write after it.
  FaultInjectingBackend(std::unique_ptr<Backend> owned, int64_t fail_at,
                        absl::StatusCode code = absl::StatusCode::kUnavailable)
      : FaultInjectingBackend(owned.get(),
                              std::make_shared<Counter>(fail_at, code)) {
    owned_ = std::move(owned);
  }

  // How many writes were attempted (failed ones included).
  int64_t writes() const { return counter_->writes.load(); }

  absl::Status CreateConversation(const Conversation& c) override {
    RETURN_IF_ERROR(Fault());
    return BackendWrapper::CreateConversation(c);
  }
  absl::Status PutConversation(const Conversation& c) override {
    RETURN_IF_ERROR(Fault());
    return BackendWrapper::PutConversation(c);
  }
  absl::Status AppendMessage(absl::string_view id,
                             const Message& message) override {
    RETURN_IF_ERROR(Fault());
    return BackendWrapper::AppendMessage(id, message);
  }
  absl::StatusOr<Conversation> UpdateConversation(
      absl::string_view id, Mutation<Conversation> mutate) override {
    RETURN_IF_ERROR(Fault());
    return BackendWrapper::UpdateConversation(id, mutate);
  }
  absl::StatusOr<int64_t> UpdateUserConversations(
      absl::string_view user_id,
      absl::FunctionRef<bool(Conversation&)> mutate) override {
    RETURN_IF_ERROR(Fault());
    return BackendWrapper::UpdateUserConversations(user_id, mutate);
  }
  absl::StatusOr<bool> DeleteConversation(absl::string_view id) override {
    RETURN_IF_ERROR(Fault());
    return BackendWrapper::DeleteConversation(id);
  }
  absl::Status PutProfile(const Profile& profile) override {
    RETURN_IF_ERROR(Fault());
    return BackendWrapper::PutProfile(profile);
  }
  absl::StatusOr<Profile> UpdateProfile(absl::string_view user_id,
                                        Mutation<Profile> mutate) override {
    RETURN_IF_ERROR(Fault());
    return BackendWrapper::UpdateProfile(user_id, mutate);
  }
  absl::Status PutSubscription(const Subscription& subscription) override {
    RETURN_IF_ERROR(Fault());
    return BackendWrapper::PutSubscription(subscription);
  }
  absl::StatusOr<Subscription> UpdateSubscription(
      absl::string_view user_id, Mutation<Subscription> mutate) override {
    RETURN_IF_ERROR(Fault());
    return BackendWrapper::UpdateSubscription(user_id, mutate);
  }
  absl::StatusOr<std::optional<Subscription>> UpdateSubscriptionByStripeId(
      absl::string_view stripe_id, Mutation<Subscription> mutate) override {
    RETURN_IF_ERROR(Fault());
    return BackendWrapper::UpdateSubscriptionByStripeId(stripe_id, mutate);
  }
  absl::Status RunInTransaction(
      absl::FunctionRef<absl::Status(Backend&)> fn) override {
    return BackendWrapper::RunInTransaction([&](Backend& inner) {
      FaultInjectingBackend view(&inner, counter_);
      return fn(view);
    });
  }
  RecordStream& stream() override { return stream_; }

 private:
  struct Counter {
    Counter(int64_t fail_at, absl::StatusCode code)
        : fail_at(fail_at), code(code) {}
    std::atomic<int64_t> writes{0};
    const int64_t fail_at;  // 1-based; 0: never fail
    const absl::StatusCode code;
  };

  // The wrapped backend's stream, with PutBatch failed as a write.
  class Stream final : public RecordStreamWrapper {
   public:
    Stream(RecordStream* target, FaultInjectingBackend* backend)
        : RecordStreamWrapper(target), backend_(backend) {}

    absl::Status PutBatch(const RecordBatch& batch) override {
      RETURN_IF_ERROR(backend_->Fault());
      return RecordStreamWrapper::PutBatch(batch);
    }

   private:
    FaultInjectingBackend* const backend_;
  };

  FaultInjectingBackend(Backend* target, std::shared_ptr<Counter> counter)
      : BackendWrapper(target),
        counter_(std::move(counter)),
        stream_(&target->stream(), this) {}

  absl::Status Fault() {
    const int64_t n = counter_->writes.fetch_add(1) + 1;
    if (counter_->fail_at > 0 && n >= counter_->fail_at) {
      return absl::Status(counter_->code,
                          absl::StrCat("injected fault at write ", n));
    }
    return absl::OkStatus();
  }

  std::unique_ptr<Backend> owned_;  // null for a transaction's view
  const std::shared_ptr<Counter> counter_;
  Stream stream_;
};

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_FAULT_INJECTING_BACKEND_H_
