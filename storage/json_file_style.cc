// Reading back the layout of a file Python's json.dump wrote, so that an
// untouched record is rewritten byte for byte.
#include <cstddef>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "storage/json_value.h"

namespace parley {

JsonFileStyle DetectJsonFileStyle(absl::string_view file_text) {
  JsonFileStyle style;
  absl::string_view text = file_text;
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  style.trailing_newline = absl::EndsWith(text, "\n");
  for (char c : text) {
    // ensure_ascii=True writes neither non-ASCII bytes nor DEL.
    if (static_cast<unsigned char>(c) >= 0x7F) {
      style.ensure_ascii = false;
      break;
    }
  }
  const absl::string_view body = absl::StripAsciiWhitespace(text);
  const size_t newline = body.find('\n');
  if (newline != absl::string_view::npos) {
    // A raw newline cannot occur inside a JSON string, so this one is
    // json.dump's: the next line is indented by one level.
    size_t spaces = 0;
    while (newline + 1 + spaces < body.size() &&
           body[newline + 1 + spaces] == ' ') {
      ++spaces;
    }
    style.indent = static_cast<int>(spaces);
    return style;
  }
  // One line. An empty container or a scalar reads the same in every style,
  // so it keeps the default (indent=2); any other container was written
  // without an indent.
  if (body.size() >= 2 && (body.front() == '[' || body.front() == '{')) {
    const absl::string_view inside =
        absl::StripAsciiWhitespace(body.substr(1, body.size() - 2));
    if (!inside.empty()) style.indent = -1;
  }
  return style;
}

}  // namespace parley
