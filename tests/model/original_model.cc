#include "tests/model/original_model.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace parley {
namespace testing {
namespace {

// ---- Python semantics, written independently of storage/python_values ----

bool IsInt(const std::string& t) {
  return t.find_first_of(".eEIN") == std::string::npos;
}

double AsDouble(const std::string& t) {
  if (t == "NaN") return NAN;
  if (t == "Infinity") return INFINITY;
  if (t == "-Infinity") return -INFINITY;
  return std::strtod(t.c_str(), nullptr);
}

bool Truthy(const JsonValue* v) {
  if (v == nullptr) return false;
  switch (v->type()) {
    case JsonValue::Type::kNull:
      return false;
    case JsonValue::Type::kBool:
      return v->bool_value();
    case JsonValue::Type::kString:
      return !v->string_value().empty();
    case JsonValue::Type::kArray:
      return !v->array().empty();
    case JsonValue::Type::kObject:
      return !v->members().empty();
    case JsonValue::Type::kNumber: {
      const double d = AsDouble(v->number_text());
      return std::isnan(d) || d != 0.0;
    }
  }
  return true;
}

// repr(float): the fewest significant digits that read back, in Python's
// layout.
std::string Repr(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*e", precision - 1, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  // buf is [-]d.ddde[+-]xx
  std::string text = buf;
  std::string sign;
  if (text[0] == '-') {
    sign = "-";
    text.erase(0, 1);
  }
  const size_t e = text.find('e');
  const int exp = std::atoi(text.c_str() + e + 1);
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (exp < -4 || exp >= 16) {
    std::string m = digits.substr(0, 1);
    if (digits.size() > 1) m += "." + digits.substr(1);
    char e_text[16];
    std::snprintf(e_text, sizeof(e_text), "e%c%02d", exp < 0 ? '-' : '+',
                  std::abs(exp));
    return sign + m + e_text;
  }
  if (exp < 0) return sign + "0." + std::string(-exp - 1, '0') + digits;
  if (static_cast<int>(digits.size()) <= exp + 1) {
    return sign + digits + std::string(exp + 1 - digits.size(), '0') + ".0";
  }
  return sign + digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
}

std::string Int128Text(__int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string out;
  while (v != 0) {
    int digit = static_cast<int>(v % 10);
    if (digit < 0) digit = -digit;
    out.insert(out.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  return negative ? "-" + out : out;
}

// value + 1, or nullopt where Python raised TypeError. Integers are within
// 2^120 (the generator's range).
std::optional<JsonValue> PlusOne(const JsonValue& v) {
  if (v.is_bool()) return JsonValue::Integer(v.bool_value() ? 2 : 1);
  if (!v.is_number()) return std::nullopt;
  const std::string& t = v.number_text();
  if (IsInt(t)) {
    __int128 n = 0;
    const bool negative = t[0] == '-';
    for (char c : t) {
      if (c != '-') n = n * 10 + (c - '0');
    }
    if (negative) n = -n;
    return JsonValue::Number(Int128Text(n + 1));
  }
  return JsonValue::Number(Repr(AsDouble(t) + 1.0));
}

const JsonValue* Get(const JsonValue& dict, absl::string_view key) {
  return dict.Find(key);
}

CallResult Ok(const JsonValue& value) {
  CallResult r;
  r.value = WriteCompactJson(value);
  return r;
}

CallResult Error(absl::StatusCode code, std::string message = "") {
  CallResult r;
  r.code = code;
  r.message = std::move(message);
  return r;
}

CallResult ConversationMissing(const std::string& id) {
  return Error(absl::StatusCode::kNotFound,
               absl::StrCat("Conversation ", id, " not found"));
}

bool StringEquals(const JsonValue* v, const std::string& s) {
  return v != nullptr && v->is_string() && v->string_value() == s;
}

}  // namespace

bool operator==(const CallResult& a, const CallResult& b) {
  if (a.code != b.code) return false;
  if (a.code == absl::StatusCode::kOk) return a.value == b.value;
  if (a.code == absl::StatusCode::kNotFound ||
      a.code == absl::StatusCode::kFailedPrecondition) {
    return a.message == b.message;
  }
  return true;
}

std::string CallResult::ToString() const {
  if (code == absl::StatusCode::kOk) return value;
  return absl::StrCat(absl::StatusCodeToString(code), ": ", message);
}

CallResult OriginalModel::CreateConversation(const std::string& id,
                                             const std::string& user_id,
                                             const std::string& tier) {
  if (conversations_.count(id) > 0) {
    return Error(absl::StatusCode::kAlreadyExists);  // the original overwrote
  }
  const std::string now = now_();
  JsonValue c = JsonValue::Object();
  c.Set("id", JsonValue::String(id));
  c.Set("user_id", JsonValue::String(user_id));
  c.Set("created_at", JsonValue::String(now));
  c.Set("title", JsonValue::String("New Conversation"));
  c.Set("starred", JsonValue::Bool(false));
  c.Set("messages", JsonValue::Array());
  c.Set("report_cycle", JsonValue::Integer(0));
  c.Set("has_follow_up", JsonValue::Bool(false));
  c.Set("follow_up_answers", JsonValue::Null());
  c.Set("is_visible", JsonValue::Bool(true));
  c.Set("expires_at", tier == "free" ? JsonValue::String(now_plus_week_())
                                     : JsonValue::Null());
  conversations_[id] = c;
  return Ok(c);
}

CallResult OriginalModel::GetConversation(const std::string& id) const {
  auto it = conversations_.find(id);
  return Ok(it == conversations_.end() ? JsonValue::Null() : it->second);
}

CallResult OriginalModel::SaveConversation(const JsonValue& conversation) {
  const JsonValue* messages = Get(conversation, "messages");
  if (messages != nullptr) {
    bool objects = messages->is_array();
    if (objects) {
      for (const JsonValue& m : messages->array()) objects &= m.is_object();
    }
    if (!objects) return Error(absl::StatusCode::kInvalidArgument);
  }
  conversations_[Get(conversation, "id")->string_value()] = conversation;
  return Ok(JsonValue::Null());
}

CallResult OriginalModel::ListConversations(const std::string& user_id) const {
  struct Row {
    std::string created_at;
    std::string id;
    JsonValue summary;
  };
  std::vector<Row> rows;
  for (const auto& [id, c] : conversations_) {
    if (!user_id.empty() && !StringEquals(Get(c, "user_id"), user_id)) {
      continue;
    }
    const auto or_default = [&](absl::string_view key, JsonValue fallback) {
      const JsonValue* v = Get(c, key);
      return v != nullptr ? *v : fallback;
    };
    JsonValue s = JsonValue::Object();
    s.Set("id", *Get(c, "id"));
    s.Set("created_at", *Get(c, "created_at"));
    s.Set("title", or_default("title", JsonValue::String("New Conversation")));
    s.Set("starred", or_default("starred", JsonValue::Bool(false)));
    const JsonValue* messages = Get(c, "messages");
    s.Set("message_count",
          JsonValue::Integer(messages != nullptr && messages->is_array()
                                 ? messages->array().size()
                                 : 0));
    s.Set("expires_at", or_default("expires_at", JsonValue::Null()));
    s.Set("is_visible", or_default("is_visible", JsonValue::Bool(true)));
    rows.push_back({Get(c, "created_at")->string_value(), id, std::move(s)});
  }
  // Newest created_at first; equal ones by id (Parley's documented order).
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.created_at != b.created_at) return a.created_at > b.created_at;
    return a.id < b.id;
  });
  JsonValue list = JsonValue::Array();
  for (Row& row : rows) list.array().push_back(std::move(row.summary));
  return Ok(list);
}

