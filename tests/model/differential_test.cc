// The differential test: seeded random sequences of all 21 contract calls,
// run call for call on Parley (every backend) and on OriginalModel (the
// original module's semantics, tests/model/original_model.h); every result
// compared, and for the JSON backend the files byte for byte against what
// the original's json.dump(indent=2) wrote. A failure prints the seed, the
// step and the call, so `--gtest_filter=... PARLEY_DIFF_SEED=<seed>` replays
// it.
//
// The values are the ones a store of the original can hold: NUL and other
// control characters, lone surrogates, NaN and the infinities, integers
// above 2^64, -0.0, non-BMP text, empty containers, unknown keys, known keys
// holding other types.
//
// Handover: a store written by the model alone (the original's nested
// layout on disk) is taken over by Parley (JSON in place; SQLite and
// PostgreSQL through `parley migrate`'s MigrateInto) and both go on.
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "api/storage.h"
#include "backends/builtin_backends.h"
#include "backends/postgres/postgres_test_store.h"
#include "gtest/gtest.h"
#include "storage/json_value.h"
#include "storage/migrate.h"
#include "storage/migrate_source.h"
#include "storage/record_json.h"
#include "storage/url.h"
#include "tests/model/original_model.h"
#include "tests/temp_dir.h"

namespace parley {
namespace testing {
namespace {

namespace fs = std::filesystem;

// ---- Values -----------------------------------------------------------------

// String pieces: a high surrogate is only ever followed by 'x', so that no
// two lone surrogates form a pair (which a file round trip would join).
const char* const kPieces[] = {
    "",
    "hello",
    "caf\xC3\xA9",
    "\xF0\x9F\x98\x80",
    "\xE6\x97\xA5\xE6\x9C\xAC",
    "\n\t\"\\",
    "\x01\x7F",
    "\xED\xB2\x80" /* U+DC80 */,
    "\xED\xA0\x80x" /* U+D800, 'x' */,
    "New Conversation",
};

class Values {
 public:
  explicit Values(uint64_t seed) : rng_(seed) {}

  int Uniform(int n) { return static_cast<int>(rng_() % n); }
  bool OneIn(int n) { return Uniform(n) == 0; }

  std::string Text() {
    std::string s;
    const int parts = Uniform(4);
    for (int i = 0; i < parts; ++i) {
      if (OneIn(6)) {
        s.push_back('\0');
      } else {
        s += kPieces[Uniform(sizeof(kPieces) / sizeof(kPieces[0]))];
      }
    }
    return s;
  }

  JsonValue Number() {
    static const char* const kNumbers[] = {"0",
                                           "1",
                                           "-7",
                                           "42",
                                           "9007199254740993",
                                           "18446744073709551617",
                                           "-18446744073709551617",
                                           "1.75",
                                           "0.1",
                                           "1e-07",
                                           "1e+16",
                                           "-0.0",
                                           "5e-324",
                                           "1e+308",
                                           "2.0",
                                           "NaN",
                                           "Infinity",
                                           "-Infinity"};
    return JsonValue::Number(
        kNumbers[Uniform(sizeof(kNumbers) / sizeof(kNumbers[0]))]);
  }

  JsonValue Value(int depth = 0) {
    switch (Uniform(depth >= 2 ? 4 : 6)) {
      case 0:
        return JsonValue::Null();
      case 1:
        return JsonValue::Bool(OneIn(2));
      case 2:
        return Number();
      case 3:
        return JsonValue::String(Text());
      case 4: {
        JsonValue a = JsonValue::Array();
        for (int n = Uniform(4); n > 0; --n)
          a.array().push_back(Value(depth + 1));
        return a;
      }
      default:
        return Object(depth + 1);
    }
  }

  JsonValue Object(int depth = 0) {
    static const char* const kKeys[] = {"a",           "z", "model", "response",
                                        "caf\xC3\xA9", "",  "k\x01"};
    JsonValue o = JsonValue::Object();
    for (int n = Uniform(4); n > 0; --n) {
      o.Set(kKeys[Uniform(sizeof(kKeys) / sizeof(kKeys[0]))], Value(depth));
    }
    return o;
  }

  template <size_t N>
  std::string Pick(const char* const (&pool)[N]) {
    return pool[Uniform(N)];
  }

