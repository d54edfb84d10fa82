// The entry points of api/parley.h. Each contract call is one operation
// (which Storage / AsyncStorage method it is) and the specs of its C
// arguments; api/c_calls.h does the rest, the same way for every call.
#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "api/async_storage.h"
#include "api/c_calls.h"
#include "api/c_handles.h"
#include "api/c_result.h"
#include "api/parley.h"
#include "api/storage.h"
#include "storage/json_value.h"

namespace parley {
namespace c_abi {
namespace {

// The operations: `store` is a Storage for the sync form and an
// AsyncStorage for the _async form, whose last argument is then the
// completion callback.
constexpr auto kCreateConversation = [](auto& store, auto&&... args) {
  return store.CreateConversation(std::forward<decltype(args)>(args)...);
};
constexpr auto kGetConversation = [](auto& store, auto&&... args) {
  return store.GetConversation(std::forward<decltype(args)>(args)...);
};
constexpr auto kSaveConversation = [](auto& store, auto&&... args) {
  return store.SaveConversation(std::forward<decltype(args)>(args)...);
};
constexpr auto kListConversations = [](auto& store, auto&&... args) {
  return store.ListConversations(std::forward<decltype(args)>(args)...);
};
constexpr auto kAddUserMessage = [](auto& store, auto&&... args) {
  return store.AddUserMessage(std::forward<decltype(args)>(args)...);
};
constexpr auto kAddAssistantMessage = [](auto& store, auto&&... args) {
  return store.AddAssistantMessage(std::forward<decltype(args)>(args)...);
};
constexpr auto kUpdateConversation = [](auto& store, auto&&... args) {
  return store.UpdateConversation(std::forward<decltype(args)>(args)...);
};
constexpr auto kUpdateConversationTitle = [](auto& store, auto&&... args) {
  return store.UpdateConversationTitle(std::forward<decltype(args)>(args)...);
};
constexpr auto kToggleConversationStarred = [](auto& store, auto&&... args) {
  return store.ToggleConversationStarred(std::forward<decltype(args)>(args)...);
};
constexpr auto kDeleteConversation = [](auto& store, auto&&... args) {
  return store.DeleteConversation(std::forward<decltype(args)>(args)...);
};
constexpr auto kSaveFollowUpAnswers = [](auto& store, auto&&... args) {
  return store.SaveFollowUpAnswers(std::forward<decltype(args)>(args)...);
};
constexpr auto kRestoreAllExpiredReports = [](auto& store, auto&&... args) {
  return store.RestoreAllExpiredReports(std::forward<decltype(args)>(args)...);
};
constexpr auto kCountUserConversations = [](auto& store, auto&&... args) {
  return store.CountUserConversations(std::forward<decltype(args)>(args)...);
};
constexpr auto kGetActiveConversationsCount = [](auto& store, auto&&... args) {
  return store.GetActiveConversationsCount(
      std::forward<decltype(args)>(args)...);
};
constexpr auto kCreateUserProfile = [](auto& store, auto&&... args) {
  return store.CreateUserProfile(std::forward<decltype(args)>(args)...);
};
constexpr auto kGetUserProfile = [](auto& store, auto&&... args) {
  return store.GetUserProfile(std::forward<decltype(args)>(args)...);
};
constexpr auto kUpdateUserProfile = [](auto& store, auto&&... args) {
  return store.UpdateUserProfile(std::forward<decltype(args)>(args)...);
};
constexpr auto kCreateSubscription = [](auto& store, auto&&... args) {
  return store.CreateSubscription(std::forward<decltype(args)>(args)...);
};
constexpr auto kGetSubscription = [](auto& store, auto&&... args) {
  return store.GetSubscription(std::forward<decltype(args)>(args)...);
};
constexpr auto kUpdateSubscription = [](auto& store, auto&&... args) {
  return store.UpdateSubscription(std::forward<decltype(args)>(args)...);
};
constexpr auto kUpdateSubscriptionByStripeId = [](auto& store, auto&&... args) {
  return store.UpdateSubscriptionByStripeId(
      std::forward<decltype(args)>(args)...);
};

// The argument specs shared by many calls.
Text ConversationId(const char* data, size_t size) {
  return {"conversation_id", data, size};
}
Text UserId(const char* data, size_t size) { return {"user_id", data, size}; }
OptionalText Tier(const char* data, size_t size) {
  return {"tier", data, size, "free"};
}

// "workers", "max_queued" and "upgrade_schema" from parley_open's options.
absl::Status ApplyOption(const JsonValue::Member& option,
                         AsyncStorageOptions* options) {
  const auto& [key, value] = option;
  int64_t number = 0;
  if (key == "upgrade_schema" && value.is_bool()) {
    options->storage.upgrade_schema = value.bool_value();
  } else if (key == "workers" && value.is_number() && value.AsInt64(&number) &&
             number >= 1 && number <= 1024) {
    options->workers = static_cast<int>(number);
  } else if (key == "max_queued" && value.is_number() &&
             value.AsInt64(&number) && number >= 1 && number <= (1 << 30)) {
    options->max_queued = static_cast<int>(number);
  } else if (key == "upgrade_schema" || key == "workers" ||
             key == "max_queued") {
    return absl::InvalidArgumentError(absl::StrCat(
        "options_json: \"", key, "\" must be ",
        key == "upgrade_schema" ? "true or false" : "a positive integer"));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("options_json: unknown option \"", key, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<AsyncStorageOptions> ParseOptions(const char* options_json) {
  AsyncStorageOptions options;
  if (options_json == nullptr) return options;
  absl::StatusOr<JsonValue> json = ParseJson(options_json);
  if (!json.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("options_json: ", json.status().message()));
  }
  if (!json->is_object()) {
    return absl::InvalidArgumentError("options_json: expected a JSON object");
  }
  for (const JsonValue::Member& option : json->members()) {
    absl::Status applied = ApplyOption(option, &options);
    if (!applied.ok()) return applied;
  }
  return options;
}

// Opens with `open(storage_options)` and wraps the Storage in a handle.
template <typename OpenFn>
parley_storage* OpenHandle(const char* options_json, OpenFn open,
                           parley_result** error) noexcept {
  if (error != nullptr) *error = nullptr;
  absl::Status status;
  try {
    absl::StatusOr<AsyncStorageOptions> options = ParseOptions(options_json);
    absl::StatusOr<std::unique_ptr<Storage>> storage =
        options.ok()
            ? open(options->storage)
            : absl::StatusOr<std::unique_ptr<Storage>>(options.status());
    if (storage.ok()) {
      auto handle = std::make_unique<parley_storage>();
      handle->sync = storage->get();
      handle->async = AsyncStorage::Wrap(*std::move(storage), *options);
      RegisterHandle(handle.get());
      return handle.release();
    }
    status = storage.status();
  } catch (...) {
    status = absl::ResourceExhaustedError("out of memory");
  }
  if (error != nullptr) *error = ToResult(status);
  return nullptr;
}

const char* HandleText(parley_storage* storage,
                       const std::string& (AsyncStorage::*field)() const) {
  if (!IsLiveHandle(storage)) return nullptr;
  return ((*storage->async).*field)().c_str();
}

}  // namespace
}  // namespace c_abi
}  // namespace parley

using parley::c_abi::CallAsync;
using parley::c_abi::CallSync;
using parley::c_abi::ConversationId;
using parley::c_abi::ConversationJson;
using parley::c_abi::Json;
using parley::c_abi::OptionalJson;
using parley::c_abi::OptionalText;
using parley::c_abi::Text;
using parley::c_abi::Tier;
using parley::c_abi::UserId;
namespace ops = parley::c_abi;

extern "C" {

// ---- Library --------------------------------------------------------------

const char* parley_version(void) { return "1.0.0"; }

int parley_abi_version(void) { return PARLEY_ABI_VERSION; }

const char* parley_code_name(parley_code code) {
  switch (code) {
    case PARLEY_OK:
      return "OK";
    case PARLEY_CANCELLED:
      return "CANCELLED";
    case PARLEY_UNKNOWN:
      return "UNKNOWN";
    case PARLEY_INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case PARLEY_DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case PARLEY_NOT_FOUND:
      return "NOT_FOUND";
    case PARLEY_ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case PARLEY_PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case PARLEY_RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case PARLEY_FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case PARLEY_ABORTED:
      return "ABORTED";
    case PARLEY_OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case PARLEY_UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case PARLEY_INTERNAL:
      return "INTERNAL";
    case PARLEY_UNAVAILABLE:
      return "UNAVAILABLE";
    case PARLEY_DATA_LOSS:
      return "DATA_LOSS";
    case PARLEY_UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case PARLEY_COMMIT_OUTCOME_UNKNOWN:
      return "COMMIT_OUTCOME_UNKNOWN";
  }
  return "UNKNOWN_CODE";
}

// ---- Results --------------------------------------------------------------

parley_code parley_result_code(const parley_result* result) {
  return result == nullptr ? PARLEY_INVALID_ARGUMENT : result->code;
}

const char* parley_result_message(const parley_result* result, size_t* length) {
  static const char kNullResult[] = "result is NULL";
  const char* text = result == nullptr ? kNullResult : result->message.c_str();
  if (length != nullptr) {
    *length =
        result == nullptr ? sizeof(kNullResult) - 1 : result->message.size();
  }
  return text;
}

const char* parley_result_json(const parley_result* result, size_t* length) {
  const bool has_value = result != nullptr && result->code == PARLEY_OK;
  if (length != nullptr) *length = has_value ? result->json.size() : 0;
  return has_value ? result->json.c_str() : nullptr;
}

void parley_result_free(parley_result* result) {
  parley::c_abi::FreeResult(result);
}

// ---- Opening and closing --------------------------------------------------

parley_storage* parley_open(const char* url, size_t url_length,
                            const char* options_json, parley_result** error) {
  if (url == nullptr) {
    if (error != nullptr) {
      *error =
          parley::c_abi::ErrorResult(PARLEY_INVALID_ARGUMENT, "url is NULL");
    }
    return nullptr;
  }
  const absl::string_view text(url, url_length);
  return parley::c_abi::OpenHandle(
      options_json,
      [text](const parley::StorageOptions& options)
          -> absl::StatusOr<std::unique_ptr<parley::Storage>> {
        if (!parley::IsValidUtf8(text)) {
          return absl::InvalidArgumentError("url is not valid UTF-8");
        }
        return parley::Storage::Open(text, options);
      },
      error);
}

parley_storage* parley_open_from_environment(const char* options_json,
                                             parley_result** error) {
  return parley::c_abi::OpenHandle(
      options_json,
      [](const parley::StorageOptions& options) {
        return parley::Storage::OpenFromEnvironment(options);
      },
      error);
}

void parley_close(parley_storage* storage) {
  // Taken out of the live set first: a call racing with close (which the
  // header forbids) then sees a closed handle rather than a freed one.
  if (!parley::c_abi::UnregisterHandle(storage)) return;
  delete storage;  // ~AsyncStorage runs every queued call first
}

const char* parley_redacted_url(parley_storage* storage) {
  return parley::c_abi::HandleText(storage,
                                   &parley::AsyncStorage::redacted_url);
}

const char* parley_backend_name(parley_storage* storage) {
  return parley::c_abi::HandleText(storage,
                                   &parley::AsyncStorage::backend_name);
}

// ---- The contract -----------------------------------------------------------

parley_result* parley_create_conversation(parley_storage* storage,
                                          const char* conversation_id,
                                          size_t id_length, const char* user_id,
                                          size_t user_id_length,
                                          const char* tier,
                                          size_t tier_length) {
  return CallSync(storage, ops::kCreateConversation,
                  ConversationId(conversation_id, id_length),
                  UserId(user_id, user_id_length), Tier(tier, tier_length));
}
parley_result* parley_create_conversation_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* user_id, size_t user_id_length, const char* tier,
    size_t tier_length, parley_callback done, void* context) {
  return CallAsync(storage, done, context, ops::kCreateConversation,
                   ConversationId(conversation_id, id_length),
                   UserId(user_id, user_id_length), Tier(tier, tier_length));
}

parley_result* parley_get_conversation(parley_storage* storage,
                                       const char* conversation_id,
                                       size_t id_length) {
  return CallSync(storage, ops::kGetConversation,
                  ConversationId(conversation_id, id_length));
}
parley_result* parley_get_conversation_async(parley_storage* storage,
                                             const char* conversation_id,
                                             size_t id_length,
                                             parley_callback done,
                                             void* context) {
  return CallAsync(storage, done, context, ops::kGetConversation,
                   ConversationId(conversation_id, id_length));
}

parley_result* parley_save_conversation(parley_storage* storage,
                                        const char* conversation_json,
                                        size_t json_length) {
  return CallSync(
      storage, ops::kSaveConversation,
      ConversationJson{"conversation_json", conversation_json, json_length});
}
parley_result* parley_save_conversation_async(parley_storage* storage,
                                              const char* conversation_json,
                                              size_t json_length,
                                              parley_callback done,
                                              void* context) {
  return CallAsync(
      storage, done, context, ops::kSaveConversation,
      ConversationJson{"conversation_json", conversation_json, json_length});
}

// user_id NULL lists every conversation, as the empty id does.
parley_result* parley_list_conversations(parley_storage* storage,
                                         const char* user_id,
                                         size_t user_id_length) {
  return CallSync(storage, ops::kListConversations,
                  OptionalText{"user_id", user_id, user_id_length, ""});
}
parley_result* parley_list_conversations_async(parley_storage* storage,
                                               const char* user_id,
                                               size_t user_id_length,
                                               parley_callback done,
                                               void* context) {
  return CallAsync(storage, done, context, ops::kListConversations,
                   OptionalText{"user_id", user_id, user_id_length, ""});
}

parley_result* parley_add_user_message(parley_storage* storage,
                                       const char* conversation_id,
                                       size_t id_length, const char* content,
                                       size_t content_length) {
  return CallSync(storage, ops::kAddUserMessage,
                  ConversationId(conversation_id, id_length),
                  Text{"content", content, content_length});
}
parley_result* parley_add_user_message_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* content, size_t content_length, parley_callback done,
    void* context) {
  return CallAsync(storage, done, context, ops::kAddUserMessage,
                   ConversationId(conversation_id, id_length),
                   Text{"content", content, content_length});
}

parley_result* parley_add_assistant_message(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* stage1_json, size_t stage1_length, const char* stage2_json,
    size_t stage2_length, const char* stage3_json, size_t stage3_length,
    const char* metadata_json, size_t metadata_length) {
  return CallSync(
      storage, ops::kAddAssistantMessage,
      ConversationId(conversation_id, id_length),
      Json{"stage1_json", stage1_json, stage1_length},
      Json{"stage2_json", stage2_json, stage2_length},
      Json{"stage3_json", stage3_json, stage3_length},
      OptionalJson{"metadata_json", metadata_json, metadata_length});
}
parley_result* parley_add_assistant_message_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* stage1_json, size_t stage1_length, const char* stage2_json,
    size_t stage2_length, const char* stage3_json, size_t stage3_length,
    const char* metadata_json, size_t metadata_length, parley_callback done,
    void* context) {
  return CallAsync(
      storage, done, context, ops::kAddAssistantMessage,
      ConversationId(conversation_id, id_length),
      Json{"stage1_json", stage1_json, stage1_length},
      Json{"stage2_json", stage2_json, stage2_length},
      Json{"stage3_json", stage3_json, stage3_length},
      OptionalJson{"metadata_json", metadata_json, metadata_length});
}