CallResult OriginalModel::AddUserMessage(const std::string& id,
                                         const std::string& content) {
  auto it = conversations_.find(id);
  if (it == conversations_.end()) return ConversationMissing(id);
  JsonValue m = JsonValue::Object();
  m.Set("role", JsonValue::String("user"));
  m.Set("content", JsonValue::String(content));
  it->second.Find("messages")->array().push_back(std::move(m));
  return Ok(JsonValue::Null());
}

CallResult OriginalModel::AddAssistantMessage(
    const std::string& id, const JsonValue& stage1, const JsonValue& stage2,
    const JsonValue& stage3, const std::optional<JsonValue>& metadata) {
  auto it = conversations_.find(id);
  if (it == conversations_.end()) return ConversationMissing(id);
  JsonValue m = JsonValue::Object();
  m.Set("role", JsonValue::String("assistant"));
  m.Set("stage1", stage1);
  m.Set("stage2", stage2);
  m.Set("stage3", stage3);
  if (metadata.has_value()) m.Set("metadata", *metadata);
  it->second.Find("messages")->array().push_back(std::move(m));
  return Ok(JsonValue::Null());
}

CallResult OriginalModel::UpdateConversation(const std::string& id,
                                             const JsonValue& updates) {
  auto it = conversations_.find(id);
  if (it == conversations_.end()) return ConversationMissing(id);
  if (Get(updates, "id") != nullptr || Get(updates, "messages") != nullptr) {
    return Error(absl::StatusCode::kInvalidArgument);
  }
  for (const auto& [key, value] : updates.members()) it->second.Set(key, value);
  return Ok(JsonValue::Null());
}

