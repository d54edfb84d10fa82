// A small in-memory reference implementation of the original JSON-file
// storage module, written from ../shared/API.md with the original's Python
// semantics (dicts in insertion order, dict.update, `not x` truthiness,
// `x + 1`), to be run call for call beside Parley (after LevelDB's ModelDB).
// It knows nothing of Parley's code but the JSON value type and the
// timestamp format, so that a mistake in Parley's contract logic shows up as
// a difference instead of being copied.
//
// Where Parley differs from the original on purpose, to protect data
// (README "Differences from the original"), the model answers as Parley
// documents: CreateConversation of a taken id is AlreadyExists;
// update_conversation naming "id" or "messages" is InvalidArgument;
// save_conversation whose "messages" is not a list of objects is
// InvalidArgument. Ids are always ones Parley accepts.
#ifndef PARLEY_TESTS_MODEL_ORIGINAL_MODEL_H_
#define PARLEY_TESTS_MODEL_ORIGINAL_MODEL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/json_value.h"

namespace parley {
namespace testing {

// What a call gave: its status, and when OK its return value as compact JSON
// (a record, null for None, true/false, a number).
struct CallResult {
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string message;  // compared for NotFound and FailedPrecondition only
  std::string value;

  friend bool operator==(const CallResult& a, const CallResult& b);
  std::string ToString() const;
};

class OriginalModel {
 public:
  // `now` gives datetime.utcnow().isoformat() text for each call.
  explicit OriginalModel(std::function<std::string()> now,
                         std::function<std::string()> now_plus_week)
      : now_(std::move(now)), now_plus_week_(std::move(now_plus_week)) {}

  CallResult CreateConversation(const std::string& id,
                                const std::string& user_id,
                                const std::string& tier);
  CallResult GetConversation(const std::string& id) const;
  CallResult SaveConversation(const JsonValue& conversation);
  CallResult ListConversations(const std::string& user_id) const;
  CallResult AddUserMessage(const std::string& id, const std::string& content);
  CallResult AddAssistantMessage(const std::string& id, const JsonValue& stage1,
                                 const JsonValue& stage2,
                                 const JsonValue& stage3,
                                 const std::optional<JsonValue>& metadata);
  CallResult UpdateConversation(const std::string& id,
                                const JsonValue& updates);
  CallResult UpdateConversationTitle(const std::string& id,
                                     const std::string& title);
  CallResult ToggleConversationStarred(const std::string& id);
  CallResult DeleteConversation(const std::string& id);
  CallResult SaveFollowUpAnswers(const std::string& id,
                                 const JsonValue& answers);
  CallResult RestoreAllExpiredReports(const std::string& user_id);
  CallResult CountUserConversations(const std::string& user_id) const;
  CallResult GetActiveConversationsCount(const std::string& user_id) const;
  CallResult CreateUserProfile(const std::string& user_id,
                               const std::string& email,
                               const JsonValue& profile_data);
  CallResult GetUserProfile(const std::string& user_id) const;
  CallResult UpdateUserProfile(const std::string& user_id,
                               const JsonValue& profile_data);
  CallResult CreateSubscription(const std::string& user_id,
                                const std::string& tier);
  CallResult GetSubscription(const std::string& user_id) const;
  CallResult UpdateSubscription(const std::string& user_id,
                                const JsonValue& data);
  CallResult UpdateSubscriptionByStripeId(const std::string& stripe_id,
                                          const JsonValue& data);

  // The files a JSON store of the original holds, as json.dump(obj, f,
  // indent=2) wrote them: "conversations/<id>.json", "profiles/<id>.json",
  // "subscriptions/<id>.json" (the folder a file is in, then its name).
  std::map<std::string, std::string> Files() const;

  // The records themselves, by kind and id (for handing a store over).
  const std::map<std::string, JsonValue>& conversations() const {
    return conversations_;
  }

 private:
  // update_subscription's merge: `data` into `subscription`, then
  // updated_at; returns `subscription`.
  JsonValue& Updated(JsonValue& subscription, const JsonValue& data);

  // File names sort as Parley lists them; the original's os.listdir order
  // was arbitrary, which only the Stripe-id lookup could see.
  std::map<std::string, JsonValue> conversations_;
  std::map<std::string, JsonValue> profiles_;
  std::map<std::string, JsonValue> subscriptions_;
  std::function<std::string()> now_;
  std::function<std::string()> now_plus_week_;
};

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_MODEL_ORIGINAL_MODEL_H_