parley_result* parley_update_conversation(parley_storage* storage,
                                          const char* conversation_id,
                                          size_t id_length,
                                          const char* updates_json,
                                          size_t updates_length) {
  return CallSync(storage, ops::kUpdateConversation,
                  ConversationId(conversation_id, id_length),
                  Json{"updates_json", updates_json, updates_length});
}
parley_result* parley_update_conversation_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* updates_json, size_t updates_length, parley_callback done,
    void* context) {
  return CallAsync(storage, done, context, ops::kUpdateConversation,
                   ConversationId(conversation_id, id_length),
                   Json{"updates_json", updates_json, updates_length});
}

parley_result* parley_update_conversation_title(parley_storage* storage,
                                                const char* conversation_id,
                                                size_t id_length,
                                                const char* title,
                                                size_t title_length) {
  return CallSync(storage, ops::kUpdateConversationTitle,
                  ConversationId(conversation_id, id_length),
                  Text{"title", title, title_length});
}
parley_result* parley_update_conversation_title_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* title, size_t title_length, parley_callback done,
    void* context) {
  return CallAsync(storage, done, context, ops::kUpdateConversationTitle,
                   ConversationId(conversation_id, id_length),
                   Text{"title", title, title_length});
}

parley_result* parley_toggle_conversation_starred(parley_storage* storage,
                                                  const char* conversation_id,
                                                  size_t id_length) {
  return CallSync(storage, ops::kToggleConversationStarred,
                  ConversationId(conversation_id, id_length));
}
parley_result* parley_toggle_conversation_starred_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    parley_callback done, void* context) {
  return CallAsync(storage, done, context, ops::kToggleConversationStarred,
                   ConversationId(conversation_id, id_length));
}

