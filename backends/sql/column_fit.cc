#include "backends/sql/column_fit.h"

#include <cstddef>

#include "absl/strings/string_view.h"
#include "storage/utf8.h"

namespace parley {
namespace sql {

bool FitsTextColumn(absl::string_view text) {
  return text.find('\0') == absl::string_view::npos && IsValidUtf8(text);
}

// `json` is canonical compact text: outside strings, an 'N' or an 'I' can
// only start NaN, Infinity or -Infinity.
bool FitsJsonColumn(absl::string_view json) {
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == 'N' || c == 'I') {
      return false;
    }
  }
  return true;
}

}  // namespace sql
}  // namespace parley