 private:
  std::mt19937_64 rng_;
};

const char* const kConversationIds[] = {"c0", "c1", "c2", "c3", "conv-\xC3\xA9",
                                        "c 5"};
const char* const kUserIds[] = {"u0", "u1", "u2", "user-\xC3\x9F"};
const char* const kStripeIds[] = {"sub_0", "sub_1", "sub_2"};
const char* const kTiers[] = {"free", "monthly", "yearly", "single_report"};

// A conversation update: known keys (with values of their own type or of
// any other), unknown keys, and now and then a refused one.
JsonValue ConversationUpdates(Values& v) {
  JsonValue u = JsonValue::Object();
  for (int n = 1 + v.Uniform(3); n > 0; --n) {
    switch (v.Uniform(11)) {
      case 0:
        u.Set("title", v.OneIn(3) ? v.Value() : JsonValue::String(v.Text()));
        break;
      case 1:
        u.Set("starred", v.OneIn(2) ? JsonValue::Bool(v.OneIn(2)) : v.Value());
        break;
      case 2:
        u.Set("is_visible",
              v.OneIn(2) ? JsonValue::Bool(v.OneIn(2)) : v.Value());
        break;
      case 3: {
        static const char* const kExpiry[] = {"2000-01-01T00:00:00",
                                              "2999-01-01T00:00:00.000001", ""};
        u.Set("expires_at", v.OneIn(3)   ? v.Value()
                            : v.OneIn(2) ? JsonValue::Null()
                                         : JsonValue::String(v.Pick(kExpiry)));
        break;
      }
      case 4:
        u.Set("report_cycle", v.OneIn(2) ? v.Number() : v.Value());
        break;
      case 5:
        u.Set("has_follow_up", v.Value());
        break;
      case 6:
        u.Set("follow_up_answers", v.Value());
        break;
      case 7:
        u.Set("user_id", JsonValue::String(v.Pick(kUserIds)));
        break;
      case 8:
        if (v.OneIn(4)) u.Set(v.OneIn(2) ? "id" : "messages", v.Value());
        break;
      default:
        u.Set(v.OneIn(2) ? "note" : "tags", v.Value());
    }
  }
  return u;
}

JsonValue SubscriptionData(Values& v) {
  JsonValue d = JsonValue::Object();
  for (int n = 1 + v.Uniform(3); n > 0; --n) {
    switch (v.Uniform(8)) {
      case 0:
        d.Set("status", JsonValue::String(v.OneIn(2) ? "cancelled" : v.Text()));
        break;
      case 1:
        d.Set("tier", JsonValue::String(v.Pick(kTiers)));
        break;
      case 2:
        d.Set("stripe_subscription_id",
              v.OneIn(5) ? JsonValue::Null()
                         : JsonValue::String(v.Pick(kStripeIds)));
        break;
      case 3:
        d.Set("current_period_end",
              v.OneIn(2) ? JsonValue::String(v.Text()) : v.Value());
        break;
      case 4:
        d.Set("stripe_customer_id", JsonValue::String(v.Text()));
        break;
      case 5:
        d.Set("user_id", JsonValue::String(v.Pick(kUserIds)));
        break;
      default:
        d.Set(v.OneIn(2) ? "seats" : "plan", v.Value());
    }
  }
  return d;
}

// ---- Calls on Parley
// ----------------------------------------------------------

CallResult FromStatus(const absl::Status& status) {
  CallResult r;
  r.code = status.code();
  r.message = std::string(status.message());
  return r;
}

template <typename T, typename ToJson>
CallResult FromRecord(const absl::StatusOr<T>& record, ToJson to_json) {
  if (!record.ok()) return FromStatus(record.status());
  absl::StatusOr<JsonValue> json = to_json(*record);
  if (!json.ok()) return FromStatus(json.status());
  CallResult r;
  r.value = WriteCompactJson(*json);
  return r;
}

template <typename T, typename ToJson>
CallResult FromOptional(const absl::StatusOr<std::optional<T>>& record,
                        ToJson to_json) {
  if (!record.ok()) return FromStatus(record.status());
  if (!record->has_value())
    return CallResult{absl::StatusCode::kOk, "", "null"};
  return FromRecord(absl::StatusOr<T>(**record), to_json);
}

CallResult FromNothing(const absl::Status& status) {
  if (!status.ok()) return FromStatus(status);
  return CallResult{absl::StatusCode::kOk, "", "null"};
}

template <typename T>
CallResult FromScalar(const absl::StatusOr<T>& value) {
  if (!value.ok()) return FromStatus(value.status());
  CallResult r;
  if constexpr (std::is_same_v<T, bool>) {
    r.value = *value ? "true" : "false";
  } else {
    r.value = absl::StrCat(*value);
  }
  return r;
}

// ---- One sequence
// -------------------------------------------------------------

// A clock both sides read: one second a call, now and then none (equal
// created_at) or a microsecond.
class SharedClock {
 public:
  absl::Time Now() const { return now_; }
  void Tick(Values& v) {
    const int r = v.Uniform(8);
    now_ += r == 0   ? absl::ZeroDuration()
            : r == 1 ? absl::Microseconds(1)
                     : absl::Seconds(1);
  }

