#include "backends/sql/test_records.h"

namespace parley {
namespace testing {

JsonField Extra(const std::string& key, const std::string& json) {
  JsonField field;
  field.set_key(key);
  field.set_json(json);
  return field;
}

Conversation RichConversation(const std::string& id) {
  Conversation c;
  c.set_id(id);
  c.set_user_id("user_1");
  c.set_created_at("2025-12-04T10:11:12.123456");
  c.set_starred(true);
  c.set_report_cycle(9007199254740993);
  c.set_has_follow_up(true);
  c.set_follow_up_answers_json(R"({"q2":"b","q1":[1.75,1e-07,-0.0]})");
  c.set_is_visible(false);
  c.set_expires_at("2025-12-11T10:11:12");
  for (const char* key :
       {"custom", "id", "title", "user_id", "created_at", "starred", "messages",
        "report_cycle", "has_follow_up", "follow_up_answers", "is_visible",
        "expires_at", "zz_last"}) {
    c.add_key_order(key);
  }
  *c.add_extra() = Extra("custom", R"({"b":99999999999999999999,"a":"ü"})");
  *c.add_extra() = Extra("title", "null");
  *c.add_extra() = Extra("zz_last", "0.30000000000000004");
  Message* user = c.add_messages();
  user->set_role("user");
  user->set_content("café naïve ✓ 日本語 😀");
  user->add_key_order("role");
  user->add_key_order("content");
  Message* assistant = c.add_messages();
  assistant->set_role("assistant");
  assistant->set_stage1_json(R"([{"model":"m","response":"r\n\"q\""}])");
  assistant->set_stage2_json("[]");
  assistant->set_stage3_json("1e-07");  // a bare number: NUMERIC affinity
  assistant->set_metadata_json(
      R"({"request_id": 9007199254740993, "average_rank": 1.75})");
  for (const char* key :
       {"stage3", "role", "stage1", "stage2", "metadata", "note"}) {
    assistant->add_key_order(key);
  }
  *assistant->add_extra() = Extra("note", R"({"x":null})");
  return c;
}

}  // namespace testing
}  // namespace parley
