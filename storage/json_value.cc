#include "storage/json_value.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace parley {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Object sizes from which the parser indexes keys in a hash map to find
// repeated keys, instead of scanning the members.
constexpr size_t kIndexKeysFrom = 16;

bool IsJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes one well-formed UTF-8 sequence (no overlongs, at most U+10FFFF,
// and no UTF-16 surrogates unless `wtf8`) starting at text[pos]. Returns its
// length and stores the code point, or returns 0 when the bytes there are
// not valid. With `wtf8` a surrogate U+D800..U+DFFF in its 3-byte form is
// accepted: that is how Parley holds a lone surrogate (WTF-8, see
// json_value.h).
size_t DecodeUtf8(absl::string_view text, size_t pos, uint32_t* cp,
                  bool wtf8 = false) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[pos + i]);
  };
  const unsigned char b0 = byte(0);
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    *cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    *cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;           // overlong
    if (b0 == 0xED && !wtf8) hi = 0x9F;  // UTF-16 surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    *cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (pos + len > text.size()) return 0;
  for (size_t i = 1; i < len; ++i) {
    const unsigned char b = byte(i);
    if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  return len;
}

void AppendUnicodeEscape(uint32_t unit, std::string* out) {
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) {
    out->push_back(kHexDigits[(unit >> shift) & 0xF]);
  }
}

