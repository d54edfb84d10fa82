// How each entry point of api/parley.h runs: its C arguments are checked and
// turned into C++ values (Parse), its handle is looked up, the Storage (or,
// for _async, AsyncStorage) method runs, and its value is encoded as the
// original's JSON text (api/c_result.h). Every contract call is one
// `CallSync` or `CallAsync` with an operation and its argument specs, so the
// checks and the exception barrier are written once.
#ifndef PARLEY_API_C_CALLS_H_
#define PARLEY_API_C_CALLS_H_

#include <cstddef>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "api/c_handles.h"
#include "api/c_result.h"
#include "api/parley.h"
#include "proto/records.pb.h"

namespace parley {
namespace c_abi {

// Argument specs: a C (pointer, length) pair and the parameter's name, for
// the error message. The length is the truth: bytes after it are not read,
// a NUL byte inside it is part of the value. Only NULL is refused here: what
// a valid id, text or JSON payload is (UTF-8, WTF-8 for a lone surrogate, id
// rules) is Storage's to say, once for every caller, before it writes.

// Text that must be given (NULL is INVALID_ARGUMENT).
struct Text {
  const char* name;
  const char* data;
  size_t size;
};
// Text that may be NULL (Python's None), which means `fallback`.
struct OptionalText {
  const char* name;
  const char* data;
  size_t size;
  absl::string_view fallback;
};
// JSON text that must be given.
struct Json {
  const char* name;
  const char* data;
  size_t size;
};
// JSON text that may be NULL: absent (std::nullopt).
struct OptionalJson {
  const char* name;
  const char* data;
  size_t size;
};
// A whole conversation record as a JSON object.
struct ConversationJson {
  const char* name;
  const char* data;
  size_t size;
};

// Each Parse returns the argument's C++ value, or, on a bad argument, a
// placeholder and the reason in `*error` (only the first reason is kept).
absl::string_view Parse(const Text& spec, absl::Status* error);
absl::string_view Parse(const OptionalText& spec, absl::Status* error);
absl::string_view Parse(const Json& spec, absl::Status* error);
std::optional<absl::string_view> Parse(const OptionalJson& spec,
                                       absl::Status* error);
Conversation Parse(const ConversationJson& spec, absl::Status* error);

// OK when `storage` is a live handle; INVALID_ARGUMENT for NULL,
// FAILED_PRECONDITION for a closed or unknown handle.
absl::Status CheckHandle(const parley_storage* storage);

// The result for an exception that reached an entry point (only
// std::bad_alloc can: Parley's own code reports errors as statuses).
parley_result* ExceptionResult() noexcept;

// Hands an _async call's result to the C callback.
struct Deliver {
  parley_callback done;
  void* context;
  template <typename R>
  void operator()(R result) const {
    done(context, ToResult(result));
  }
};

// Runs `op(storage, args...)` on the caller's thread; `op` is given the
// Storage and the parsed arguments, and returns an absl::Status or an
// absl::StatusOr<T> that ToResult encodes.
template <typename Op, typename... Specs>
parley_result* CallSync(parley_storage* storage, Op op,
                        const Specs&... specs) noexcept {
  try {
    absl::Status error = CheckHandle(storage);
    // Braces: the arguments are checked left to right, so the first bad
    // one is the one reported.
    std::tuple<decltype(Parse(specs, &error))...> args{Parse(specs, &error)...};
    if (!error.ok()) return StatusResult(error);
    return ToResult(std::apply(
        [&](auto&... arg) { return op(*storage->sync, arg...); }, args));
  } catch (...) {
    return ExceptionResult();
  }
}

// Queues `op(async_storage, args..., callback)`: NULL when queued (then
// `done` runs once with the result), else the error and `done` never runs.
template <typename Op, typename... Specs>
parley_result* CallAsync(parley_storage* storage, parley_callback done,
                         void* context, Op op, const Specs&... specs) noexcept {
  try {
    absl::Status error = CheckHandle(storage);
    if (error.ok() && done == nullptr) {
      error = absl::InvalidArgumentError("done is NULL");
    }
    std::tuple<decltype(Parse(specs, &error))...> args{Parse(specs, &error)...};
    if (!error.ok()) return StatusResult(error);
    // AsyncStorage copies the arguments before it returns.
    absl::Status queued = std::apply(
        [&](auto&... arg) {
          return op(*storage->async, arg..., Deliver{done, context});
        },
        args);
    if (!queued.ok()) return StatusResult(queued);
    return nullptr;
  } catch (...) {
    return ExceptionResult();
  }
}

}  // namespace c_abi
}  // namespace parley

#endif  // PARLEY_API_C_CALLS_H_
