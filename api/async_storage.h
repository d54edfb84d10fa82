// The storage contract without blocking the caller: every Storage function,
// queued on a bounded pool of threads, with its result delivered through a
// std::future or a completion callback.
//
// Why: an application with an event loop that makes synchronous database
// calls stops serving every other request for as long as each call takes.
// AsyncStorage returns at once; the call runs on one of its threads.
//
//   ASSIGN_OR_RETURN(auto storage, parley::AsyncStorage::Open(url));
//   // A future, for code that can wait somewhere else:
//   std::future<absl::StatusOr<parley::Conversation>> created =
//       storage->CreateConversation(id, "user_42");
//   // A callback, for an event loop (it runs on a storage thread: post the
//   // result back to the loop from there):
//   absl::Status queued = storage->AddUserMessage(
//       id, "Why is the sky blue?", [loop](absl::Status status) {
//         loop->Post([status] { ... });
//       });
//
// Every method has the name, arguments, behaviour and error codes of the
// Storage method of that name (api/storage.h): AsyncStorage runs exactly
// that method on a Storage it owns, and adds no contract logic of its own.
// Arguments are copied before the method returns, so the caller's buffers
// may go away at once. Besides the Storage method's own codes, a call may
// fail with:
//   ResourceExhausted   max_queued calls are already waiting: shed load or
//                       retry later (the caller is never blocked)
//   FailedPrecondition  Shutdown has begun
//   Cancelled           "storage shut down before the call ran":
//                       Shutdown(/*drain=*/false) dropped the queued call
//
// Each method comes in two forms:
//   Future:   returns std::future<absl::StatusOr<T>> (or std::future<
//             absl::Status>) at once. A call that cannot be queued gives a
//             future that is already ready with the error.
//   Callback: takes `done` last and returns absl::Status at once: OK when
//             the call is queued, in which case `done` runs exactly once,
//             with the result, on one of this AsyncStorage's threads (or,
//             for a call that Shutdown(false) cancels, on the thread calling
//             Shutdown, with Cancelled). Otherwise the error
//             (ResourceExhausted, FailedPrecondition) and `done` never runs.
//             `done` must not block for long (it holds a storage thread),
//             must not wait on another call of this AsyncStorage (with every
//             thread so waiting, nothing would run the calls waited for), and
//             must not destroy this AsyncStorage.
//
// Ordering: calls run concurrently, so two calls queued one after the other
// may run in either order. Queue a dependent call from the first one's
// callback (or after its future is ready).
//
// Threads: `workers` threads share the calls. For SQLite, which admits one
// writer at a time, one more thread runs every call that writes, one at a
// time, and the `workers` threads run the reads; see AsyncStorageOptions.
// For PostgreSQL, the calls whose statements are known up front (create,
// save, append, delete, get, list, count) leave their thread waiting on the
// store's pipeline: a few non-blocking connections in libpq pipeline mode
// that all calls share (backends/postgres/postgres_pipeline.h), so `workers`
// calls in flight need pipeline_connections connections, not `workers`.
//
// Thread safety: every method may be called from any thread, concurrently,
// including from a completion callback. Ownership: an AsyncStorage owns its
// Storage and its threads; results are handed to the caller by value.
// Destroying it runs every queued call (Shutdown(/*drain=*/true)) first.
#ifndef PARLEY_API_ASYNC_STORAGE_H_
#define PARLEY_API_ASYNC_STORAGE_H_

#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/options.h"
#include "api/storage.h"
#include "proto/records.pb.h"

namespace parley {

class Executor;

// Options for AsyncStorage::Open. A plain struct: copy it, change what you
// need.
struct AsyncStorageOptions {
  // Passed to Storage::Open.
  StorageOptions storage;

  // Threads that run calls. Default 8. More threads let more calls wait on
  // I/O at once (PostgreSQL round trips, fsync); beyond the store's own
  // concurrency (the connection pool's pool_size + max_overflow, the CPU
  // for JSON) they only queue inside the store. Values below 1 mean 1.
  int workers = 8;

  // Calls that may wait for a thread. Default 4096. Beyond it calls fail at
  // once with ResourceExhausted rather than queue without bound. Values
  // below 1 mean 1.
  int max_queued = 4096;