// The short escape Python writes for `c` ("\\n" for a newline), or null.
const char* ShortEscape(unsigned char c) {
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

// A recursive-descent parser; recursion is bounded by kMaxJsonDepth.
class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<JsonValue> ParseDocument() {
    if (absl::StartsWith(text_, "\xEF\xBB\xBF")) pos_ = 3;
    JsonValue value;
    absl::Status status = ParseValue(0, &value);
    if (!status.ok()) return status;
    SkipSpace();
    if (pos_ != text_.size()) {
      return Error(pos_, "unexpected data after the document");
    }
    return value;
  }

 private:
  static absl::Status Error(size_t pos, absl::string_view cause) {
    return absl::InvalidArgumentError(
        absl::StrCat("json: byte ", pos, ": ", cause));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && IsJsonSpace(Peek())) ++pos_;
  }

  absl::Status ParseValue(int depth, JsonValue* out) {
    SkipSpace();
    if (AtEnd()) return Error(pos_, "unexpected end of input");
    switch (Peek()) {
      case '{':
        return ParseObject(depth + 1, out);
      case '[':
        return ParseArray(depth + 1, out);
      case '"': {
        std::string s;
        absl::Status status = ParseString(&s);
        if (!status.ok()) return status;
        *out = JsonValue::String(std::move(s));
        return absl::OkStatus();
      }
      case 't':
        return ParseLiteral("true", JsonValue::Bool(true), out);
      case 'f':
        return ParseLiteral("false", JsonValue::Bool(false), out);
      case 'n':
        return ParseLiteral("null", JsonValue::Null(), out);
      case 'N':
        return ParseLiteral("NaN", JsonValue::Number("NaN"), out);
      case 'I':
        return ParseLiteral("Infinity", JsonValue::Number("Infinity"), out);
      default:
        if (Peek() == '-' || IsDigit(Peek())) return ParseNumber(out);
        return Error(pos_, "expected a value");
    }
  }

  absl::Status ParseLiteral(absl::string_view word, JsonValue value,
                            JsonValue* out) {
    if (text_.substr(pos_, word.size()) != word) {
      return Error(pos_, "invalid literal");
    }
    pos_ += word.size();
    *out = std::move(value);
    return absl::OkStatus();
  }

  // -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? or -Infinity, kept as text.
  absl::Status ParseNumber(JsonValue* out) {
    const size_t start = pos_;
    if (Peek() == '-') {
      ++pos_;
      if (!AtEnd() && Peek() == 'I') {
        absl::Status status =
            ParseLiteral("Infinity", JsonValue::Number("-Infinity"), out);
        return status.ok() ? status : Error(start, "invalid number");
      }
    }
    if (AtEnd() || !IsDigit(Peek())) return Error(pos_, "invalid number");
    const bool leading_zero = Peek() == '0';
    SkipDigits();
    if (leading_zero && pos_ - start > (text_[start] == '-' ? 2u : 1u)) {
      return Error(start, "leading zero in number");
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (!SkipDigits()) return Error(pos_, "expected a digit after '.'");
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (!SkipDigits()) return Error(pos_, "expected a digit in the exponent");
    }
    *out = JsonValue::Number(std::string(text_.substr(start, pos_ - start)));
    return absl::OkStatus();
  }

  // Reads four hex digits at pos_ into `*unit`.
  absl::Status ParseHex4(uint32_t* unit) {
    if (pos_ + 4 > text_.size()) return Error(pos_, "truncated \\u escape");
    *unit = 0;
    for (int i = 0; i < 4; ++i) {
      const int v = HexValue(text_[pos_ + i]);
      if (v < 0) return Error(pos_ + i, "invalid hex digit in \\u escape");
      *unit = (*unit << 4) | static_cast<uint32_t>(v);
    }
    pos_ += 4;
    return absl::OkStatus();
  }

  absl::Status ParseEscape(std::string* out) {
    const size_t start = pos_;  // at the backslash
    ++pos_;
    if (AtEnd()) return Error(start, "unterminated string");
    const char c = Peek();
    ++pos_;
    if (c != 'u') {
      // The escapes other than \u, and what each stands for.
      static constexpr absl::string_view kFrom = "\"\\/bfnrt";
      static constexpr absl::string_view kTo = "\"\\/\b\f\n\r\t";
      const size_t index = kFrom.find(c);
      if (index == absl::string_view::npos) {
        return Error(start, "invalid escape");
      }
      out->push_back(kTo[index]);
      return absl::OkStatus();
    }
    uint32_t unit;
    absl::Status status = ParseHex4(&unit);
    if (!status.ok()) return status;
    // A high surrogate escape followed by a low one is one code point; any
    // other surrogate is kept alone, in WTF-8, as Python's json.loads keeps
    // it in a str.
    if (unit >= 0xD800 && unit <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
      const size_t second = pos_;
      pos_ += 2;
      uint32_t low;
      status = ParseHex4(&low);
      if (!status.ok()) return status;
      if (low >= 0xDC00 && low <= 0xDFFF) {
        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
      } else {
        pos_ = second;  // not a pair: the next escape stands on its own
      }
    }
    AppendUtf8(unit, out);
    return absl::OkStatus();
  }

  absl::Status ParseString(std::string* out) {
    const size_t start = pos_;  // at the opening quote
    ++pos_;
    while (true) {
      // Copy the run of plain ASCII in one go.
      size_t run = pos_;
      while (run < text_.size()) {
        const unsigned char c = static_cast<unsigned char>(text_[run]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++run;
      }
      out->append(text_.data() + pos_, run - pos_);
      pos_ = run;
      if (AtEnd()) return Error(start, "unterminated string");
      const unsigned char c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c == '\\') {
        absl::Status status = ParseEscape(out);
        if (!status.ok()) return status;
      } else if (c < 0x20) {
        return Error(pos_, "control character in string");
      } else {
        uint32_t cp;
        const size_t len = DecodeUtf8(text_, pos_, &cp);
        if (len == 0) return Error(pos_, "invalid UTF-8");
        out->append(text_.data() + pos_, len);
        pos_ += len;
      }
    }
  }

  // After an item of an array or object: a ',' means another item follows
  // (`*more`), `close` ends the container.
  absl::Status AfterItem(char close, bool* more) {
    SkipSpace();
    if (AtEnd()) return Error(pos_, "unexpected end of input");
    *more = Peek() == ',';
    if (!*more && Peek() != close) {
      return Error(
          pos_, absl::StrCat("expected ',' or '", std::string(1, close), "'"));
    }
    ++pos_;
    return absl::OkStatus();
  }

  // Skips digits; false when there are none.
  bool SkipDigits() {
    const size_t start = pos_;
    while (!AtEnd() && IsDigit(Peek())) ++pos_;
    return pos_ > start;
  }

  absl::Status ParseArray(int depth, JsonValue* out) {
    if (depth > kMaxJsonDepth) return Error(pos_, "nesting too deep");
    ++pos_;  // '['
    *out = JsonValue::Array();
    SkipSpace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      JsonValue item;
      absl::Status status = ParseValue(depth, &item);
      if (!status.ok()) return status;
      out->array().push_back(std::move(item));
      bool more;
      status = AfterItem(']', &more);
      if (!status.ok() || !more) return status;
    }
  }

  absl::Status ParseObject(int depth, JsonValue* out) {
    if (depth > kMaxJsonDepth) return Error(pos_, "nesting too deep");
    ++pos_;  // '{'
    *out = JsonValue::Object();
    std::vector<JsonValue::Member>& members = out->members();
    absl::flat_hash_map<std::string, size_t> index;  // once it is large
    SkipSpace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      SkipSpace();
      if (AtEnd()) return Error(pos_, "unexpected end of input");
      if (Peek() != '"') return Error(pos_, "expected a string key");
      std::string key;
      absl::Status status = ParseString(&key);
      if (!status.ok()) return status;
      SkipSpace();
      if (AtEnd()) return Error(pos_, "unexpected end of input");
      if (Peek() != ':') return Error(pos_, "expected ':'");
      ++pos_;
      JsonValue value;
      status = ParseValue(depth, &value);
      if (!status.ok()) return status;
      // A repeated key keeps its first place and takes the last value.
      size_t found = members.size();
      if (members.size() < kIndexKeysFrom) {
        for (size_t i = 0; i < members.size(); ++i) {
          if (members[i].first == key) {
            found = i;
            break;
          }
        }
      } else {
        if (index.empty()) {
          for (size_t i = 0; i < members.size(); ++i) {
            index.emplace(members[i].first, i);
          }
        }
        auto [it, inserted] = index.emplace(key, members.size());
        if (!inserted) found = it->second;
      }
      if (found < members.size()) {
        members[found].second = std::move(value);
      } else {
        members.emplace_back(std::move(key), std::move(value));
      }
      bool more;
      status = AfterItem('}', &more);
      if (!status.ok() || !more) return status;
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

// The bytes a string holds as they are in canonical form: printable ASCII
// and DEL, but for `"` and `\\`.
struct PlainStringBytes {
  constexpr PlainStringBytes() : is() {
    for (int c = 0x20; c < 0x80; ++c) is[c] = c != '"' && c != '\\';
  }
  bool is[256];
};
constexpr PlainStringBytes kPlainStringByte;

// Checks that a text is a document in canonical compact form (what
// WriteCompactJson writes for what ParseJson reads from it) without building
// a value. Every rule mirrors Parser and AppendQuoted: when in doubt it says
// no, and the caller parses and writes.
class CanonicalChecker {
 public:
  explicit CanonicalChecker(absl::string_view text) : text_(text) {}

  bool Check() { return Value(0) && pos_ == text_.size(); }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  bool Literal(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool Digits() {
    const size_t start = pos_;
    while (!AtEnd() && IsDigit(Peek())) ++pos_;
    return pos_ > start;
  }

  bool Value(int depth) {
    if (AtEnd()) return false;
    switch (Peek()) {
      case '{':
        return Object(depth + 1);
      case '[':
        return Array(depth + 1);
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      case 'N':
        return Literal("NaN");
      case 'I':
        return Literal("Infinity");
      default:
        return Number();
    }
  }

  // As Parser::ParseNumber: numbers are written as their text.
  bool Number() {
    if (Peek() == '-') {
      ++pos_;
      if (!AtEnd() && Peek() == 'I') return Literal("Infinity");
    }
    if (AtEnd() || !IsDigit(Peek())) return false;
    if (Peek() == '0') {
      ++pos_;
      if (!AtEnd() && IsDigit(Peek())) return false;  // a leading zero
    } else {
      Digits();
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (!Digits()) return false;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (!Digits()) return false;
    }
    return true;
  }

  // A string as AppendQuoted writes it (ensure_ascii off): raw UTF-8 and
  // DEL, the short escapes for `"`, `\\`, \\b \\f \\n \\r \\t, and \\u00xx
  // (lowercase hex) for the other control characters; nothing else escaped.
  bool String() {
    const char* const begin = text_.data();
    const char* const end = begin + text_.size();
    const char* p = begin + pos_ + 1;  // after the opening quote
    while (true) {
      while (p < end && kPlainStringByte.is[static_cast<unsigned char>(*p)]) {
        ++p;
      }
      if (p == end) return false;
      const unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"') {
        pos_ = static_cast<size_t>(p + 1 - begin);
        return true;
      }
      if (c >= 0x80) {
        uint32_t cp;
        const size_t len =
            DecodeUtf8(text_, static_cast<size_t>(p - begin), &cp);
        if (len == 0) return false;
        p += len;
        continue;
      }
      if (c != '\\') return false;  // a raw control byte: ParseJson refuses it
      if (end - p < 2) return false;
      const char e = p[1];
      if (e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' ||
          e == 'r' || e == 't') {
        p += 2;
        continue;
      }
      if (e == 'u' && end - p >= 6 && p[2] == 'd' &&
          absl::string_view("89abcdef").find(p[3]) != absl::string_view::npos) {
        if (!LoneSurrogateEscape(p, end)) return false;
        p += 6;
        continue;
      }
      if (e != 'u' || end - p < 6 || p[2] != '0' || p[3] != '0') return false;
      const char hi = p[4];
      const char lo = p[5];
      if (hi != '0' && hi != '1') return false;
      if (!IsDigit(lo) && !(lo >= 'a' && lo <= 'f')) return false;
      const unsigned char unit =
          static_cast<unsigned char>((hi - '0') * 16 + HexValue(lo));
      if (ShortEscape(unit) != nullptr) return false;  // \\b, \\n, ...
      p += 6;
    }
  }

  // True when `p` starts "\\udXXX" (lowercase hex) as AppendQuoted writes a
  // lone surrogate: a high one not followed by a low escape (the two would
  // have been one code point).
  static bool LoneSurrogateEscape(const char* p, const char* end) {
    for (int i = 4; i < 6; ++i) {
      if (!IsDigit(p[i]) && !(p[i] >= 'a' && p[i] <= 'f')) return false;
    }
    if (p[3] >= 'c') return true;  // a low surrogate
    const char* next = p + 6;
    return !(end - next >= 6 && next[0] == '\\' && next[1] == 'u' &&
             (next[2] == 'd' || next[2] == 'D') &&
             (next[3] == 'c' || next[3] == 'd' || next[3] == 'e' ||
              next[3] == 'f' || next[3] == 'C' || next[3] == 'D' ||
              next[3] == 'E' || next[3] == 'F'));
  }

  bool Array(int depth) {
    if (depth > kMaxJsonDepth) return false;
    ++pos_;  // '['
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      if (!Value(depth)) return false;
      if (AtEnd()) return false;
      const char c = Peek();
      ++pos_;
      if (c == ']') return true;
      if (c != ',') return false;
    }
  }

  // Keys compare by their text: the canonical form of a string is unique, so
  // two canonical keys are the same string exactly when their texts are.
  bool Object(int depth) {
    if (depth > kMaxJsonDepth) return false;
    ++pos_;  // '{'
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return true;
    }
    const size_t first_key = keys_.size();
    absl::flat_hash_set<absl::string_view> index;  // once it is large
    while (true) {
      if (AtEnd() || Peek() != '"') return false;
      const size_t key_start = pos_;
      if (!String()) return false;
      const absl::string_view key = text_.substr(key_start, pos_ - key_start);
      const size_t count = keys_.size() - first_key;
      if (count < kIndexKeysFrom) {
        for (size_t i = first_key; i < keys_.size(); ++i) {
          if (keys_[i] == key) return false;  // ParseJson merges it
        }
      } else {
        if (index.empty()) index.insert(keys_.begin() + first_key, keys_.end());
        if (!index.insert(key).second) return false;
      }
      keys_.push_back(key);
      if (AtEnd() || Peek() != ':') return false;
      ++pos_;
      if (!Value(depth)) return false;
      if (AtEnd()) return false;
      const char c = Peek();
      ++pos_;
      if (c == '}') {
        keys_.resize(first_key);
        return true;
      }
      if (c != ',') return false;
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
  // The keys of the objects being read, innermost last.
  std::vector<absl::string_view> keys_;
};

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

namespace {

bool IsValidEncoding(absl::string_view text, bool wtf8) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    uint32_t cp;
    const size_t len = DecodeUtf8(text, pos, &cp, wtf8);
    if (len == 0) return false;
    pos += len;
  }
  return true;
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  return IsValidEncoding(text, /*wtf8=*/false);
}