 private:
  absl::Time now_ = absl::FromCivil(absl::CivilSecond(2025, 12, 4, 10, 11, 12),
                                    absl::UTCTimeZone());
};

struct Step {
  std::string call;  // what was called, for the failure message
  CallResult parley;
  CallResult model;
};

// Runs one random call on both sides.
Step RandomStep(Values& v, Storage& s, OriginalModel& m) {
  const std::string cid = v.Pick(kConversationIds);
  const std::string uid = v.Pick(kUserIds);
  Step step;
  const auto text_json = [](const JsonValue& value) {
    return WriteCompactJson(value);
  };
  switch (v.Uniform(22)) {
    case 0:
    case 21: {
      const std::string tier = v.OneIn(2) ? "free" : v.Pick(kTiers);
      step.call =
          absl::StrCat("create_conversation(", cid, ", ", uid, ", ", tier, ")");
      step.parley =
          FromRecord(s.CreateConversation(cid, uid, tier), ConversationToJson);
      step.model = m.CreateConversation(cid, uid, tier);
      break;
    }
    case 1:
      step.call = absl::StrCat("get_conversation(", cid, ")");
      step.parley = FromOptional(s.GetConversation(cid), ConversationToJson);
      step.model = m.GetConversation(cid);
      break;
    case 2: {
      // get-edit-save: the model's record, edited, saved on both sides.
      const CallResult got = m.GetConversation(cid);
      absl::StatusOr<JsonValue> record = ParseJson(got.value);
      if (!record.ok() || !record->is_object()) {
        record = ParseJson(absl::StrCat(
            R"({"id":")", cid, R"(","user_id":")", uid,
            R"(","created_at":"2025-01-01T00:00:00","messages":[]})"));
      }
      JsonValue edited = *record;
      const JsonValue updates = ConversationUpdates(v);
      for (const auto& [key, value] : updates.members()) {
        if (key != "id") edited.Set(key, value);
      }
      step.call = absl::StrCat("save_conversation(", text_json(edited), ")");
      absl::StatusOr<Conversation> c = ConversationFromJson(edited);
      step.parley =
          c.ok() ? FromNothing(s.SaveConversation(*c)) : FromStatus(c.status());
      step.model = m.SaveConversation(edited);
      break;
    }
    case 3: {
      const std::string user = v.OneIn(3) ? "" : uid;
      step.call = absl::StrCat("list_conversations(", user, ")");
      absl::StatusOr<std::vector<ConversationSummary>> list =
          s.ListConversations(user);
      if (list.ok()) {
        JsonValue array = JsonValue::Array();
        for (const ConversationSummary& summary : *list) {
          array.array().push_back(*SummaryToJson(summary));
        }
        step.parley.value = WriteCompactJson(array);
      } else {
        step.parley = FromStatus(list.status());
      }
      step.model = m.ListConversations(user);
      break;
    }
    case 4:
    case 20: {
      const std::string content = v.Text();
      step.call = absl::StrCat("add_user_message(", cid, ", ",
                               text_json(JsonValue::String(content)), ")");
      step.parley = FromNothing(s.AddUserMessage(cid, content));
      step.model = m.AddUserMessage(cid, content);
      break;
    }
    case 5: {
      const JsonValue a = v.Value(), b = v.Value(), c = v.Object();
      std::optional<JsonValue> meta;
      if (v.OneIn(2)) meta = v.Object();
      step.call = absl::StrCat(
          "add_assistant_message(", cid, ", ", text_json(a), ", ", text_json(b),
          ", ", text_json(c), ", ", meta ? text_json(*meta) : "None", ")");
      const std::string meta_text = meta ? text_json(*meta) : "";
      step.parley = FromNothing(s.AddAssistantMessage(
          cid, text_json(a), text_json(b), text_json(c),
          meta ? std::optional<absl::string_view>(meta_text) : std::nullopt));
      step.model = m.AddAssistantMessage(cid, a, b, c, meta);
      break;
    }
    case 6:
    case 19: {
      const JsonValue updates = ConversationUpdates(v);
      step.call = absl::StrCat("update_conversation(", cid, ", ",
                               text_json(updates), ")");
      step.parley = FromNothing(s.UpdateConversation(cid, text_json(updates)));
      step.model = m.UpdateConversation(cid, updates);
      break;
    }
    case 7: {
      const std::string title = v.Text();
      step.call = absl::StrCat("update_conversation_title(", cid, ", ",
                               text_json(JsonValue::String(title)), ")");
      step.parley = FromNothing(s.UpdateConversationTitle(cid, title));
      step.model = m.UpdateConversationTitle(cid, title);
      break;
    }
    case 8:
      step.call = absl::StrCat("toggle_conversation_starred(", cid, ")");
      step.parley = FromScalar(s.ToggleConversationStarred(cid));
      step.model = m.ToggleConversationStarred(cid);
      break;
    case 9:
      step.call = absl::StrCat("delete_conversation(", cid, ")");
      step.parley = FromNothing(s.DeleteConversation(cid));
      step.model = m.DeleteConversation(cid);
      break;
    case 10: {
      const JsonValue answers = v.Value();
      step.call = absl::StrCat("save_follow_up_answers(", cid, ", ",
                               text_json(answers), ")");
      step.parley = FromNothing(s.SaveFollowUpAnswers(cid, text_json(answers)));
      step.model = m.SaveFollowUpAnswers(cid, answers);
      break;
    }
    case 11:
      step.call = absl::StrCat("restore_all_expired_reports(", uid, ")");
      step.parley = FromScalar(s.RestoreAllExpiredReports(uid));
      step.model = m.RestoreAllExpiredReports(uid);
      break;
    case 12:
      step.call = absl::StrCat("count_user_conversations(", uid, ")");
      step.parley = FromScalar(s.CountUserConversations(uid));
      step.model = m.CountUserConversations(uid);
      break;
    case 13:
      step.call = absl::StrCat("get_active_conversations_count(", uid, ")");
      step.parley = FromScalar(s.GetActiveConversationsCount(uid));
      step.model = m.GetActiveConversationsCount(uid);
      break;
    case 14: {
      const std::string email = v.OneIn(3) ? "" : v.Text();
      const JsonValue data = v.OneIn(2) ? v.Object() : [&] {
        JsonValue o = JsonValue::Object();
        o.Set(v.OneIn(2) ? "mood" : "gender", JsonValue::String(v.Text()));
        o.Set(v.OneIn(2) ? "age_range" : "hobby", v.Value());
        return o;
      }();
      step.call = absl::StrCat("create_user_profile(", uid, ", ",
                               text_json(JsonValue::String(email)), ", ",
                               text_json(data), ")");
      step.parley = FromRecord(s.CreateUserProfile(uid, email, text_json(data)),
                               ProfileToJson);
      step.model = m.CreateUserProfile(uid, email, data);
      break;
    }
    case 15: {
      if (v.OneIn(2)) {
        step.call = absl::StrCat("get_user_profile(", uid, ")");
        step.parley = FromOptional(s.GetUserProfile(uid), ProfileToJson);
        step.model = m.GetUserProfile(uid);
      } else {
        const JsonValue data = v.Object();
        step.call = absl::StrCat("update_user_profile(", uid, ", ",
                                 text_json(data), ")");
        step.parley = FromRecord(s.UpdateUserProfile(uid, text_json(data)),
                                 ProfileToJson);
        step.model = m.UpdateUserProfile(uid, data);
      }
      break;
    }
    case 16: {
      const std::string tier = v.OneIn(4) ? v.Text() : v.Pick(kTiers);
      step.call = absl::StrCat("create_subscription(", uid, ", ",
                               text_json(JsonValue::String(tier)), ")");
      step.parley =
          FromRecord(s.CreateSubscription(uid, tier), SubscriptionToJson);
      step.model = m.CreateSubscription(uid, tier);
      break;
    }
    case 17: {
      if (v.OneIn(3)) {
        step.call = absl::StrCat("get_subscription(", uid, ")");
        step.parley = FromOptional(s.GetSubscription(uid), SubscriptionToJson);
        step.model = m.GetSubscription(uid);
      } else {
        const JsonValue data = SubscriptionData(v);
        step.call = absl::StrCat("update_subscription(", uid, ", ",
                                 text_json(data), ")");
        step.parley = FromRecord(s.UpdateSubscription(uid, text_json(data)),
                                 SubscriptionToJson);
        step.model = m.UpdateSubscription(uid, data);
      }
      break;
    }
    default: {
      const std::string stripe = v.Pick(kStripeIds);
      const JsonValue data = SubscriptionData(v);
      step.call = absl::StrCat("update_subscription_by_stripe_id(", stripe,
                               ", ", text_json(data), ")");
      step.parley =
          FromOptional(s.UpdateSubscriptionByStripeId(stripe, text_json(data)),
                       SubscriptionToJson);
      step.model = m.UpdateSubscriptionByStripeId(stripe, data);
    }
  }
  return step;
}

// Every record file under `dir`, by its folder's last name and file name
// ("profiles/u1.json" for data/data/profiles/u1.json or profiles/u1.json).
std::map<std::string, std::string> JsonStoreFiles(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || entry.path().extension() != ".json") {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    files[absl::StrCat(entry.path().parent_path().filename().string(), "/",
                       name)] = bytes.str();
  }
  return files;
}

// Writes the model's records where the original kept them.
void WriteOriginalLayout(const OriginalModel& model, const std::string& root) {
  for (const auto& [path, bytes] : model.Files()) {
    const std::string folder = path.substr(0, path.find('/'));
    const fs::path dir = folder == "conversations"
                             ? fs::path(root) / "conversations"
                             : fs::path(root) / "data" / folder;
    fs::create_directories(dir);
    std::ofstream(dir / path.substr(path.find('/') + 1), std::ios::binary)
        << bytes;
  }
}

struct Backend_ {
  std::string name;
  // A URL for a fresh store; `json_dir` gets the folder of a JSON one.
  std::function<std::string(std::string* json_dir)> fresh;
};

std::ostream& operator<<(std::ostream& os, const Backend_& b) {
  return os << b.name;
}

std::string FreshJson(std::string* json_dir) {
  *json_dir = FreshTempDir("diff-json") + "/data";
  return "json:" + *json_dir;
}

std::string FreshSqlite(std::string*) {
  return "sqlite:///" + FreshTempDir("diff-sqlite") + "/store.db";
}

std::string FreshPostgres(std::string*) { return FreshPostgresUrl(); }

int EnvInt(const char* name, int fallback) {
  const char* text = std::getenv(name);
  int value;
  return text != nullptr && absl::SimpleAtoi(text, &value) ? value : fallback;
}

class DifferentialTest : public ::testing::TestWithParam<Backend_> {
 protected:
  std::unique_ptr<Storage> Open(const std::string& url) {
    StorageOptions options;
    options.clock = [this] { return clock_.Now(); };
    absl::StatusOr<std::unique_ptr<Storage>> s = Storage::Open(url, options);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }

