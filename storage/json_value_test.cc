#include "storage/json_value.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/utf8.h"

namespace parley {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

JsonValue MustParse(absl::string_view text) {
  absl::StatusOr<JsonValue> value = ParseJson(text);
  EXPECT_TRUE(value.ok()) << value.status();
  return value.ok() ? *std::move(value) : JsonValue();
}

// Parses and writes back in compact form.
std::string Compact(absl::string_view text) {
  return WriteCompactJson(MustParse(text));
}

void ExpectInvalid(absl::string_view text) {
  absl::StatusOr<JsonValue> value = ParseJson(text);
  ASSERT_FALSE(value.ok()) << "accepted: " << text;
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(value.status().message(), HasSubstr("json: byte "));
}

// One document with everything the writers must reproduce. Its strings use
// raw UTF-8 and escapes, so parsing exercises both.
constexpr char kDocument[] =
    R"({"id":"c1","big":9007199254740993,)"
    R"("f":[0.30000000000000004,1e-07,1e+16,-0.0,1.75],)"
    R"("text":"café 日本語 \ud83d\ude00",)"
    R"("ctl":"a\"b\\c\n\r\t\b\f\u0001\u001f\u007f\/",)"
    R"("nested":{"empty_list":[],"empty_obj":{},)"
    R"("list":[1,[2,{"x":null,"y":true,"z":false}]]}})";

// Each expected text below is what CPython 3.11's json.dumps printed for
// json.loads(kDocument) with the stated arguments.
constexpr char kIndent2[] =
    "{\n"
    "  \"id\": \"c1\",\n"
    "  \"big\": 9007199254740993,\n"
    "  \"f\": [\n"
    "    0.30000000000000004,\n"
    "    1e-07,\n"
    "    1e+16,\n"
    "    -0.0,\n"
    "    1.75\n"
    "  ],\n"
    "  \"text\": \"caf\\u00e9 \\u65e5\\u672c\\u8a9e \\ud83d\\ude00\",\n"
    "  \"ctl\": \"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f/\",\n"
    "  \"nested\": {\n"
    "    \"empty_list\": [],\n"
    "    \"empty_obj\": {},\n"
    "    \"list\": [\n"
    "      1,\n"
    "      [\n"
    "        2,\n"
    "        {\n"
    "          \"x\": null,\n"
    "          \"y\": true,\n"
    "          \"z\": false\n"
    "        }\n"
    "      ]\n"
    "    ]\n"
    "  }\n"
    "}";

constexpr char kIndent0[] =
    "{\n"
    "\"id\": \"c1\",\n"
    "\"big\": 9007199254740993,\n"
    "\"f\": [\n"
    "0.30000000000000004,\n"
    "1e-07,\n"
    "1e+16,\n"
    "-0.0,\n"
    "1.75\n"
    "],\n"
    "\"text\": \"caf\\u00e9 \\u65e5\\u672c\\u8a9e \\ud83d\\ude00\",\n"
    "\"ctl\": \"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f/\",\n"
    "\"nested\": {\n"
    "\"empty_list\": [],\n"
    "\"empty_obj\": {},\n"
    "\"list\": [\n"
    "1,\n"
    "[\n"
    "2,\n"
    "{\n"
    "\"x\": null,\n"
    "\"y\": true,\n"
    "\"z\": false\n"
    "}\n"
    "]\n"
    "]\n"
    "}\n"
    "}";

// indent=4, ensure_ascii=False
constexpr char kIndent4Raw[] =
    "{\n"
    "    \"id\": \"c1\",\n"
    "    \"big\": 9007199254740993,\n"
    "    \"f\": [\n"
    "        0.30000000000000004,\n"
    "        1e-07,\n"
    "        1e+16,\n"
    "        -0.0,\n"
    "        1.75\n"
    "    ],\n"
    "    \"text\": \"café 日本語 😀\",\n"
    "    \"ctl\": \"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\177/\",\n"
    "    \"nested\": {\n"
    "        \"empty_list\": [],\n"
    "        \"empty_obj\": {},\n"
    "        \"list\": [\n"
    "            1,\n"
    "            [\n"
    "                2,\n"
    "                {\n"
    "                    \"x\": null,\n"
    "                    \"y\": true,\n"
    "                    \"z\": false\n"
    "                }\n"
    "            ]\n"
    "        ]\n"
    "    }\n"
    "}";

