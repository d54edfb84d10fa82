#include "storage/record_digest.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "storage/json_value.h"
#include "storage/record_json.h"
#include "storage/status_macros.h"

namespace parley {
namespace {

// The 128-bit FNV prime, 2^88 + 2^8 + 0x3b.
const absl::uint128 kFnvPrime = absl::MakeUint128(1ULL << 24, 0x13bULL);

const JsonValue* Messages(const absl::StatusOr<JsonValue>& object) {
  if (!object.ok() || !object->is_object()) return nullptr;
  const JsonValue* messages = object->Find("messages");
  return messages != nullptr && messages->is_array() ? messages : nullptr;
}

}  // namespace

absl::StatusOr<std::string> CanonicalRecordJson(const Profile& profile) {
  ASSIGN_OR_RETURN(JsonValue object, ProfileToJson(profile));
  return WriteCompactJson(object);
}

absl::StatusOr<std::string> CanonicalRecordJson(
    const Subscription& subscription) {
  ASSIGN_OR_RETURN(JsonValue object, SubscriptionToJson(subscription));
  return WriteCompactJson(object);
}

absl::StatusOr<std::string> CanonicalRecordJson(
    const Conversation& conversation) {
  ASSIGN_OR_RETURN(JsonValue object, ConversationToJson(conversation));
  return WriteCompactJson(object);
}

absl::Status CanonicalRecordVisitor::OnProfile(const Profile& profile) {
  return OnCanonicalRecord(RecordKind::kProfile, profile.user_id(),
                           CanonicalRecordJson(profile), 0);
}

absl::Status CanonicalRecordVisitor::OnSubscription(
    const Subscription& subscription) {
  return OnCanonicalRecord(RecordKind::kSubscription, subscription.user_id(),
                           CanonicalRecordJson(subscription), 0);
}

absl::Status CanonicalRecordVisitor::OnConversation(
    const Conversation& conversation) {
  return OnCanonicalRecord(RecordKind::kConversation, conversation.id(),
                           CanonicalRecordJson(conversation),
                           conversation.messages_size());
}

absl::Status CanonicalRecordVisitor::OnBadRecord(absl::string_view kind,
                                                 absl::string_view id,
                                                 const absl::Status& status) {
  ASSIGN_OR_RETURN(RecordKind parsed, ParseRecordKind(kind));
  return OnCanonicalRecord(parsed, id, status, 0);
}

void Fnv1a128::Update(absl::string_view bytes) {
  for (unsigned char c : bytes) {
    state_ ^= c;
    state_ *= kFnvPrime;
  }
}

void Fnv1a128::UpdateFramed(absl::string_view text) {
  const std::string length = absl::StrCat(text.size(), ":");
  Update(length);
  Update(text);
}

std::string Fnv1a128::HexDigest() const {
  return absl::StrCat(absl::Hex(absl::Uint128High64(state_), absl::kZeroPad16),
                      absl::Hex(absl::Uint128Low64(state_), absl::kZeroPad16));
}

std::string DescribeDifference(absl::string_view source,
                               absl::string_view destination) {
  if (source == destination) return "";
  absl::StatusOr<JsonValue> a = ParseJson(source);
  absl::StatusOr<JsonValue> b = ParseJson(destination);
  if (!a.ok() || !b.ok() || !a->is_object() || !b->is_object()) {
    return "record is not a JSON object";
  }
  for (const JsonValue::Member& member : a->members()) {
    const JsonValue* other = b->Find(member.first);
    if (other == nullptr) {
      return absl::StrCat("key \"", member.first, "\" missing in destination");
    }
    if (member.second == *other) continue;
    if (member.first == "messages" && member.second.is_array() &&
        other->is_array()) {
      const auto& x = member.second.array();
      const auto& y = other->array();
      for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
        if (x[i] != y[i]) return absl::StrCat("messages[", i, "] differs");
      }
      return absl::StrCat("messages: ", x.size(), " in source, ", y.size(),
                          " in destination");
    }
    return absl::StrCat("key \"", member.first, "\" differs");
  }
  for (const JsonValue::Member& member : b->members()) {
    if (a->Find(member.first) == nullptr) {
      return absl::StrCat("key \"", member.first, "\" only in destination");
    }
  }
  return "key order differs";
}

MessageDifference CompareMessages(absl::string_view source,
                                  absl::string_view destination) {
  MessageDifference difference;
  const absl::StatusOr<JsonValue> a = ParseJson(source);
  const absl::StatusOr<JsonValue> b = ParseJson(destination);
  const JsonValue* x = Messages(a);
  const JsonValue* y = Messages(b);
  const size_t nx = x == nullptr ? 0 : x->array().size();
  const size_t ny = y == nullptr ? 0 : y->array().size();
  for (size_t i = 0; i < std::min(nx, ny); ++i) {
    if (x->array()[i] != y->array()[i]) ++difference.different;
  }
  if (nx > ny) difference.missing = static_cast<int64_t>(nx - ny);
  if (ny > nx) difference.extra = static_cast<int64_t>(ny - nx);
  return difference;
}

}  // namespace parley
