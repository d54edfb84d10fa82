#include "api/c_result.h"

#include <new>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "api/storage.h"
#include "storage/json_value.h"
#include "storage/record_json.h"
#include "storage/utf8.h"

namespace parley {
namespace c_abi {
namespace {

absl::StatusOr<std::string> Compact(absl::StatusOr<JsonValue> json) {
  if (!json.ok()) return json.status();
  return WriteCompactJson(*json);
}

// An error message as C callers can use it: NUL-terminated text that is
// valid UTF-8. Messages name the record, and a backend may quote an id or
// text that is neither (a NUL byte, invalid UTF-8 given to a read): such
// bytes are shown as \0 and \xNN.
std::string SafeMessage(absl::string_view message) {
  std::string safe;
  safe.reserve(message.size());
  for (size_t i = 0; i < message.size();) {
    const unsigned char byte = static_cast<unsigned char>(message[i]);
    const size_t length = byte < 0x80    ? 1
                          : byte >= 0xF0 ? 4
                          : byte >= 0xE0 ? 3
                                         : 2;
    if (byte == 0) {
      safe += "\\0";
      ++i;
    } else if (i + length <= message.size() &&
               IsValidUtf8(message.substr(i, length))) {
      safe.append(message.data() + i, length);
      i += length;
    } else {
      safe += absl::StrFormat("\\x%02X", byte);
      ++i;
    }
  }
  return safe;
}

}  // namespace

parley_result* OutOfMemoryResult() {
  // Static so that running out of memory can still be reported; the
  // message fits std::string's inline buffer, so building it allocates
  // nothing.
  static parley_result result{PARLEY_RESOURCE_EXHAUSTED, "out of memory", ""};
  return &result;
}

parley_result* ErrorResult(parley_code code, std::string message) {
  parley_result* result = new (std::nothrow) parley_result;
  if (result == nullptr) return OutOfMemoryResult();
  result->code = code;
  result->message = std::move(message);
  return result;
}

parley_result* StatusResult(const absl::Status& status) {
  const parley_code code =
      IsCommitOutcomeUnknown(status)
          ? PARLEY_COMMIT_OUTCOME_UNKNOWN
          : static_cast<parley_code>(static_cast<int>(status.code()));
  return ErrorResult(code, SafeMessage(status.message()));
}

parley_result* ValueResult(std::string json) {
  parley_result* result = new (std::nothrow) parley_result;
  if (result == nullptr) return OutOfMemoryResult();
  result->json = std::move(json);
  return result;
}

void FreeResult(parley_result* result) {
  if (result != nullptr && result != OutOfMemoryResult()) delete result;
}

absl::StatusOr<std::string> EncodeValue(const Conversation& conversation) {
  return Compact(ConversationToJson(conversation));
}

absl::StatusOr<std::string> EncodeValue(const Profile& profile) {
  return Compact(ProfileToJson(profile));
}

absl::StatusOr<std::string> EncodeValue(const Subscription& subscription) {
  return Compact(SubscriptionToJson(subscription));
}

absl::StatusOr<std::string> EncodeValue(
    const std::vector<ConversationSummary>& summaries) {
  JsonValue array = JsonValue::Array();
  array.array().reserve(summaries.size());
  for (const ConversationSummary& s : summaries) {
    absl::StatusOr<JsonValue> summary = SummaryToJson(s);
    if (!summary.ok()) return summary.status();
    array.array().push_back(*std::move(summary));
  }
  return WriteCompactJson(array);
}

absl::StatusOr<std::string> EncodeValue(bool value) {
  return std::string(value ? "true" : "false");
}

absl::StatusOr<std::string> EncodeValue(int64_t value) {
  return std::to_string(value);
}

parley_result* ToResult(const absl::Status& status) noexcept {
  try {
    if (!status.ok()) return StatusResult(status);
    return ValueResult("null");
  } catch (...) {  // std::bad_alloc
    return OutOfMemoryResult();
  }
}

}  // namespace c_abi
}  // namespace parley