// indent=None (the default)
constexpr char kOneLine[] =
    "{\"id\": \"c1\", \"big\": 9007199254740993, \"f\": [0.30000000000000004, "
    "1e-07, 1e+16, -0.0, 1.75], \"text\": \"caf\\u00e9 \\u65e5\\u672c\\u8a9e "
    "\\ud83d\\ude00\", \"ctl\": "
    "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f/\", \"nested\": "
    "{\"empty_list\": [], \"empty_obj\": {}, \"list\": [1, [2, {\"x\": null, "
    "\"y\": true, \"z\": false}]]}}";

// indent=None, ensure_ascii=False
constexpr char kOneLineRaw[] =
    "{\"id\": \"c1\", \"big\": 9007199254740993, \"f\": [0.30000000000000004, "
    "1e-07, 1e+16, -0.0, 1.75], \"text\": \"café 日本語 😀\", \"ctl\": "
    "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\177/\", \"nested\": "
    "{\"empty_list\": [], \"empty_obj\": {}, \"list\": [1, [2, {\"x\": null, "
    "\"y\": true, \"z\": false}]]}}";

TEST(JsonValueTest, NumbersKeepTheirText) {
  for (const char* number :
       {"9007199254740993", "0.30000000000000004", "1e-07", "1e+16", "-0.0",
        "-0", "1E5", "2.50", "123456789012345678901234567890", "NaN",
        "Infinity", "-Infinity", "0", "-1.5e-300"}) {
    JsonValue value = MustParse(number);
    ASSERT_TRUE(value.is_number()) << number;
    EXPECT_EQ(value.number_text(), number);
    EXPECT_EQ(WriteCompactJson(value), number);
    EXPECT_EQ(WritePythonJson(value), number);
  }
  EXPECT_EQ(Compact("[NaN, -Infinity,Infinity]"), "[NaN,-Infinity,Infinity]");
}

TEST(JsonValueTest, AsInt64) {
  int64_t out = 0;
  EXPECT_TRUE(MustParse("9007199254740993").AsInt64(&out));
  EXPECT_EQ(out, 9007199254740993);
  EXPECT_TRUE(MustParse("-9223372036854775808").AsInt64(&out));
  EXPECT_EQ(out, INT64_MIN);
  EXPECT_FALSE(MustParse("9223372036854775808").AsInt64(&out));
  EXPECT_FALSE(MustParse("1.0").AsInt64(&out));
  EXPECT_FALSE(MustParse("1e3").AsInt64(&out));
  EXPECT_FALSE(MustParse("NaN").AsInt64(&out));
  EXPECT_FALSE(MustParse("\"1\"").AsInt64(&out));
  EXPECT_TRUE(JsonValue::Integer(-42).AsInt64(&out));
  EXPECT_EQ(out, -42);
  EXPECT_EQ(JsonValue::Integer(-42).number_text(), "-42");
}

TEST(JsonValueTest, ScalarsAndWhitespace) {
  EXPECT_TRUE(MustParse(" \t\r\n null \n").is_null());
  EXPECT_TRUE(MustParse("true").bool_value());
  EXPECT_FALSE(MustParse("false").bool_value());
  EXPECT_EQ(MustParse("\"x\"").string_value(), "x");
  EXPECT_EQ(Compact("\xEF\xBB\xBF{ \"a\" :\t[ 1 , 2 ]\r\n}\n"),
            "{\"a\":[1,2]}");
}

TEST(JsonValueTest, NonAsciiRawAndEscaped) {
  const std::string expected = "日本語 😀 café";
  EXPECT_EQ(MustParse("\"日本語 😀 café\"").string_value(), expected);
  EXPECT_EQ(MustParse("\"\\u65e5\\u672C\\u8a9e \\ud83d\\ude00 caf\\u00e9\"")
                .string_value(),
            expected);
  const JsonValue value = MustParse("\"\\ud83d\\ude00\"");
  EXPECT_EQ(WriteCompactJson(value), "\"😀\"");
  EXPECT_EQ(WritePythonJson(value), "\"\\ud83d\\ude00\"");
  JsonFileStyle raw;
  raw.ensure_ascii = false;
  EXPECT_EQ(WritePythonJson(value, raw), "\"😀\"");
  // Non-ASCII keys are escaped the same way.
  EXPECT_EQ(WritePythonJson(MustParse("{\"kéy😀\":1}")),
            "{\n  \"k\\u00e9y\\ud83d\\ude00\": 1\n}");
}

