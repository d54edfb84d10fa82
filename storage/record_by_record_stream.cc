#include "storage/record_by_record_stream.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "storage/status_macros.h"

namespace parley {
namespace {

// `ids` without repeats, each at its first place: GetBatch gives a record
// once however often its id is listed.
std::vector<std::string> Distinct(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& id : ids) {
    if (seen.insert(id).second) out.push_back(id);
  }
  return out;
}

}  // namespace

absl::Status RecordByRecordStream::PutBatch(const RecordBatch& batch) {
  for (const Profile& profile : batch.profiles) {
    RETURN_IF_ERROR(records_.PutProfile(profile));
  }
  for (const Subscription& subscription : batch.subscriptions) {
    RETURN_IF_ERROR(records_.PutSubscription(subscription));
  }
  for (const Conversation& conversation : batch.conversations) {
    RETURN_IF_ERROR(records_.PutConversation(conversation));
  }
  return absl::OkStatus();
}

absl::StatusOr<RecordBatch> RecordByRecordStream::GetBatch(
    const RecordIds& ids) {
  RecordBatch out;
  for (const std::string& user_id : Distinct(ids.profiles)) {
    ASSIGN_OR_RETURN(std::optional<Profile> profile,
                     records_.GetProfile(user_id));
    if (profile.has_value()) out.profiles.push_back(*std::move(profile));
  }
  for (const std::string& user_id : Distinct(ids.subscriptions)) {
    ASSIGN_OR_RETURN(std::optional<Subscription> subscription,
                     records_.GetSubscription(user_id));
    if (subscription.has_value()) {
      out.subscriptions.push_back(*std::move(subscription));
    }
  }
  for (const std::string& id : Distinct(ids.conversations)) {
    ASSIGN_OR_RETURN(std::optional<Conversation> conversation,
                     records_.GetConversation(id));
    if (conversation.has_value()) {
      out.conversations.push_back(*std::move(conversation));
    }
  }
  return out;
}

}  // namespace parley
