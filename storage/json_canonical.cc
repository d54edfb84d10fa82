// IsCanonicalCompactJson: a scan that builds nothing, so that payloads
// already in Parley's form (most of them) skip a parse and a write. It is
// the parser's grammar restricted to what WriteCompactJson writes; the
// fuzzer (tests/fuzz/json_fuzzer.cc) and json_value_test hold it to
// exactly WriteCompactJson(*ParseJson(text)) == text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "storage/json_internal.h"
#include "storage/json_value.h"
#include "storage/utf8.h"

namespace parley {
namespace {

using json_internal::HexValue;
using json_internal::IsDigit;
using json_internal::kIndexKeysFrom;
using json_internal::ShortEscape;

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

}  // namespace

bool IsCanonicalCompactJson(absl::string_view text) {
  return CanonicalChecker(text).Check();
}

absl::StatusOr<std::string> CanonicalJson(absl::string_view text,
                                          absl::string_view what) {
  // Payloads mostly arrive in canonical form already (Parley's own writers
  // produce it): a scan that builds nothing takes them as they are.
  if (IsCanonicalCompactJson(text)) return std::string(text);
  absl::StatusOr<JsonValue> value = ParseJson(text);
  if (!value.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is not valid JSON (", value.status().message(), ")"));
  }
  return WriteCompactJson(*value);
}

}  // namespace parley