TEST(JsonValueTest, EscapesInCompactForm) {
  EXPECT_EQ(Compact(R"("\"\\\/\b\f\n\r\t\u0000\u001f\u007f\u2028")"),
            "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\xe2\x80\xa8\"");
}

TEST(JsonValueTest, PythonWriterMatchesCPython) {
  const JsonValue doc = MustParse(kDocument);
  EXPECT_EQ(WritePythonJson(doc), kIndent2);
  EXPECT_EQ(WritePythonJson(doc, {0, true, false}), kIndent0);
  EXPECT_EQ(WritePythonJson(doc, {4, false, false}), kIndent4Raw);
  EXPECT_EQ(WritePythonJson(doc, {-1, true, false}), kOneLine);
  EXPECT_EQ(WritePythonJson(doc, {-1, false, false}), kOneLineRaw);
  EXPECT_EQ(WritePythonJson(doc, {2, true, true}),
            absl::StrCat(kIndent2, "\n"));
  EXPECT_EQ(WritePythonJson(MustParse(R"({"a":{"b":[]},"c":[{}]})")),
            "{\n  \"a\": {\n    \"b\": []\n  },\n  \"c\": [\n    {}\n  ]\n}");
  EXPECT_EQ(WritePythonJson(MustParse("[\"x\"]")), "[\n  \"x\"\n]");
  EXPECT_EQ(WritePythonJson(MustParse("[]")), "[]");
  EXPECT_EQ(WritePythonJson(MustParse("{}")), "{}");
}

TEST(JsonValueTest, WritersRoundTrip) {
  const JsonValue doc = MustParse(kDocument);
  for (const JsonFileStyle& style :
       {JsonFileStyle{2, true, false}, JsonFileStyle{0, false, true},
        JsonFileStyle{-1, true, true}, JsonFileStyle{7, false, false}}) {
    const std::string text = WritePythonJson(doc, style);
    EXPECT_EQ(MustParse(text), doc);
    EXPECT_EQ(DetectJsonFileStyle(text), style) << text;
  }
  EXPECT_EQ(MustParse(WriteCompactJson(doc)), doc);
  EXPECT_EQ(WriteCompactJson(MustParse(WriteCompactJson(doc))),
            WriteCompactJson(doc));
}

TEST(JsonValueTest, DetectStyle) {
  EXPECT_EQ(DetectJsonFileStyle("{}"), (JsonFileStyle{2, true, false}));
  EXPECT_EQ(DetectJsonFileStyle("[]\n"), (JsonFileStyle{2, true, true}));
  EXPECT_EQ(DetectJsonFileStyle("{\"a\": 1}"),
            (JsonFileStyle{-1, true, false}));
  EXPECT_EQ(DetectJsonFileStyle("{\n    \"a\": \"é\"\n}\n"),
            (JsonFileStyle{4, false, true}));
  EXPECT_EQ(DetectJsonFileStyle("\"x\""), (JsonFileStyle{2, true, false}));
}

TEST(JsonValueTest, DuplicateKeysKeepFirstPlaceLastValue) {
  EXPECT_EQ(Compact(R"({"a":1,"b":2,"a":3})"), R"({"a":3,"b":2})");
  // Also beyond the size where the parser switches to a hash index.
  std::string big = "{";
  for (int i = 0; i < 40; ++i) absl::StrAppend(&big, "\"k", i, "\":", i, ",");
  absl::StrAppend(&big, "\"k3\":\"again\",\"k39\":null,\"last\":0}");
  const JsonValue value = MustParse(big);
  ASSERT_EQ(value.members().size(), 41u);
  EXPECT_EQ(value.members()[3].first, "k3");
  EXPECT_EQ(value.members()[3].second, JsonValue::String("again"));
  EXPECT_TRUE(value.members()[39].second.is_null());
  EXPECT_EQ(value.members()[40].first, "last");
}