parley_result* parley_delete_conversation(parley_storage* storage,
                                          const char* conversation_id,
                                          size_t id_length) {
  return CallSync(storage, ops::kDeleteConversation,
                  ConversationId(conversation_id, id_length));
}
parley_result* parley_delete_conversation_async(parley_storage* storage,
                                                const char* conversation_id,
                                                size_t id_length,
                                                parley_callback done,
                                                void* context) {
  return CallAsync(storage, done, context, ops::kDeleteConversation,
                   ConversationId(conversation_id, id_length));
}

parley_result* parley_save_follow_up_answers(parley_storage* storage,
                                             const char* conversation_id,
                                             size_t id_length,
                                             const char* answers_json,
                                             size_t answers_length) {
  return CallSync(storage, ops::kSaveFollowUpAnswers,
                  ConversationId(conversation_id, id_length),
                  Json{"answers_json", answers_json, answers_length});
}
parley_result* parley_save_follow_up_answers_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* answers_json, size_t answers_length, parley_callback done,
    void* context) {
  return CallAsync(storage, done, context, ops::kSaveFollowUpAnswers,
                   ConversationId(conversation_id, id_length),
                   Json{"answers_json", answers_json, answers_length});
}

parley_result* parley_restore_all_expired_reports(parley_storage* storage,
                                                  const char* user_id,
                                                  size_t user_id_length) {
  return CallSync(storage, ops::kRestoreAllExpiredReports,
                  UserId(user_id, user_id_length));
}
parley_result* parley_restore_all_expired_reports_async(parley_storage* storage,
                                                        const char* user_id,
                                                        size_t user_id_length,
                                                        parley_callback done,
                                                        void* context) {
  return CallAsync(storage, done, context, ops::kRestoreAllExpiredReports,
                   UserId(user_id, user_id_length));
}