  enum class WriterLane {
    // A writer lane when the backend's writes are serialized and not
    // grouped (BackendTraits::serialized_writes). No built-in backend asks
    // for one: JSON locks per record, PostgreSQL per row, and SQLite
    // commits concurrent writers in groups, so its writes gain from running
    // on every thread (a lane gave async W=64 the throughput of W=1).
    kAuto,
    kAlways,
    kNever,
  };
  // Whether calls that write run on one extra thread, one at a time, in the
  // order they were queued. Default kAuto.
  WriterLane writer_lane = WriterLane::kAuto;
};

class AsyncStorage {
 public:
  template <typename T>
  using Future = std::future<absl::StatusOr<T>>;
  template <typename T>
  using Callback = absl::AnyInvocable<void(absl::StatusOr<T>)>;
  using StatusFuture = std::future<absl::Status>;
  using StatusCallback = absl::AnyInvocable<void(absl::Status)>;

  // Opens the store `url` names (Storage::Open, with its errors) and starts
  // the threads.
  static absl::StatusOr<std::unique_ptr<AsyncStorage>> Open(
      absl::string_view url,
      const AsyncStorageOptions& options = AsyncStorageOptions());

  // Serves an already open `storage`; options.storage is not used.
  // REQUIRES: storage != nullptr.
  static std::unique_ptr<AsyncStorage> Wrap(
      std::unique_ptr<Storage> storage,
      const AsyncStorageOptions& options = AsyncStorageOptions());

  AsyncStorage(const AsyncStorage&) = delete;
  AsyncStorage& operator=(const AsyncStorage&) = delete;
  // Shutdown(/*drain=*/true), then closes the store. REQUIRES: not called
  // from a completion callback or a transaction function of this object.
  ~AsyncStorage();

  // Stops accepting calls and waits for the threads to finish. drain =
  // true: every queued call still runs. drain = false: queued calls fail
  // with Cancelled "storage shut down before the call ran" (their callbacks
  // run on this thread); running calls finish. Safe to call more than once.
  void Shutdown(bool drain);

  // The redacted URL and backend name of the underlying Storage.
  const std::string& redacted_url() const;
  const std::string& backend_name() const;

  // ---- Conversations (see Storage) ----------------------------------------

  Future<Conversation> CreateConversation(
      absl::string_view conversation_id, absl::string_view user_id,
      absl::string_view subscription_tier = "free");
  absl::Status CreateConversation(absl::string_view conversation_id,
                                  absl::string_view user_id,
                                  absl::string_view subscription_tier,
                                  Callback<Conversation> done);

  Future<std::optional<Conversation>> GetConversation(
      absl::string_view conversation_id);
  absl::Status GetConversation(absl::string_view conversation_id,
                               Callback<std::optional<Conversation>> done);

  StatusFuture SaveConversation(const Conversation& conversation);
  absl::Status SaveConversation(const Conversation& conversation,
                                StatusCallback done);

  Future<std::vector<ConversationSummary>> ListConversations(
      absl::string_view user_id = "");
  absl::Status ListConversations(
      absl::string_view user_id,
      Callback<std::vector<ConversationSummary>> done);

  StatusFuture AddUserMessage(absl::string_view conversation_id,
                              absl::string_view content);
  absl::Status AddUserMessage(absl::string_view conversation_id,
                              absl::string_view content, StatusCallback done);

  StatusFuture AddAssistantMessage(
      absl::string_view conversation_id, absl::string_view stage1_json,
      absl::string_view stage2_json, absl::string_view stage3_json,
      std::optional<absl::string_view> metadata_json = std::nullopt);
  absl::Status AddAssistantMessage(
      absl::string_view conversation_id, absl::string_view stage1_json,
      absl::string_view stage2_json, absl::string_view stage3_json,
      std::optional<absl::string_view> metadata_json, StatusCallback done);

  StatusFuture UpdateConversation(absl::string_view conversation_id,
                                  absl::string_view updates_json);
  absl::Status UpdateConversation(absl::string_view conversation_id,
                                  absl::string_view updates_json,
                                  StatusCallback done);

  StatusFuture UpdateConversationTitle(absl::string_view conversation_id,
                                       absl::string_view title);
  absl::Status UpdateConversationTitle(absl::string_view conversation_id,
                                       absl::string_view title,
                                       StatusCallback done);

  Future<bool> ToggleConversationStarred(absl::string_view conversation_id);
  absl::Status ToggleConversationStarred(absl::string_view conversation_id,
                                         Callback<bool> done);