TEST(JsonValueTest, KeyOrderPreserved) {
  EXPECT_EQ(Compact(R"({"z":1,"a":2,"m":{"y":1,"b":2}})"),
            R"({"z":1,"a":2,"m":{"y":1,"b":2}})");
  EXPECT_NE(MustParse(R"({"a":1,"b":2})"), MustParse(R"({"b":2,"a":1})"));
}

TEST(JsonValueTest, EmptyContainers) {
  EXPECT_EQ(Compact("[ ]"), "[]");
  EXPECT_EQ(Compact("{ }"), "{}");
  EXPECT_EQ(Compact("[[],{},[{}]]"), "[[],{},[{}]]");
  EXPECT_EQ(Compact("\"\""), "\"\"");
}

TEST(JsonValueTest, SetFindErase) {
  JsonValue object = JsonValue::Object();
  object.Set("a", JsonValue::Integer(1));
  object.Set("b", JsonValue::Bool(true));
  object.Set("a", JsonValue::String("again"));  // keeps its place
  object.Set("c", JsonValue());
  EXPECT_EQ(WriteCompactJson(object), R"({"a":"again","b":true,"c":null})");
  ASSERT_NE(object.Find("b"), nullptr);
  EXPECT_TRUE(object.Find("b")->bool_value());
  EXPECT_EQ(object.Find("x"), nullptr);
  EXPECT_TRUE(object.Erase("a"));
  EXPECT_FALSE(object.Erase("a"));
  object.Set("a", JsonValue::Number("1.50"));  // a new key goes last
  EXPECT_EQ(WriteCompactJson(object), R"({"b":true,"c":null,"a":1.50})");
  const JsonValue& constant = object;
  EXPECT_EQ(constant.Find("a")->number_text(), "1.50");
  JsonValue array = JsonValue::Array();
  array.array().push_back(object);
  EXPECT_EQ(WriteCompactJson(array), R"([{"b":true,"c":null,"a":1.50}])");
}

TEST(JsonValueTest, Equality) {
  EXPECT_EQ(MustParse("[1,{\"a\":null}]"), MustParse(" [1, {\"a\": null}] "));
  EXPECT_NE(MustParse("1.0"), MustParse("1"));
  EXPECT_NE(MustParse("\"1\""), MustParse("1"));
  EXPECT_NE(MustParse("true"), MustParse("false"));
  EXPECT_NE(MustParse("[1]"), MustParse("[1,2]"));
  EXPECT_EQ(JsonValue(), JsonValue::Null());
}

TEST(JsonValueTest, RejectsMalformedInput) {
  for (const char* text : {
           "",
           " ",
           "{",
           "[1,",
           "{\"a\":",
           "{\"a\"",
           "\"abc",
           "tru",
           "nul",
           "[1,]",
           "{\"a\":1,}",
           "{,}",
           "[,1]",
           "01",
           "-01",
           "00",
           "1.",
           ".5",
           "1e",
           "1e+",
           "+1",
           "-",
           "- 1",
           "0x10",
           "[1 2]",
           "{\"a\" 1}",
           "{1:2}",
           "{'a':1}",
           "'a'",
           "[1]]",
           "{} {}",
           "1 2",
           "nan",
           "-NaN",
           "+Infinity",
           "infinity",
           "\"\\x41\"",
           "\"\\u12\"",
           "\"\\u12g4\"",
           "\"tab\there\"",
           "\"nl\nhere\"",
           "\"\x01\"",
           "\xEF\xBB\xBF",
           "True",
           "undefined",
           "[\"a\" \"b\"]",
       }) {
    ExpectInvalid(text);
  }
  ExpectInvalid(absl::string_view("[1]\0", 4));
  ExpectInvalid(absl::string_view("\"a\0\"", 4));
}