parley_result* parley_count_user_conversations(parley_storage* storage,
                                               const char* user_id,
                                               size_t user_id_length) {
  return CallSync(storage, ops::kCountUserConversations,
                  UserId(user_id, user_id_length));
}
parley_result* parley_count_user_conversations_async(parley_storage* storage,
                                                     const char* user_id,
                                                     size_t user_id_length,
                                                     parley_callback done,
                                                     void* context) {
  return CallAsync(storage, done, context, ops::kCountUserConversations,
                   UserId(user_id, user_id_length));
}

parley_result* parley_get_active_conversations_count(parley_storage* storage,
                                                     const char* user_id,
                                                     size_t user_id_length) {
  return CallSync(storage, ops::kGetActiveConversationsCount,
                  UserId(user_id, user_id_length));
}
parley_result* parley_get_active_conversations_count_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    parley_callback done, void* context) {
  return CallAsync(storage, done, context, ops::kGetActiveConversationsCount,
                   UserId(user_id, user_id_length));
}

// email NULL means the default, as the empty text does in Storage.
parley_result* parley_create_user_profile(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* email, size_t email_length, const char* profile_data_json,
    size_t profile_data_length) {
  return CallSync(
      storage, ops::kCreateUserProfile, UserId(user_id, user_id_length),
      OptionalText{"email", email, email_length, ""},
      Json{"profile_data_json", profile_data_json, profile_data_length});
}
parley_result* parley_create_user_profile_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* email, size_t email_length, const char* profile_data_json,
    size_t profile_data_length, parley_callback done, void* context) {
  return CallAsync(
      storage, done, context, ops::kCreateUserProfile,
      UserId(user_id, user_id_length),
      OptionalText{"email", email, email_length, ""},
      Json{"profile_data_json", profile_data_json, profile_data_length});
}