  OriginalModel Model() {
    return OriginalModel(
        [this] { return IsoTimestamp(clock_.Now()); },
        [this] { return IsoTimestamp(clock_.Now() + absl::Hours(7 * 24)); });
  }

  // Runs `steps` random calls on both sides; false at the first difference
  // (reported with the seed).
  bool Run(uint64_t seed, Values& v, int steps, Storage* s, OriginalModel& m,
           const std::string& json_dir, int64_t* calls) {
    for (int i = 0; i < steps; ++i) {
      clock_.Tick(v);
      Step step = RandomStep(v, *s, m);
      ++*calls;
      if (!(step.parley == step.model)) {
        ADD_FAILURE() << GetParam().name << " seed " << seed << " step " << i
                      << ": " << step.call
                      << "\n  parley:   " << step.parley.ToString()
                      << "\n  original: " << step.model.ToString();
        return false;
      }
      if (!json_dir.empty() && (i % 25 == 24 || i + 1 == steps)) {
        const auto files = JsonStoreFiles(json_dir);
        const auto expected = m.Files();
        if (files != expected) {
          for (const auto& [path, bytes] : expected) {
            auto it = files.find(path);
            if (it == files.end() || it->second != bytes) {
              ADD_FAILURE()
                  << GetParam().name << " seed " << seed << " after step " << i
                  << " (" << step.call << "): file " << path << " differs:\n"
                  << (it == files.end() ? "<missing>" : it->second)
                  << "\n  expected:\n"
                  << bytes;
              return false;
            }
          }
          ADD_FAILURE() << GetParam().name << " seed " << seed
                        << ": Parley's store has a file the original's lacks";
          return false;
        }
      }
    }
    return true;
  }