CallResult OriginalModel::UpdateConversationTitle(const std::string& id,
                                                  const std::string& title) {
  auto it = conversations_.find(id);
  if (it == conversations_.end()) return ConversationMissing(id);
  it->second.Set("title", JsonValue::String(title));
  return Ok(JsonValue::Null());
}

CallResult OriginalModel::ToggleConversationStarred(const std::string& id) {
  auto it = conversations_.find(id);
  if (it == conversations_.end()) return ConversationMissing(id);
  const bool starred = !Truthy(Get(it->second, "starred"));
  it->second.Set("starred", JsonValue::Bool(starred));
  return Ok(JsonValue::Bool(starred));
}

CallResult OriginalModel::DeleteConversation(const std::string& id) {
  conversations_.erase(id);
  return Ok(JsonValue::Null());
}

CallResult OriginalModel::SaveFollowUpAnswers(const std::string& id,
                                              const JsonValue& answers) {
  auto it = conversations_.find(id);
  if (it == conversations_.end()) return ConversationMissing(id);
  const JsonValue* cycle = Get(it->second, "report_cycle");
  std::optional<JsonValue> next =
      PlusOne(cycle != nullptr ? *cycle : JsonValue::Integer(0));
  if (!next.has_value()) return Error(absl::StatusCode::kInvalidArgument);
  it->second.Set("follow_up_answers", answers);
  it->second.Set("has_follow_up", JsonValue::Bool(true));
  it->second.Set("report_cycle", *next);
  return Ok(JsonValue::Null());
}

CallResult OriginalModel::RestoreAllExpiredReports(const std::string& user_id) {
  int64_t restored = 0;
  for (auto& [id, c] : conversations_) {
    if (!StringEquals(Get(c, "user_id"), user_id)) continue;
    const JsonValue* visible = Get(c, "is_visible");
    if (Truthy(Get(c, "expires_at")) ||
        (visible != nullptr && !Truthy(visible))) {
      c.Set("is_visible", JsonValue::Bool(true));
      c.Set("expires_at", JsonValue::Null());
      ++restored;
    }
  }
  return Ok(JsonValue::Integer(restored));
}

CallResult OriginalModel::CountUserConversations(
    const std::string& user_id) const {
  int64_t n = 0;
  for (const auto& [id, c] : conversations_) {
    n += StringEquals(Get(c, "user_id"), user_id);
  }
  return Ok(JsonValue::Integer(n));
}

CallResult OriginalModel::GetActiveConversationsCount(
    const std::string& user_id) const {
  // The rewrite's `expires_at IS NULL OR expires_at > now`; a value that is
  // not a timestamp string has no expiry.
  const std::string now = now_();
  int64_t n = 0;
  for (const auto& [id, c] : conversations_) {
    if (!StringEquals(Get(c, "user_id"), user_id)) continue;
    const JsonValue* expires = Get(c, "expires_at");
    n += expires == nullptr || !expires->is_string() ||
         expires->string_value() > now;
  }
  return Ok(JsonValue::Integer(n));
}