parley_result* parley_get_user_profile(parley_storage* storage,
                                       const char* user_id,
                                       size_t user_id_length) {
  return CallSync(storage, ops::kGetUserProfile,
                  UserId(user_id, user_id_length));
}
parley_result* parley_get_user_profile_async(parley_storage* storage,
                                             const char* user_id,
                                             size_t user_id_length,
                                             parley_callback done,
                                             void* context) {
  return CallAsync(storage, done, context, ops::kGetUserProfile,
                   UserId(user_id, user_id_length));
}

parley_result* parley_update_user_profile(parley_storage* storage,
                                          const char* user_id,
                                          size_t user_id_length,
                                          const char* profile_data_json,
                                          size_t profile_data_length) {
  return CallSync(
      storage, ops::kUpdateUserProfile, UserId(user_id, user_id_length),
      Json{"profile_data_json", profile_data_json, profile_data_length});
}
parley_result* parley_update_user_profile_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* profile_data_json, size_t profile_data_length,
    parley_callback done, void* context) {
  return CallAsync(
      storage, done, context, ops::kUpdateUserProfile,
      UserId(user_id, user_id_length),
      Json{"profile_data_json", profile_data_json, profile_data_length});
}

parley_result* parley_create_subscription(parley_storage* storage,
                                          const char* user_id,
                                          size_t user_id_length,
                                          const char* tier,
                                          size_t tier_length) {
  return CallSync(storage, ops::kCreateSubscription,
                  UserId(user_id, user_id_length), Tier(tier, tier_length));
}
parley_result* parley_create_subscription_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* tier, size_t tier_length, parley_callback done, void* context) {
  return CallAsync(storage, done, context, ops::kCreateSubscription,
                   UserId(user_id, user_id_length), Tier(tier, tier_length));
}