  SharedClock clock_;
};

TEST_P(DifferentialTest, RandomSequencesAgreeWithTheOriginal) {
  const int sequences = EnvInt("PARLEY_DIFF_SEQUENCES", 12);
  const int steps = EnvInt("PARLEY_DIFF_STEPS", 250);
  const int only = EnvInt("PARLEY_DIFF_SEED", -1);
  int64_t calls = 0;
  int failed = 0;
  for (int seq = 0; seq < sequences; ++seq) {
    const uint64_t seed = only >= 0 ? only : 1000 + seq;
    std::string json_dir;
    std::unique_ptr<Storage> s = Open(GetParam().fresh(&json_dir));
    ASSERT_NE(s, nullptr);
    OriginalModel model = Model();
    Values v(seed);
    if (!Run(seed, v, steps, s.get(), model, json_dir, &calls)) ++failed;
    if (only >= 0) break;
  }
  std::printf(
      "DIFFERENTIAL %s: %lld calls compared, %d of %d sequences "
      "differed\n",
      GetParam().name.c_str(), static_cast<long long>(calls), failed,
      sequences);
}

TEST_P(DifferentialTest, StoreOfTheOriginalIsTakenOverAndContinued) {
  const int sequences = EnvInt("PARLEY_DIFF_HANDOVERS", 4);
  int64_t calls = 0;
  for (int seq = 0; seq < sequences; ++seq) {
    const uint64_t seed = 5000 + seq;
    Values v(seed);
    OriginalModel model = Model();
    // The original alone: a JSON store on disk, as the application left it.
    // Parley serves the first half so that the model's calls have answers
    // to be compared with, then the original's files replace its store.
    std::string scratch_dir;
    {
      std::unique_ptr<Storage> scratch = Open(FreshJson(&scratch_dir));
      ASSERT_NE(scratch, nullptr);
      ASSERT_TRUE(Run(seed, v, 120, scratch.get(), model, scratch_dir, &calls));
    }
    const std::string original = FreshTempDir("diff-original") + "/data";
    WriteOriginalLayout(model, original);
    // Taken over: in place for JSON, by migration for the others.
    std::string json_dir;
    std::string url = GetParam().fresh(&json_dir);
    if (!json_dir.empty()) {
      url = "json:" + original;
      json_dir = original;
    } else {
      absl::StatusOr<StorageUrl> from = ParseDatabaseUrl("json:" + original);
      absl::StatusOr<StorageUrl> to = ParseDatabaseUrl(url);
      ASSERT_TRUE(from.ok() && to.ok());
      absl::StatusOr<std::unique_ptr<Backend>> source_backend =
          OpenSourceStore(*from, OpenBackend);
      ASSERT_TRUE(source_backend.ok()) << source_backend.status();
      auto source = BackendRecordSource(**source_backend, "json:" + original);
      absl::StatusOr<MigrationStats> stats =
          MigrateInto(*source, *to, OpenBackend, MigrateOptions());
      ASSERT_TRUE(stats.ok()) << stats.status();
    }
    std::unique_ptr<Storage> s = Open(url);
    ASSERT_NE(s, nullptr);
    ASSERT_TRUE(Run(seed, v, 120, s.get(), model, json_dir, &calls));
  }
  std::printf("HANDOVER %s: %lld calls compared across %d handovers\n",
              GetParam().name.c_str(), static_cast<long long>(calls),
              sequences);
}

INSTANTIATE_TEST_SUITE_P(Backends, DifferentialTest,
                         ::testing::Values(Backend_{"json", FreshJson},
                                           Backend_{"sqlite", FreshSqlite},
                                           Backend_{"postgresql",
                                                    FreshPostgres}),
                         [](const ::testing::TestParamInfo<Backend_>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace testing
}  // namespace parley