CallResult OriginalModel::CreateUserProfile(const std::string& user_id,
                                            const std::string& email,
                                            const JsonValue& profile_data) {
  JsonValue profile = JsonValue::Object();
  for (const char* key : {"gender", "age_range", "mood"}) {
    const JsonValue* v = Get(profile_data, key);
    profile.Set(key, v != nullptr ? *v : JsonValue::Null());
  }
  JsonValue p = JsonValue::Object();
  p.Set("user_id", JsonValue::String(user_id));
  p.Set("email",
        JsonValue::String(email.empty() ? "unknown@clerk.local" : email));
  p.Set("profile", profile);
  p.Set("created_at", JsonValue::String(now_()));
  p.Set("profile_locked", JsonValue::Bool(true));
  profiles_[user_id] = p;
  return Ok(p);
}

CallResult OriginalModel::GetUserProfile(const std::string& user_id) const {
  auto it = profiles_.find(user_id);
  return Ok(it == profiles_.end() ? JsonValue::Null() : it->second);
}

CallResult OriginalModel::UpdateUserProfile(const std::string& user_id,
                                            const JsonValue& profile_data) {
  auto it = profiles_.find(user_id);
  if (it == profiles_.end()) {
    return Error(absl::StatusCode::kNotFound,
                 absl::StrCat("Profile for user ", user_id, " not found"));
  }
  if (Truthy(Get(it->second, "profile_locked"))) {
    return Error(absl::StatusCode::kFailedPrecondition,
                 "Profile is locked and cannot be edited");
  }
  JsonValue* profile = it->second.Find("profile");
  for (const auto& [key, value] : profile_data.members()) {
    profile->Set(key, value);
  }
  return Ok(it->second);
}

CallResult OriginalModel::CreateSubscription(const std::string& user_id,
                                             const std::string& tier) {
  const std::string now = now_();
  JsonValue s = JsonValue::Object();
  s.Set("user_id", JsonValue::String(user_id));
  s.Set("tier", JsonValue::String(tier));
  s.Set("status", JsonValue::String("active"));
  s.Set("stripe_subscription_id", JsonValue::Null());
  s.Set("current_period_end", JsonValue::Null());
  s.Set("created_at", JsonValue::String(now));
  s.Set("updated_at", JsonValue::String(now));
  subscriptions_[user_id] = s;
  return Ok(s);
}

CallResult OriginalModel::GetSubscription(const std::string& user_id) const {
  auto it = subscriptions_.find(user_id);
  return Ok(it == subscriptions_.end() ? JsonValue::Null() : it->second);
}

CallResult OriginalModel::UpdateSubscription(const std::string& user_id,
                                             const JsonValue& data) {
  auto it = subscriptions_.find(user_id);
  if (it == subscriptions_.end()) {
    return Error(absl::StatusCode::kNotFound,
                 absl::StrCat("Subscription for user ", user_id, " not found"));
  }
  return Ok(Updated(it->second, data));
}

JsonValue& OriginalModel::Updated(JsonValue& subscription,
                                  const JsonValue& data) {
  // sub.update(data); sub["updated_at"] = now
  for (const auto& [key, value] : data.members()) subscription.Set(key, value);
  subscription.Set("updated_at", JsonValue::String(now_()));
  return subscription;
}

CallResult OriginalModel::UpdateSubscriptionByStripeId(
    const std::string& stripe_id, const JsonValue& data) {
  for (auto& [user_id, s] : subscriptions_) {
    if (!StringEquals(Get(s, "stripe_subscription_id"), stripe_id)) continue;
    return Ok(Updated(s, data));
  }
  return Ok(JsonValue::Null());
}

std::map<std::string, std::string> OriginalModel::Files() const {
  std::map<std::string, std::string> files;
  for (const auto& [id, c] : conversations_) {
    files["conversations/" + id + ".json"] = WritePythonJson(c);
  }
  for (const auto& [id, p] : profiles_) {
    files["profiles/" + id + ".json"] = WritePythonJson(p);
  }
  for (const auto& [id, s] : subscriptions_) {
    files["subscriptions/" + id + ".json"] = WritePythonJson(s);
  }
  return files;
}

}  // namespace testing
}  // namespace parley
