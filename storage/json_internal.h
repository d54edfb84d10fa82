// Lexical pieces the JSON parser, canonical check and writers share, so
// that each rule (a digit, a hex digit, Python's short escapes) is written
// once. Private to the json_value target: not part of its interface.
#ifndef PARLEY_STORAGE_JSON_INTERNAL_H_
#define PARLEY_STORAGE_JSON_INTERNAL_H_

#include <cstddef>

namespace parley {
namespace json_internal {

// Object sizes from which the parser and the canonical check index keys in
// a hash set to find repeated keys, instead of scanning the members.
inline constexpr size_t kIndexKeysFrom = 16;

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The value of hex digit `c` (either case), or -1.
inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The short escape Python writes for `c` ("\\n" for a newline), or null.
inline const char* ShortEscape(unsigned char c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return nullptr;
  }
}

}  // namespace json_internal
}  // namespace parley

#endif  // PARLEY_STORAGE_JSON_INTERNAL_H_
