// An exact JSON value: what Parley reads is what it writes.
//
// Objects keep their keys in insertion order (Python dict semantics: setting
// an existing key keeps its place, a new key goes last; on parse a repeated
// key keeps its first place and its last value, as Python's json.load does).
// Numbers keep their text exactly as written (9007199254740993, 1e-07, -0.0,
// and Python's NaN / Infinity / -Infinity), so no value ever passes through a
// double. Strings are UTF-8, except that a lone surrogate (which a Python str
// may hold and json.dump writes as "\udc80") is held in its 3-byte
// generalized UTF-8 form (WTF-8: ED B2 80 for U+DC80). Every writer escapes
// it again, so written text is always valid UTF-8.
//
// The checks for valid UTF-8 and WTF-8 text are in storage/utf8.h.
#ifndef PARLEY_STORAGE_JSON_VALUE_H_
#define PARLEY_STORAGE_JSON_VALUE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parley {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;  // null
  static JsonValue Null() { return JsonValue(); }
  static JsonValue Bool(bool value);
  // REQUIRES: `text` is a valid JSON number (or NaN, Infinity, -Infinity).
  static JsonValue Number(std::string text);
  static JsonValue Integer(int64_t value);
  static JsonValue String(std::string value);
  static JsonValue Array();
  static JsonValue Object();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Accessors REQUIRE the matching type.
  bool bool_value() const { return bool_; }
  const std::string& number_text() const { return text_; }
  const std::string& string_value() const { return text_; }
  const std::vector<JsonValue>& array() const { return array_; }
  std::vector<JsonValue>& array() { return array_; }
  const std::vector<Member>& members() const { return members_; }
  std::vector<Member>& members() { return members_; }

  // True when this number is an integer that fits int64 (no fraction, no
  // exponent); stores it in `*out`.
  bool AsInt64(int64_t* out) const;

  // Object access. REQUIRE is_object().
  const JsonValue* Find(absl::string_view key) const;
  JsonValue* Find(absl::string_view key);
  // Sets `key` to `value`: in place when present, appended otherwise.
  void Set(absl::string_view key, JsonValue value);
  // Removes `key`; false when it was not there.
  bool Erase(absl::string_view key);

  // Deep equality: same types, same number text, same key order.
  friend bool operator==(const JsonValue& a, const JsonValue& b);
  friend bool operator!=(const JsonValue& a, const JsonValue& b) {
    return !(a == b);
  }

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;  // number text or string value
  std::vector<JsonValue> array_;
  std::vector<Member> members_;
};

// The deepest nesting Parse accepts; deeper input is InvalidArgument rather
// than a stack overflow.
inline constexpr int kMaxJsonDepth = 512;

// Parses one JSON document: any white space, raw UTF-8 or \u escapes
// (surrogate pairs joined, a lone surrogate escape kept as WTF-8), an
// optional UTF-8 byte-order mark, trailing white space. Returns
// InvalidArgument naming the byte offset and the cause for malformed input,
// invalid UTF-8 (raw surrogate bytes included), or nesting deeper than
// kMaxJsonDepth.
absl::StatusOr<JsonValue> ParseJson(absl::string_view text);

// Parley's canonical compact text: no white space between tokens, raw UTF-8,
// only `"`, `\` and control characters escaped (\b \f \n \r \t, others as
// \u00XX) and lone surrogates (\udXXX, lowercase), numbers as their text. The
// form every backend returns payloads in.
std::string WriteCompactJson(const JsonValue& value);

// True when `text` is already canonical: exactly what
// WriteCompactJson(*ParseJson(text)) returns, so a document ParseJson accepts
// (nesting within kMaxJsonDepth) with no white space, no byte-order mark, no
// repeated key in an object, and every string escaped as WriteCompactJson
// escapes it. Builds no value: the cheap way to take a payload that is
// already in Parley's form.
bool IsCanonicalCompactJson(absl::string_view text);

// Parses `text` and returns it in canonical compact form (what
// WriteCompactJson writes); a text already in that form is returned as it
// is, after IsCanonicalCompactJson. InvalidArgument names `what` when it is
// not JSON.
absl::StatusOr<std::string> CanonicalJson(absl::string_view text,
                                          absl::string_view what);

// How a file was (or is to be) laid out, after Python's json.dump.
struct JsonFileStyle {
  // Spaces per level; 2 is json.dump(obj, f, indent=2). A negative value
  // means a single line with Python's default ", " and ": " separators.
  int indent = 2;
  // Escape every non-ASCII character as \uXXXX (surrogate pairs above the
  // BMP) and DEL as \u007f, as ensure_ascii=True does.
  bool ensure_ascii = true;
  // End the file with "\n" (json.dump writes none).
  bool trailing_newline = false;

  friend bool operator==(const JsonFileStyle& a, const JsonFileStyle& b) {
    return a.indent == b.indent && a.ensure_ascii == b.ensure_ascii &&
           a.trailing_newline == b.trailing_newline;
  }
};

// Writes `value` byte for byte as Python's json.dump would with `style`
// (default: json.dump(obj, f, indent=2)).
std::string WritePythonJson(const JsonValue& value,
                            const JsonFileStyle& style = JsonFileStyle());

// Guesses the style a file was written in, so that rewriting an untouched
// record reproduces its bytes: the first indented line's width (or a single
// line), raw non-ASCII bytes (ensure_ascii off), a final newline.
JsonFileStyle DetectJsonFileStyle(absl::string_view file_text);

}  // namespace parley

#endif  // PARLEY_STORAGE_JSON_VALUE_H_
