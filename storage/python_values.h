// The original module's Python semantics on stored JSON values, for the
// contract functions that read a value before writing one:
//   toggle_conversation_starred   not conversation.get("starred", False)
//   restore_all_expired_reports   conversation.get("expires_at") or
//                                 not conversation.get("is_visible", True)
//   save_follow_up_answers        conversation.get("report_cycle", 0) + 1
// A stored value may have any JSON type (callers could store any value
// through the update functions), and the result must be what Python gives.
#ifndef PARLEY_STORAGE_PYTHON_VALUES_H_
#define PARLEY_STORAGE_PYTHON_VALUES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/json_value.h"

namespace parley {

// Python's bool(value) for what json.load makes of `value`: null, false, 0,
// 0.0, -0.0, "", [] and {} are false; everything else (NaN included) true.
bool PythonTruthy(const JsonValue& value);

// Python's `value + 1` for what json.load makes of `value`: an int stays an
// exact int of any size, a float stays a float (written as Python's repr:
// 2.0 -> 3.0, 1e16 -> 1e+16, NaN and Infinity stay), a bool counts as 0 or 1
// (True + 1 == 2). Any other type raised TypeError in the original:
// InvalidArgument naming `what` and the type.
absl::StatusOr<JsonValue> PythonAddOne(const JsonValue& value,
                                       absl::string_view what);

// Python's repr() of a double: the shortest text that reads back to it,
// "1.75", "3.0", "1e-07", "1e+16", "-0.0", "inf"-free (NaN, Infinity and
// -Infinity as json.dump writes them).
std::string PythonFloatRepr(double value);

}  // namespace parley

#endif  // PARLEY_STORAGE_PYTHON_VALUES_H_
