// The JSON writers: Parley's canonical compact form and Python's
// json.dump layouts, one recursive writer for both.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "storage/json_internal.h"
#include "storage/json_value.h"
#include "storage/utf8.h"

namespace parley {
namespace {

using json_internal::ShortEscape;

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendUnicodeEscape(uint32_t unit, std::string* out) {
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) {
    out->push_back(kHexDigits[(unit >> shift) & 0xF]);
  }
}

// True for a byte AppendQuoted copies as it is. 0xED starts the 3-byte forms
// of U+D000..U+DFFF, among them the lone surrogates, which are escaped.
bool IsPlainByte(unsigned char c, bool ensure_ascii) {
  return c >= 0x20 && c != '"' && c != '\\' && c != 0xED &&
         (!ensure_ascii || c < 0x7F);
}

bool IsSurrogate(uint32_t cp) { return cp >= 0xD800 && cp <= 0xDFFF; }

// Appends `s` as a quoted JSON string. Without `ensure_ascii` only `"`, `\`,
// control characters and lone surrogates are escaped (Python's
// ensure_ascii=False, and Parley's compact form); with it every byte outside
// 0x20..0x7E is, as \uXXXX (surrogate pairs above the BMP). A lone
// surrogate (held as WTF-8) is always written as its escape, as json.dump
// writes it, so the text is valid UTF-8 whatever `s` holds.
void AppendQuoted(absl::string_view s, bool ensure_ascii, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Copy the run of bytes that need no escape in one go.
    size_t run = i;
    while (run < s.size() &&
           IsPlainByte(static_cast<unsigned char>(s[run]), ensure_ascii)) {
      ++run;
    }
    out->append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (const char* escape = ShortEscape(c)) {
      out->append(escape);
      ++i;
    } else if (c < 0x20) {
      AppendUnicodeEscape(c, out);
      ++i;
    } else {  // c >= 0x7F: ensure_ascii, or 0xED
      uint32_t cp;
      size_t len = DecodeUtf8(s, i, &cp, /*wtf8=*/true);
      if (len == 0) {  // only reachable for strings not built by ParseJson
        cp = 0xFFFD;
        len = 1;
      }
      if (!ensure_ascii && !IsSurrogate(cp)) {
        out->append(s.data() + i, len);  // U+D000..U+D7FF, raw
      } else if (cp >= 0x10000) {
        cp -= 0x10000;
        AppendUnicodeEscape(0xD800 + (cp >> 10), out);
        AppendUnicodeEscape(0xDC00 + (cp & 0x3FF), out);
      } else {
        AppendUnicodeEscape(cp, out);
      }
      i += len;
    }
  }
  out->push_back('"');
}

// How a writer lays out containers.
struct Layout {
  int indent;  // < 0: everything on one line
  bool ensure_ascii;
  const char* item_separator;
  const char* key_separator;
};

constexpr Layout kCompact = {-1, false, ",", ":"};

// Mirrors CPython's json.encoder._make_iterencode.
void Write(const JsonValue& value, const Layout& layout, int depth,
           std::string* out) {
  const auto newline = [&](int level) {
    if (layout.indent < 0) return;
    out->push_back('\n');
    out->append(static_cast<size_t>(layout.indent) * level, ' ');
  };
  switch (value.type()) {
    case JsonValue::Type::kNull:
      out->append("null");
      return;
    case JsonValue::Type::kBool:
      out->append(value.bool_value() ? "true" : "false");
      return;
    case JsonValue::Type::kNumber:
      out->append(value.number_text());
      return;
    case JsonValue::Type::kString:
      AppendQuoted(value.string_value(), layout.ensure_ascii, out);
      return;
    case JsonValue::Type::kArray: {
      if (value.array().empty()) {
        out->append("[]");
        return;
      }
      out->push_back('[');
      for (size_t i = 0; i < value.array().size(); ++i) {
        if (i > 0) out->append(layout.item_separator);
        newline(depth + 1);
        Write(value.array()[i], layout, depth + 1, out);
      }
      newline(depth);
      out->push_back(']');
      return;
    }
    case JsonValue::Type::kObject: {
      if (value.members().empty()) {
        out->append("{}");
        return;
      }
      out->push_back('{');
      for (size_t i = 0; i < value.members().size(); ++i) {
        if (i > 0) out->append(layout.item_separator);
        newline(depth + 1);
        AppendQuoted(value.members()[i].first, layout.ensure_ascii, out);
        out->append(layout.key_separator);
        Write(value.members()[i].second, layout, depth + 1, out);
      }
      newline(depth);
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

std::string WriteCompactJson(const JsonValue& value) {
  std::string out;
  Write(value, kCompact, 0, &out);
  return out;
}

std::string WritePythonJson(const JsonValue& value,
                            const JsonFileStyle& style) {
  const Layout layout = {style.indent, style.ensure_ascii,
                         style.indent < 0 ? ", " : ",", ": "};
  std::string out;
  Write(value, layout, 0, &out);
  if (style.trailing_newline) out.push_back('\n');
  return out;
}

}  // namespace parley