TEST(JsonValueTest, RejectsInvalidUtf8) {
  for (const char* text : {
           "\"\xC3\"",              // truncated
           "\"\xC3\x28\"",          // bad continuation
           "\"\x80\"",              // stray continuation
           "\"\xC0\xAF\"",          // overlong '/'
           "\"\xC1\xBF\"",          // overlong
           "\"\xE0\x80\xAF\"",      // overlong
           "\"\xF0\x80\x80\xAF\"",  // overlong
           "\"\xED\xA0\x80\"",      // U+D800 encoded in UTF-8
           "\"\xED\xBF\xBF\"",      // U+DFFF encoded in UTF-8
           "\"\xF4\x90\x80\x80\"",  // U+110000
           "\"\xF5\x80\x80\x80\"",  // beyond any plane
           "\"\xFF\"",
           "\"\xE6\x97\"",  // truncated 3-byte sequence
           "\xC3\xA9",      // non-ASCII outside a string
       }) {
    ExpectInvalid(text);
  }
  // The boundaries that are valid.
  EXPECT_EQ(MustParse("\"\xF4\x8F\xBF\xBF\"").string_value(),
            "\xF4\x8F\xBF\xBF");
  EXPECT_EQ(MustParse("\"\xEE\x80\x80\xC2\x80\xEF\xBF\xBF\"").string_value(),
            "\xEE\x80\x80\xC2\x80\xEF\xBF\xBF");
  EXPECT_EQ(MustParse("\"\\udbff\\udfff\"").string_value(), "\xF4\x8F\xBF\xBF");
}

// A Python str may hold a lone surrogate, and json.dump writes it as an
// escape: such a file must read, and write back byte for byte. The value
// holds it in WTF-8; every writer escapes it again (lowercase, as Python).
TEST(JsonValueTest, KeepsLoneSurrogatesAsWtf8) {
  struct Case {
    const char* text;
    const char* wtf8;
    const char* compact;  // what WriteCompactJson gives back
  };
  for (const Case& c : std::vector<Case>{
           {"\"\\ud83d\"", "\xED\xA0\xBD", "\"\\ud83d\""},
           {"\"\\udc80\"", "\xED\xB2\x80", "\"\\udc80\""},
           {"\"\\uDC80\"", "\xED\xB2\x80", "\"\\udc80\""},
           {"\"\\ud83dx\"", "\xED\xA0\xBDx", "\"\\ud83dx\""},
           {"\"\\ud83d\\u0041\"",
            "\xED\xA0\xBD"
            "A",
            "\"\\ud83dA\""},
           {"\"\\ud83d\\ud83d\"", "\xED\xA0\xBD\xED\xA0\xBD",
            "\"\\ud83d\\ud83d\""},
           {"\"\\ude00\\ud83d\"", "\xED\xB8\x80\xED\xA0\xBD",
            "\"\\ude00\\ud83d\""},
           {"\"a\\udfff\"", "a\xED\xBF\xBF", "\"a\\udfff\""},
       }) {
    SCOPED_TRACE(c.text);
    const JsonValue value = MustParse(c.text);
    EXPECT_EQ(value.string_value(), c.wtf8);
    EXPECT_TRUE(IsValidWtf8(value.string_value()));
    EXPECT_FALSE(IsValidUtf8(value.string_value()));
    const std::string compact = WriteCompactJson(value);
    EXPECT_EQ(compact, c.compact);
    EXPECT_TRUE(IsValidUtf8(compact));
    EXPECT_TRUE(IsCanonicalCompactJson(compact));
    EXPECT_EQ(IsCanonicalCompactJson(c.text), compact == c.text);
    EXPECT_EQ(WritePythonJson(value), c.compact);
    JsonFileStyle raw;
    raw.ensure_ascii = false;
    EXPECT_EQ(WritePythonJson(value, raw), c.compact);
  }
  // A high and a low escape are one code point, as in json.loads.
  EXPECT_EQ(MustParse("\"\\ud83d\\ude00\"").string_value(), "\xF0\x9F\x98\x80");
  EXPECT_FALSE(IsCanonicalCompactJson("\"\\ud83d\\ude00\""));
  // Raw surrogate bytes are not UTF-8: a file holding them is refused.
  ExpectInvalid("\"\xED\xB2\x80\"");
  // U+D000..U+D7FF share the 0xED lead byte and stay raw.
  EXPECT_EQ(WriteCompactJson(MustParse("\"\xED\x9F\xBF\"")),
            "\"\xED\x9F\xBF\"");
}

