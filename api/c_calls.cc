#include "api/c_calls.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "storage/json_value.h"
#include "storage/record_json.h"

namespace parley {
namespace c_abi {
namespace {

void Keep(absl::Status reason, absl::Status* error) {
  if (error->ok()) *error = std::move(reason);
}

absl::Status NullArgument(const char* name) {
  return absl::InvalidArgumentError(absl::StrCat(name, " is NULL"));
}

}  // namespace

absl::string_view Parse(const Text& spec, absl::Status* error) {
  if (spec.data == nullptr) {
    Keep(NullArgument(spec.name), error);
    return {};
  }
  return absl::string_view(spec.data, spec.size);
}

absl::string_view Parse(const OptionalText& spec, absl::Status* error) {
  if (spec.data == nullptr) return spec.fallback;
  return absl::string_view(spec.data, spec.size);
}

absl::string_view Parse(const Json& spec, absl::Status* error) {
  if (spec.data == nullptr) {
    Keep(NullArgument(spec.name), error);
    return {};
  }
  return absl::string_view(spec.data, spec.size);
}

std::optional<absl::string_view> Parse(const OptionalJson& spec,
                                       absl::Status* error) {
  if (spec.data == nullptr) return std::nullopt;
  return absl::string_view(spec.data, spec.size);
}

Conversation Parse(const ConversationJson& spec, absl::Status* error) {
  if (spec.data == nullptr) {
    Keep(NullArgument(spec.name), error);
    return {};
  }
  absl::StatusOr<JsonValue> json =
      ParseJson(absl::string_view(spec.data, spec.size));
  if (!json.ok()) {
    Keep(absl::InvalidArgumentError(
             absl::StrCat(spec.name, ": ", json.status().message())),
         error);
    return {};
  }
  absl::StatusOr<Conversation> conversation = ConversationFromJson(*json);
  if (!conversation.ok()) {
    Keep(absl::InvalidArgumentError(
             absl::StrCat(spec.name, ": ", conversation.status().message())),
         error);
    return {};
  }
  return *std::move(conversation);
}

absl::Status CheckHandle(const parley_storage* storage) {
  if (storage == nullptr) return NullArgument("storage");
  if (!IsLiveHandle(storage)) {
    return absl::FailedPreconditionError(
        "storage is not an open store (closed, or never opened)");
  }
  return absl::OkStatus();
}

parley_result* ExceptionResult() noexcept { return OutOfMemoryResult(); }

}  // namespace c_abi
}  // namespace parley
