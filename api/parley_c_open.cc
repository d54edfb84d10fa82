// The entry points of api/parley.h that are not contract calls: the
// library's names and versions, results, opening and closing a store.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "api/async_storage.h"
#include "api/c_handles.h"
#include "api/c_result.h"
#include "api/parley.h"
#include "api/storage.h"
#include "storage/json_value.h"
#include "storage/utf8.h"

namespace parley {
namespace c_abi {
namespace {

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

}  // extern "C"