TEST(JsonValueTest, ErrorsNameTheByteButNotTheContents) {
  absl::Status status = ParseJson("{\"secret\": 1 \"password\"}").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "json: byte 13: expected ',' or '}'");
  EXPECT_THAT(status.message(), Not(HasSubstr("password")));
  EXPECT_EQ(ParseJson("[1,]").status().message(),
            "json: byte 3: expected a value");
  EXPECT_EQ(ParseJson("[1] x").status().message(),
            "json: byte 4: unexpected data after the document");
}

TEST(JsonValueTest, DepthLimit) {
  const auto nested = [](int depth) {
    return absl::StrCat(std::string(depth, '['), std::string(depth, ']'));
  };
  EXPECT_TRUE(ParseJson(nested(kMaxJsonDepth)).ok());
  ExpectInvalid(nested(kMaxJsonDepth + 1));
  // Deep input must give an error, not overflow the stack.
  ExpectInvalid(nested(100000));
  ExpectInvalid(std::string(100000, '['));
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  ExpectInvalid(objects);
  EXPECT_THAT(ParseJson(objects).status().message(), HasSubstr("too deep"));
}

// What IsCanonicalCompactJson must say: ParseJson accepts `text` and
// WriteCompactJson gives it back unchanged.
bool ReferenceIsCanonical(absl::string_view text) {
  absl::StatusOr<JsonValue> value = ParseJson(text);
  return value.ok() && WriteCompactJson(*value) == text;
}

TEST(JsonValueTest, CanonicalCheckAcceptsCompactForm) {
  for (const char* text : {"null",
                           "true",
                           "false",
                           "0",
                           "-0",
                           "-0.0",
                           "1.5e-07",
                           "1E+5",
                           "12e3",
                           "9007199254740993",
                           "NaN",
                           "Infinity",
                           "-Infinity",
                           R"("")",
                           R"("a\"b\\c\n\r\t\b\f")",
                           R"("\u0000\u0001\u001f")",
                           "\"\x7f caf\xc3\xa9 \xf0\x9f\x98\x80 /\"",
                           "[]",
                           "{}",
                           R"([1,[2,{"x":null}],"s"])",
                           R"({"a":{"a":{"a":1}},"b":[]})",
                           R"({"a":1,"A":2,"a ":3,"\u0001":4})"}) {
    EXPECT_TRUE(IsCanonicalCompactJson(text)) << text;
    EXPECT_TRUE(ReferenceIsCanonical(text)) << text;
  }
  EXPECT_TRUE(IsCanonicalCompactJson(WriteCompactJson(MustParse(kDocument))));
}

TEST(JsonValueTest, CanonicalCheckRejectsEverythingElse) {
  for (const char* text : {"",
                           " ",
                           "nul",
                           "nulll",
                           "True",
                           "01",
                           "-01",
                           "-",
                           "1.",
                           ".5",
                           "1e",
                           "1e+",
                           "+1",
                           "-NaN",
                           "-Inf",
                           "0x10",
                           " 1",
                           "1 ",
                           "[ ]",
                           "{ }",
                           "[1, 2]",
                           R"({"a": 1})",
                           R"({"a" :1})",
                           "[1,]",
                           "[,1]",
                           R"({"a":1,})",
                           R"({"a"})",
                           R"({1:2})",
                           "[1",
                           "{",
                           R"(")",
                           "[]]",
                           "\xEF\xBB\xBF[]",
                           R"("\/")",
                           R"("\u0041")",
                           R"("\u00e9")",
                           R"("\u000a")",
                           R"("\u0008")",
                           R"("\u001F")",
                           R"("\u00ZZ")",
                           R"("\ud83d\ude00")",
                           R"("\x")",
                           R"("\)",
                           "\"a\nb\"",
                           "\"\xc3\"",
                           "\"\xc0\xaf\"",
                           "\"\xed\xa0\x80\"",
                           "\"\xf4\x90\x80\x80\"",
                           R"({"a":1,"a":2})",
                           R"({"a":{"b":1,"b":1}})",
                           "[]x",
                           "nullnull"}) {
    EXPECT_FALSE(IsCanonicalCompactJson(text)) << text;
    EXPECT_FALSE(ReferenceIsCanonical(text)) << text;
  }
}

