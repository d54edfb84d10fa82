// The C ABI's results (api/parley.h): parley_result, and how a C++ call's
// absl::Status / absl::StatusOr<T> becomes one, with the value as the JSON
// text the original Python module's return value would have been.
//
// Nothing here throws out: every function that allocates catches
// std::bad_alloc and hands back the static out-of-memory result, which
// FreeResult leaves alone.
#ifndef PARLEY_API_C_RESULT_H_
#define PARLEY_API_C_RESULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/parley.h"
#include "proto/records.pb.h"

struct parley_result {
  parley_code code = PARLEY_OK;
  std::string message;  // empty for PARLEY_OK
  std::string json;     // the value; meaningful only for PARLEY_OK
};

namespace parley {
namespace c_abi {

// The static result handed out when memory runs out.
parley_result* OutOfMemoryResult();

// An error result with `code` and `message`. Never NULL.
parley_result* ErrorResult(parley_code code, std::string message);
// The result of a failed call: its code (PARLEY_COMMIT_OUTCOME_UNKNOWN for
// IsCommitOutcomeUnknown) and message, made valid UTF-8 without NUL bytes.
// REQUIRES: !status.ok().
parley_result* StatusResult(const absl::Status& status);
// A PARLEY_OK result holding `json`.
parley_result* ValueResult(std::string json);
// Frees `result` unless it is NULL or the static out-of-memory result.
void FreeResult(parley_result* result);

// A call's value as the original's JSON text: records in their key order,
// "null" for None (a call with no value, a record that is absent), true /
// false, integers, and arrays of conversation summaries.
absl::StatusOr<std::string> EncodeValue(const Conversation& conversation);
absl::StatusOr<std::string> EncodeValue(const Profile& profile);
absl::StatusOr<std::string> EncodeValue(const Subscription& subscription);
absl::StatusOr<std::string> EncodeValue(
    const std::vector<ConversationSummary>& summaries);
absl::StatusOr<std::string> EncodeValue(bool value);
absl::StatusOr<std::string> EncodeValue(int64_t value);
template <typename T>
absl::StatusOr<std::string> EncodeValue(const std::optional<T>& value) {
  if (!value.has_value()) return std::string("null");
  return EncodeValue(*value);
}

// A finished call as a result: the error, or the encoded value ("null" for
// a call that returns only a status). Never NULL, never throws.
parley_result* ToResult(const absl::Status& status) noexcept;
template <typename T>
parley_result* ToResult(const absl::StatusOr<T>& value) noexcept {
  try {
    if (!value.ok()) return StatusResult(value.status());
    absl::StatusOr<std::string> json = EncodeValue(*value);
    if (!json.ok()) return StatusResult(json.status());
    return ValueResult(*std::move(json));
  } catch (...) {  // std::bad_alloc is the only exception possible here
    return OutOfMemoryResult();
  }
}

}  // namespace c_abi
}  // namespace parley

#endif  // PARLEY_API_C_RESULT_H_