parley_result* parley_get_subscription(parley_storage* storage,
                                       const char* user_id,
                                       size_t user_id_length) {
  return CallSync(storage, ops::kGetSubscription,
                  UserId(user_id, user_id_length));
}
parley_result* parley_get_subscription_async(parley_storage* storage,
                                             const char* user_id,
                                             size_t user_id_length,
                                             parley_callback done,
                                             void* context) {
  return CallAsync(storage, done, context, ops::kGetSubscription,
                   UserId(user_id, user_id_length));
}

parley_result* parley_update_subscription(parley_storage* storage,
                                          const char* user_id,
                                          size_t user_id_length,
                                          const char* data_json,
                                          size_t data_length) {
  return CallSync(storage, ops::kUpdateSubscription,
                  UserId(user_id, user_id_length),
                  Json{"data_json", data_json, data_length});
}
parley_result* parley_update_subscription_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* data_json, size_t data_length, parley_callback done,
    void* context) {
  return CallAsync(storage, done, context, ops::kUpdateSubscription,
                   UserId(user_id, user_id_length),
                   Json{"data_json", data_json, data_length});
}

parley_result* parley_update_subscription_by_stripe_id(
    parley_storage* storage, const char* stripe_subscription_id,
    size_t stripe_id_length, const char* data_json, size_t data_length) {
  return CallSync(
      storage, ops::kUpdateSubscriptionByStripeId,
      Text{"stripe_subscription_id", stripe_subscription_id, stripe_id_length},
      Json{"data_json", data_json, data_length});
}
parley_result* parley_update_subscription_by_stripe_id_async(
    parley_storage* storage, const char* stripe_subscription_id,
    size_t stripe_id_length, const char* data_json, size_t data_length,
    parley_callback done, void* context) {
  return CallAsync(
      storage, done, context, ops::kUpdateSubscriptionByStripeId,
      Text{"stripe_subscription_id", stripe_subscription_id, stripe_id_length},
      Json{"data_json", data_json, data_length});
}

}  // extern "C"