TEST(JsonValueTest, CanonicalCheckRepeatedKeysInLargeObjects) {
  std::string object = "{";
  for (int i = 0; i < 40; ++i)
    absl::StrAppend(&object, "\"k", i, "\":", i, ",");
  EXPECT_TRUE(IsCanonicalCompactJson(absl::StrCat(object, "\"k40\":0}")));
  EXPECT_FALSE(IsCanonicalCompactJson(absl::StrCat(object, "\"k3\":0}")));
  EXPECT_FALSE(IsCanonicalCompactJson(absl::StrCat(object, "\"k39\":0}")));
  // The same key in sibling and nested objects is no repeat.
  EXPECT_TRUE(IsCanonicalCompactJson(
      absl::StrCat("[", object, "\"k40\":{\"k1\":1}},", object, "\"x\":0}]")));
}

TEST(JsonValueTest, CanonicalCheckDepthLimit) {
  const auto nested = [](int depth) {
    return absl::StrCat(std::string(depth, '['), std::string(depth, ']'));
  };
  EXPECT_TRUE(IsCanonicalCompactJson(nested(kMaxJsonDepth)));
  EXPECT_FALSE(IsCanonicalCompactJson(nested(kMaxJsonDepth + 1)));
  EXPECT_FALSE(IsCanonicalCompactJson(nested(100000)));
  std::string objects;
  for (int i = 0; i < kMaxJsonDepth; ++i) objects += "{\"a\":";
  objects += "1";
  objects += std::string(kMaxJsonDepth, '}');
  EXPECT_TRUE(IsCanonicalCompactJson(objects));
  EXPECT_FALSE(IsCanonicalCompactJson(absl::StrCat("[", objects, "]")));
}

// Random values, their compact texts and mutations of those texts: the check
// must agree with ParseJson + WriteCompactJson on every one.
class RandomJson {
 public:
  explicit RandomJson(uint32_t seed) : gen_(seed) {}

  int Below(int n) {
    return static_cast<int>(gen_() % static_cast<uint32_t>(n));
  }

  std::string RandomString() {
    static const char* const kPieces[] = {
        "a",    "Z",    " ",    "\"",       "\\",           "/",
        "\b",   "\f",   "\n",   "\r",       "\t",           "",
        "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80",
        "u",    "0"};
    std::string s;
    const int n = Below(6);
    for (int i = 0; i < n; ++i) {
      const int k = Below(20);
      if (k == 11) {
        s.push_back('\0');  // kPieces[11] stands for NUL
      } else {
        s += kPieces[k];
      }
    }
    return s;
  }

  JsonValue Value(int depth) {
    const int kind = depth > 4 ? Below(4) : Below(7);
    switch (kind) {
      case 0:
        return Below(2) ? JsonValue::Null() : JsonValue::Bool(Below(2));
      case 1: {
        static const char* const kNumbers[] = {"0",
                                               "-0",
                                               "7",
                                               "-12",
                                               "1.5",
                                               "0.25e-3",
                                               "1E+9",
                                               "NaN",
                                               "Infinity",
                                               "-Infinity",
                                               "9007199254740993"};
        return JsonValue::Number(kNumbers[Below(11)]);
      }
      case 2:
      case 3:
        return JsonValue::String(RandomString());
      case 4:
      case 5: {
        JsonValue object = JsonValue::Object();
        const int n = Below(Below(4) == 0 ? 24 : 4);
        for (int i = 0; i < n; ++i) {
          // Keys from a small set, so that objects repeat some; Set keeps
          // each key once, as ParseJson does.
          object.Set(
              Below(3) == 0 ? RandomString() : absl::StrCat("k", Below(30)),
              Value(depth + 1));
        }
        return object;
      }
      default: {
        JsonValue array = JsonValue::Array();
        const int n = Below(4);
        for (int i = 0; i < n; ++i) array.array().push_back(Value(depth + 1));
        return array;
      }
    }
  }