bool IsValidWtf8(absl::string_view text) {
  return IsValidEncoding(text, /*wtf8=*/true);
}

JsonValue JsonValue::Bool(bool value) {
  JsonValue v;
  v.type_ = Type::kBool;
  v.bool_ = value;
  return v;
}

JsonValue JsonValue::Number(std::string text) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.text_ = std::move(text);
  return v;
}

JsonValue JsonValue::Integer(int64_t value) {
  return Number(absl::StrCat(value));
}

JsonValue JsonValue::String(std::string value) {
  JsonValue v;
  v.type_ = Type::kString;
  v.text_ = std::move(value);
  return v;
}

JsonValue JsonValue::Array() {
  JsonValue v;
  v.type_ = Type::kArray;
  return v;
}

JsonValue JsonValue::Object() {
  JsonValue v;
  v.type_ = Type::kObject;
  return v;
}

bool JsonValue::AsInt64(int64_t* out) const {
  if (type_ != Type::kNumber || text_.empty()) return false;
  for (size_t i = 0; i < text_.size(); ++i) {
    if (!IsDigit(text_[i]) && !(i == 0 && text_[i] == '-')) return false;
  }
  return absl::SimpleAtoi(text_, out);
}

const JsonValue* JsonValue::Find(absl::string_view key) const {
  for (const Member& member : members_) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

JsonValue* JsonValue::Find(absl::string_view key) {
  return const_cast<JsonValue*>(std::as_const(*this).Find(key));
}

void JsonValue::Set(absl::string_view key, JsonValue value) {
  if (JsonValue* existing = Find(key)) {
    *existing = std::move(value);
  } else {
    members_.emplace_back(std::string(key), std::move(value));
  }
}

bool JsonValue::Erase(absl::string_view key) {
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->first == key) {
      members_.erase(it);
      return true;
    }
  }
  return false;
}

bool operator==(const JsonValue& a, const JsonValue& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case JsonValue::Type::kNull:
      return true;
    case JsonValue::Type::kBool:
      return a.bool_ == b.bool_;
    case JsonValue::Type::kNumber:
    case JsonValue::Type::kString:
      return a.text_ == b.text_;
    case JsonValue::Type::kArray:
      return a.array_ == b.array_;
    case JsonValue::Type::kObject:
      return a.members_ == b.members_;
  }
  return false;
}

absl::StatusOr<JsonValue> ParseJson(absl::string_view text) {
  return Parser(text).ParseDocument();
}

bool IsCanonicalCompactJson(absl::string_view text) {
  return CanonicalChecker(text).Check();
}

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
