// UTF-8 and WTF-8: the one place that knows which byte sequences are valid
// text. JSON's parser and writers, id checks and the C API all ask here.
#ifndef PARLEY_STORAGE_UTF8_H_
#define PARLEY_STORAGE_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace parley {

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF): what every id must be.
bool IsValidUtf8(absl::string_view text);

// As IsValidUtf8, but also accepting UTF-16 surrogates in their 3-byte form
// (WTF-8): what a stored string may be (a lone surrogate, see json_value.h).
bool IsValidWtf8(absl::string_view text);

// Decodes one well-formed UTF-8 sequence (no overlongs, at most U+10FFFF,
// and no UTF-16 surrogates unless `wtf8`) starting at text[pos]. Returns its
// length and stores the code point, or returns 0 when the bytes there are
// not valid. With `wtf8` a surrogate U+D800..U+DFFF in its 3-byte form is
// accepted: that is how Parley holds a lone surrogate (WTF-8, see
// json_value.h). REQUIRES: pos < text.size().
size_t DecodeUtf8(absl::string_view text, size_t pos, uint32_t* cp,
                  bool wtf8 = false);

// Appends code point `cp` (at most U+10FFFF; a surrogate gives its WTF-8
// form) in UTF-8.
void AppendUtf8(uint32_t cp, std::string* out);

}  // namespace parley

#endif  // PARLEY_STORAGE_UTF8_H_