  std::string Mutate(std::string text) {
    static const char kBytes[] = " \t\n,:[]{}\"\\/u0aAeE.+-1\x7f\xc3\xa9\x80";
    const int edits = 1 + Below(2);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at =
          static_cast<size_t>(Below(static_cast<int>(text.size())));
      const char byte = kBytes[Below(sizeof(kBytes) - 1)];
      switch (Below(4)) {
        case 0:
          text.erase(at, 1);
          break;
        case 1:
          text.insert(at, 1, byte);
          break;
        case 2:
          text[at] = byte;
          break;
        default: {
          // Repeat a slice: duplicate keys and members.
          const size_t len = static_cast<size_t>(Below(
              static_cast<int>(std::min<size_t>(text.size() - at, 12)) + 1));
          text.insert(at, text.substr(at, len));
          break;
        }
      }
    }
    return text;
  }

 private:
  std::mt19937 gen_;
};

TEST(JsonValueTest, CanonicalCheckAgreesWithParseAndWrite) {
  RandomJson random(20251121);
  int canonical = 0, mutated_canonical = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string text = WriteCompactJson(random.Value(0));
    ASSERT_TRUE(IsCanonicalCompactJson(text)) << text;
    ASSERT_TRUE(ReferenceIsCanonical(text)) << text;
    ++canonical;
    for (int m = 0; m < 4; ++m) {
      const std::string mutated = random.Mutate(text);
      const bool expected = ReferenceIsCanonical(mutated);
      ASSERT_EQ(IsCanonicalCompactJson(mutated), expected) << mutated;
      mutated_canonical += expected;
    }
  }
  // Both answers occur among the mutations.
  EXPECT_GT(mutated_canonical, 1000);
  EXPECT_GT(canonical * 4 - mutated_canonical, 1000);
}

TEST(JsonValueTest, CanonicalJsonOfValuesWithRepeatedKeysIsNotCanonical) {
  // A value built by hand may hold a key twice; its text is not what
  // ParseJson + WriteCompactJson give back.
  JsonValue object = JsonValue::Object();
  object.members().emplace_back("a", JsonValue::Integer(1));
  object.members().emplace_back("a", JsonValue::Integer(2));
  const std::string text = WriteCompactJson(object);
  EXPECT_FALSE(IsCanonicalCompactJson(text));
  EXPECT_FALSE(ReferenceIsCanonical(text));
}

// Finds python3 as a test would be run by hand or by Bazel (whose test
// environment has a minimal PATH).
std::string FindPython3() {
  const char* env = std::getenv("PYTHON3");
  if (env != nullptr && access(env, X_OK) == 0) return env;
  std::string path = "/usr/bin:/usr/local/bin:/bin";
  if (const char* p = std::getenv("PATH")) path = absl::StrCat(p, ":", path);
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    const std::string candidate = absl::StrCat(dir, "/python3");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

TEST(JsonValueTest, MatchesCPythonJsonDumps) {
  const std::string python = FindPython3();
  ASSERT_FALSE(python.empty())
      << "python3 not found: install python3 (e.g. apt-get install python3) "
         "or set PYTHON3; this test compares against CPython's json module";
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp != nullptr ? tmp : "/tmp";
  const std::string input = absl::StrCat(dir, "/json_value_test_input.json");
  const std::string script = absl::StrCat(dir, "/json_value_test_dump.py");

  const std::string document = WritePythonJson(MustParse(
      R"({"id":"abc","big":[9007199254740993,-123456789012345678901234567890],)"
      R"("floats":[0.30000000000000004,1e-07,1e+16,-0.0,1.75,2.5e-300],)"
      R"("text":["日本語","😀","\ud83d\ude00 caf\u00e9","tab\there\u0001"],)"
      R"("nested":{"a":{"b":{"c":[[],{},[{"d":null,"e":true,"f":false}]]}}},)"
      R"("kéy":{"z":1,"a":2}})"));
  {
    std::ofstream out(input, std::ios::binary);
    out << document;
    std::ofstream py(script);
    py << "import json, sys\n"
          "with open(sys.argv[1], encoding='utf-8') as f:\n"
          "    doc = f.read()\n"
          "sys.stdout.write(json.dumps(json.loads(doc), indent=2))\n";
  }
  const std::string command =
      absl::StrCat(python, " '", script, "' '", input, "'");
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr) << "cannot run " << command;
  std::string from_python;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    from_python.append(buffer, n);
  }
  ASSERT_EQ(pclose(pipe), 0) << "python3 failed: " << command;
  EXPECT_EQ(document, from_python);
}

}  // namespace
}  // namespace parley