  StatusFuture DeleteConversation(absl::string_view conversation_id);
  absl::Status DeleteConversation(absl::string_view conversation_id,
                                  StatusCallback done);

  StatusFuture SaveFollowUpAnswers(absl::string_view conversation_id,
                                   absl::string_view answers_json);
  absl::Status SaveFollowUpAnswers(absl::string_view conversation_id,
                                   absl::string_view answers_json,
                                   StatusCallback done);

  Future<int64_t> RestoreAllExpiredReports(absl::string_view user_id);
  absl::Status RestoreAllExpiredReports(absl::string_view user_id,
                                        Callback<int64_t> done);

  Future<int64_t> CountUserConversations(absl::string_view user_id);
  absl::Status CountUserConversations(absl::string_view user_id,
                                      Callback<int64_t> done);

  Future<int64_t> GetActiveConversationsCount(absl::string_view user_id);
  absl::Status GetActiveConversationsCount(absl::string_view user_id,
                                           Callback<int64_t> done);

  // ---- Profiles (see Storage) ---------------------------------------------

  Future<Profile> CreateUserProfile(absl::string_view user_id,
                                    absl::string_view email,
                                    absl::string_view profile_data_json);
  absl::Status CreateUserProfile(absl::string_view user_id,
                                 absl::string_view email,
                                 absl::string_view profile_data_json,
                                 Callback<Profile> done);

  Future<std::optional<Profile>> GetUserProfile(absl::string_view user_id);
  absl::Status GetUserProfile(absl::string_view user_id,
                              Callback<std::optional<Profile>> done);

  Future<Profile> UpdateUserProfile(absl::string_view user_id,
                                    absl::string_view profile_data_json);
  absl::Status UpdateUserProfile(absl::string_view user_id,
                                 absl::string_view profile_data_json,
                                 Callback<Profile> done);

  // ---- Subscriptions (see Storage) ----------------------------------------

  Future<Subscription> CreateSubscription(absl::string_view user_id,
                                          absl::string_view tier = "free");
  absl::Status CreateSubscription(absl::string_view user_id,
                                  absl::string_view tier,
                                  Callback<Subscription> done);

  Future<std::optional<Subscription>> GetSubscription(
      absl::string_view user_id);
  absl::Status GetSubscription(absl::string_view user_id,
                               Callback<std::optional<Subscription>> done);

  Future<Subscription> UpdateSubscription(absl::string_view user_id,
                                          absl::string_view data_json);
  absl::Status UpdateSubscription(absl::string_view user_id,
                                  absl::string_view data_json,
                                  Callback<Subscription> done);

  Future<std::optional<Subscription>> UpdateSubscriptionByStripeId(
      absl::string_view stripe_subscription_id, absl::string_view data_json);
  absl::Status UpdateSubscriptionByStripeId(
      absl::string_view stripe_subscription_id, absl::string_view data_json,
      Callback<std::optional<Subscription>> done);

  // ---- Beyond the original module (see Storage) ---------------------------

  // Runs `fn` on a storage thread inside Storage::RunInTransaction; the
  // Storage it is given is valid only during the call. `fn` must call only
  // that Storage, never this AsyncStorage (it would wait on itself).
  using TransactionFn = absl::AnyInvocable<absl::Status(Storage&)>;
  StatusFuture RunInTransaction(TransactionFn fn);
  absl::Status RunInTransaction(TransactionFn fn, StatusCallback done);

  Future<StorageCounts> Count();
  absl::Status Count(Callback<StorageCounts> done);

 private:
  AsyncStorage(std::unique_ptr<Storage> storage,
               const AsyncStorageOptions& options);

  // Queues `call(storage)` and hands its result (type R: absl::Status or an
  // absl::StatusOr) to `done`. See the class comment for when `done` runs.
  enum class Access { kRead, kWrite };
  template <typename R, typename Call>
  absl::Status Queue(Access access, Call call,
                     absl::AnyInvocable<void(R)> done);
  // The same, through a future.
  template <typename Call>
  std::future<std::invoke_result_t<Call&, Storage&>> QueueForFuture(
      Access access, Call call);

  // Constant after construction. storage_ outlives executor_'s threads
  // (declared first, destroyed last).
  const std::unique_ptr<Storage> storage_;
  const std::unique_ptr<Executor> executor_;
};

}  // namespace parley

#endif  // PARLEY_API_ASYNC_STORAGE_H_
