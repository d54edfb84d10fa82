/* The storage contract through Parley's C ABI, built outside Bazel against
 * an installed library and run under AddressSanitizer / LeakSanitizer: at
 * least one case per contract call (sync and _async), exact values (integers
 * above 2^64, float text, key order, non-ASCII and emoji), and bad input
 * (NULL pointers, lengths that lie about NUL bytes, invalid UTF-8, non-JSON,
 * closed and unknown handles), each a clear code with nothing written.
 * Usage: conformance URL [SECOND_URL]. SECOND_URL is a second, empty store
 * of the same backend, opened and closed for the closed-handle cases.
 * Prints one "ok NAME" or "FAIL NAME: why" line per case; exit 1 on any
 * failure. Every result is freed, so LeakSanitizer sees no leak. */
#include <parley/parley.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static parley_storage* store = NULL;

#define S(literal) literal, (sizeof(literal) - 1)

static void report(int ok, const char* name, const char* why) {
  if (ok) {
    printf("ok %s\n", name);
  } else {
    printf("FAIL %s: %s\n", name, why ? why : "(no detail)");
    failures++;
  }
  fflush(stdout);
}

/* What a result says, for a failure line. */
static const char* describe(const parley_result* r) {
  static char text[4096];
  const char* json = parley_result_json(r, NULL);
  snprintf(text, sizeof text, "%s: %s", parley_code_name(parley_result_code(r)),
           json != NULL ? json : parley_result_message(r, NULL));
  return text;
}

/* The call succeeded with exactly `expected`. Frees `r`. */
static void expect_json(const char* name, parley_result* r,
                        const char* expected) {
  const char* json = parley_result_json(r, NULL);
  report(json != NULL && strcmp(json, expected) == 0, name, describe(r));
  parley_result_free(r);
}

/* The call succeeded and its JSON holds each of the NULL-terminated
 * fragments, in this order. Frees `r`. */
static void expect_in_order(const char* name, parley_result* r, ...) {
  const char* json = parley_result_json(r, NULL);
  int ok = json != NULL;
  va_list fragments;
  va_start(fragments, r);
  const char* at = json;
  for (const char* f = va_arg(fragments, const char*); ok && f != NULL;
       f = va_arg(fragments, const char*)) {
    const char* found = strstr(at, f);
    if (found == NULL)
      ok = 0;
    else
      at = found + strlen(f);
  }
  va_end(fragments);
  report(ok, name, describe(r));
  parley_result_free(r);
}

/* The call failed with `code` and a message holding `message`. Frees `r`. */
static void expect_error(const char* name, parley_result* r, parley_code code,
                         const char* message) {
  report(r != NULL && parley_result_code(r) == code &&
             strstr(parley_result_message(r, NULL), message) != NULL,
         name, r == NULL ? "no result" : describe(r));
  parley_result_free(r);
}

/* The conversation's whole JSON, for "nothing was written" checks. The
 * caller frees it. */
static char* snapshot(const char* id) {
  parley_result* r = parley_get_conversation(store, id, strlen(id));
  const char* json = parley_result_json(r, NULL);
  char* copy = strdup(json != NULL ? json : describe(r));
  parley_result_free(r);
  return copy;
}

/* A bad call: the code, the message, and the conversation unchanged. */
static void expect_rejected(const char* name, const char* id,
                            const char* before, parley_result* r,
                            parley_code code, const char* message) {
  expect_error(name, r, code, message);
  char* after = snapshot(id);
  char unchanged[256];
  snprintf(unchanged, sizeof unchanged, "%s_wrote_nothing", name);
  report(strcmp(before, after) == 0, unchanged, after);
  free(after);
}

/* ---- Waiting for an _async call ------------------------------------------ */

struct waiter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  parley_result* result;
  int calls;
};

static void on_done(void* context, parley_result* result) {
  struct waiter* w = context;
  pthread_mutex_lock(&w->mu);
  w->result = result;
  w->calls++;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

static struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                          NULL, 0};

/* The result of an _async call: the error it returned at once, or what its
 * callback was given. The caller frees it. */
static parley_result* await(parley_result* queued) {
  if (queued != NULL) return queued;
  pthread_mutex_lock(&w.mu);
  while (w.result == NULL) pthread_cond_wait(&w.cv, &w.mu);
  parley_result* r = w.result;
  w.result = NULL;
  pthread_mutex_unlock(&w.mu);
  return r;
}
#define DONE on_done, &w

/* A callback that makes a sync call of the same store from inside. */
static void on_done_then_count(void* context, parley_result* result) {
  parley_result_free(result);
  on_done(context, parley_count_user_conversations(store, S("u1")));
}

/* ---- The contract ----------------------------------------------------------
 */

static void conversations(void) {
  expect_in_order(
      "create_conversation_record_in_key_order",
      parley_create_conversation(store, S("c1"), S("u1"), NULL, 0),
      "{\"id\":\"c1\",\"user_id\":\"u1\",\"created_at\":\"",
      "\",\"title\":\"New Conversation\",\"starred\":false,\"messages\":[],"
      "\"report_cycle\":0,\"has_follow_up\":false,\"follow_up_answers\":null,"
      "\"is_visible\":true,\"expires_at\":\"",
      "\"}", NULL);
  expect_in_order(
      "create_conversation_paid_tier_never_expires",
      parley_create_conversation(store, S("c2"), S("u1"), S("monthly")),
      "\"is_visible\":true,\"expires_at\":null}", NULL);
  expect_error("create_conversation_taken_id_is_already_exists",
               parley_create_conversation(store, S("c1"), S("u1"), NULL, 0),
               PARLEY_ALREADY_EXISTS, "c1");
  expect_json("get_conversation_missing_is_null",
              parley_get_conversation(store, S("nope")), "null");

  expect_json("add_user_message_is_null",
              parley_add_user_message(store, S("c1"),
                                      S("h\xc3\xa9llo \xf0\x9f\x8c\x8d "
                                        "\xe4\xb8\x96\xe7\x95\x8c")),
              "null");
  expect_error("add_user_message_missing_is_not_found",
               parley_add_user_message(store, S("nope"), S("x")),
               PARLEY_NOT_FOUND, "Conversation nope not found");
  expect_json("add_assistant_message_is_null",
              parley_add_assistant_message(
                  store, S("c1"),
                  S("[{\"model\":\"m\",\"big\":18446744073709551617,\"f\":1.75,"
                    "\"tiny\":1e-07,\"z\":-0.0}]"),
                  S("[{\"b\":1,\"a\":2}]"),
                  S("{\"response\":\"\xc3\xbcn\xc3\xaf \xf0\x9f\x98\x80\"}"),
                  S("{\"label_to_model\":{\"Response A\":\"m\"}}")),
              "null");
  expect_json("add_assistant_message_without_metadata",
              parley_add_assistant_message(store, S("c1"), S("[]"), S("[]"),
                                           S("{}"), NULL, 0),
              "null");
  expect_in_order(
      "get_conversation_exact_values", parley_get_conversation(store, S("c1")),
      "\"messages\":[{\"role\":\"user\",\"content\":\"h\xc3\xa9llo "
      "\xf0\x9f\x8c\x8d \xe4\xb8\x96\xe7\x95\x8c\"},"
      "{\"role\":\"assistant\",\"stage1\":[{\"model\":\"m\","
      "\"big\":18446744073709551617,\"f\":1.75,\"tiny\":1e-07,\"z\":-0.0}],"
      "\"stage2\":[{\"b\":1,\"a\":2}],\"stage3\":{\"response\":"
      "\"\xc3\xbcn\xc3\xaf \xf0\x9f\x98\x80\"},\"metadata\":"
      "{\"label_to_model\":{\"Response A\":\"m\"}}},"
      "{\"role\":\"assistant\",\"stage1\":[],\"stage2\":[],\"stage3\":{}}],",
      NULL);

  static const char kSaved[] =
      "{\"id\":\"s1\",\"user_id\":\"u2\",\"created_at\":\"2025-01-01T00:00:"
      "00\","
      "\"title\":\"T\xc3\xaftle\",\"starred\":false,\"messages\":[],"
      "\"report_cycle\":9007199254740993,\"has_follow_up\":false,"
      "\"follow_up_answers\":null,\"is_visible\":true,\"expires_at\":null,"
      "\"custom\":{\"z\":1,\"a\":[1.5,-0.0,1e-07]}}";
  expect_json("save_conversation_is_null",
              parley_save_conversation(store, S(kSaved)), "null");
  expect_json("save_conversation_reads_back_byte_for_byte",
              parley_get_conversation(store, S("s1")), kSaved);
  expect_json(
      "list_conversations_summaries_in_key_order",
      parley_list_conversations(store, S("u2")),
      "[{\"id\":\"s1\",\"created_at\":\"2025-01-01T00:00:00\","
      "\"title\":\"T\xc3\xaftle\",\"starred\":false,\"message_count\":0,"
      "\"expires_at\":null,\"is_visible\":true}]");
  expect_in_order("list_conversations_null_user_lists_all",
                  parley_list_conversations(store, NULL, 0), "\"id\":\"",
                  "\"id\":\"", "\"id\":\"", NULL);

  expect_json("update_conversation_is_null",
              parley_update_conversation(store, S("s1"),
                                         S("{\"starred\":true,\"n\":1.75}")),
              "null");
  expect_in_order("update_conversation_merges_in_place_new_keys_last",
                  parley_get_conversation(store, S("s1")), "\"starred\":true,",
                  "\"custom\":{\"z\":1,\"a\":[1.5,-0.0,1e-07]},\"n\":1.75}",
                  NULL);
  expect_json("update_conversation_title_is_null",
              parley_update_conversation_title(
                  store, S("s1"), S("\xe6\x96\xb0 \xf0\x9f\x8e\x89")),
              "null");
  expect_in_order("update_conversation_title_reads_back",
                  parley_get_conversation(store, S("s1")),
                  "\"title\":\"\xe6\x96\xb0 \xf0\x9f\x8e\x89\"", NULL);
  expect_json("toggle_conversation_starred_returns_new_value",
              parley_toggle_conversation_starred(store, S("s1")), "false");
  expect_json("toggle_conversation_starred_again",
              parley_toggle_conversation_starred(store, S("s1")), "true");
  expect_error("toggle_conversation_starred_missing_is_not_found",
               parley_toggle_conversation_starred(store, S("nope")),
               PARLEY_NOT_FOUND, "Conversation nope not found");
  expect_json("save_follow_up_answers_is_null",
              parley_save_follow_up_answers(store, S("s1"),
                                            S("{\"q1\":\"\xc3\xa0\",\"n\":2}")),
              "null");
  expect_in_order("save_follow_up_answers_adds_one_exactly_beyond_2_53",
                  parley_get_conversation(store, S("s1")),
                  "\"report_cycle\":9007199254740994,"
                  "\"has_follow_up\":true,"
                  "\"follow_up_answers\":{\"q1\":\"\xc3\xa0\",\"n\":2},",
                  NULL);
  expect_json("count_user_conversations",
              parley_count_user_conversations(store, S("u1")), "2");
  expect_json("restore_all_expired_reports_counts_changed",
              parley_restore_all_expired_reports(store, S("u1")), "1");
  expect_json("restore_all_expired_reports_again_is_zero",
              parley_restore_all_expired_reports(store, S("u1")), "0");
  expect_json("get_active_conversations_count",
              parley_get_active_conversations_count(store, S("u1")), "2");
  expect_json("delete_conversation_is_null",
              parley_delete_conversation(store, S("c2")), "null");
  expect_json("delete_conversation_unknown_is_null",
              parley_delete_conversation(store, S("c2")), "null");
  expect_json("get_conversation_after_delete_is_null",
              parley_get_conversation(store, S("c2")), "null");
}

static void profiles_and_subscriptions(void) {
  expect_in_order(
      "create_user_profile_record_in_key_order",
      parley_create_user_profile(store, S("p1"), NULL, 0,
                                 S("{\"gender\":\"f\",\"age_range\":null,"
                                   "\"mood\":\"\xf0\x9f\x98\x80\"}")),
      "{\"user_id\":\"p1\",\"email\":\"unknown@clerk.local\",\"profile\":"
      "{\"gender\":\"f\",\"age_range\":null,\"mood\":\"\xf0\x9f\x98\x80\"},"
      "\"created_at\":\"",
      "\",\"profile_locked\":true}", NULL);
  expect_in_order("get_user_profile", parley_get_user_profile(store, S("p1")),
                  "{\"user_id\":\"p1\",\"email\":\"unknown@clerk.local\",",
                  NULL);
  expect_json("get_user_profile_missing_is_null",
              parley_get_user_profile(store, S("nobody")), "null");
  expect_error("update_user_profile_locked_is_failed_precondition",
               parley_update_user_profile(store, S("p1"), S("{\"mood\":1}")),
               PARLEY_FAILED_PRECONDITION,
               "Profile is locked and cannot be edited");
  expect_error("update_user_profile_missing_is_not_found",
               parley_update_user_profile(store, S("nobody"), S("{}")),
               PARLEY_NOT_FOUND, "Profile for user nobody not found");

  expect_in_order("create_subscription_record_in_key_order",
                  parley_create_subscription(store, S("u1"), NULL, 0),
                  "{\"user_id\":\"u1\",\"tier\":\"free\",\"status\":\"active\","
                  "\"stripe_subscription_id\":null,\"current_period_end\":null,"
                  "\"created_at\":\"",
                  "\",\"updated_at\":\"", "\"}", NULL);
  expect_in_order("get_subscription", parley_get_subscription(store, S("u1")),
                  "{\"user_id\":\"u1\",\"tier\":\"free\",", NULL);
  expect_json("get_subscription_missing_is_null",
              parley_get_subscription(store, S("nobody")), "null");
  expect_in_order(
      "update_subscription_merges_new_keys_last",
      parley_update_subscription(
          store, S("u1"),
          S("{\"stripe_subscription_id\":\"sub_1\",\"tier\":\"monthly\","
            "\"stripe_customer_id\":\"cus_\xc3\xa9\"}")),
      "{\"user_id\":\"u1\",\"tier\":\"monthly\",\"status\":\"active\","
      "\"stripe_subscription_id\":\"sub_1\",",
      ",\"stripe_customer_id\":\"cus_\xc3\xa9\"}", NULL);
  expect_error("update_subscription_missing_is_not_found",
               parley_update_subscription(store, S("nobody"), S("{}")),
               PARLEY_NOT_FOUND, "Subscription for user nobody not found");
  expect_in_order("update_subscription_by_stripe_id",
                  parley_update_subscription_by_stripe_id(
                      store, S("sub_1"), S("{\"status\":\"cancelled\"}")),
                  "\"tier\":\"monthly\",\"status\":\"cancelled\",", NULL);
  expect_json(
      "update_subscription_by_stripe_id_unknown_is_null",
      parley_update_subscription_by_stripe_id(store, S("sub_none"), S("{}")),
      "null");
}

/* Every _async form, each checked against what its sync form gives. */
static void async_forms(void) {
  expect_in_order("async_create_conversation",
                  await(parley_create_conversation_async(
                      store, S("a1"), S("u3"), S("yearly"), DONE)),
                  "{\"id\":\"a1\",\"user_id\":\"u3\",", NULL);
  expect_in_order("async_get_conversation",
                  await(parley_get_conversation_async(store, S("a1"), DONE)),
                  "{\"id\":\"a1\",", NULL);
  expect_json("async_add_user_message",
              await(parley_add_user_message_async(store, S("a1"),
                                                  S("\xf0\x9f\x91\x8b"), DONE)),
              "null");
  expect_json("async_add_assistant_message",
              await(parley_add_assistant_message_async(
                  store, S("a1"), S("[1e-07]"), S("[18446744073709551617]"),
                  S("{\"x\":-0.0}"), NULL, 0, DONE)),
              "null");
  expect_json("async_update_conversation",
              await(parley_update_conversation_async(store, S("a1"),
                                                     S("{\"k\":[]}"), DONE)),
              "null");
  expect_json("async_update_conversation_title",
              await(parley_update_conversation_title_async(store, S("a1"),
                                                           S("A"), DONE)),
              "null");
  expect_json(
      "async_toggle_conversation_starred",
      await(parley_toggle_conversation_starred_async(store, S("a1"), DONE)),
      "true");
  expect_json("async_save_follow_up_answers",
              await(parley_save_follow_up_answers_async(store, S("a1"),
                                                        S("[1.75]"), DONE)),
              "null");
  expect_in_order(
      "async_writes_read_back", parley_get_conversation(store, S("a1")),
      "\"title\":\"A\",\"starred\":true,",
      "\"messages\":[{\"role\":\"user\",\"content\":\"\xf0\x9f\x91\x8b\"},"
      "{\"role\":\"assistant\",\"stage1\":[1e-07],"
      "\"stage2\":[18446744073709551617],\"stage3\":{\"x\":-0.0}}],"
      "\"report_cycle\":1,\"has_follow_up\":true,\"follow_up_answers\":[1.75],",
      "\"k\":[]}", NULL);
  expect_in_order("async_list_conversations",
                  await(parley_list_conversations_async(store, S("u3"), DONE)),
                  "[{\"id\":\"a1\",\"created_at\":\"",
                  "\",\"title\":\"A\",\"starred\":true,\"message_count\":2,"
                  "\"expires_at\":null,\"is_visible\":true}]",
                  NULL);
  expect_json(
      "async_count_user_conversations",
      await(parley_count_user_conversations_async(store, S("u3"), DONE)), "1");
  expect_json(
      "async_get_active_conversations_count",
      await(parley_get_active_conversations_count_async(store, S("u3"), DONE)),
      "1");
  expect_json(
      "async_restore_all_expired_reports",
      await(parley_restore_all_expired_reports_async(store, S("u3"), DONE)),
      "0");
  expect_json("async_save_conversation",
              await(parley_save_conversation_async(
                  store, S("{\"id\":\"a2\",\"user_id\":\"u3\"}"), DONE)),
              "null");
  expect_json("async_delete_conversation",
              await(parley_delete_conversation_async(store, S("a2"), DONE)),
              "null");
  expect_in_order(
      "async_create_user_profile",
      await(parley_create_user_profile_async(
          store, S("p3"), S("p3@example.com"),
          S("{\"gender\":null,\"age_range\":null,\"mood\":null}"), DONE)),
      "{\"user_id\":\"p3\",\"email\":\"p3@example.com\",\"profile\":"
      "{\"gender\":null,\"age_range\":null,\"mood\":null},",
      NULL);
  expect_in_order("async_get_user_profile",
                  await(parley_get_user_profile_async(store, S("p3"), DONE)),
                  "{\"user_id\":\"p3\",", NULL);
  expect_error(
      "async_update_user_profile",
      await(parley_update_user_profile_async(store, S("p3"), S("{}"), DONE)),
      PARLEY_FAILED_PRECONDITION, "Profile is locked");
  expect_in_order("async_create_subscription",
                  await(parley_create_subscription_async(store, S("u3"),
                                                         S("yearly"), DONE)),
                  "{\"user_id\":\"u3\",\"tier\":\"yearly\",", NULL);
  expect_in_order("async_get_subscription",
                  await(parley_get_subscription_async(store, S("u3"), DONE)),
                  "\"tier\":\"yearly\",", NULL);
  expect_in_order(
      "async_update_subscription",
      await(parley_update_subscription_async(
          store, S("u3"), S("{\"stripe_subscription_id\":\"sub_3\"}"), DONE)),
      "\"stripe_subscription_id\":\"sub_3\",", NULL);
  expect_in_order("async_update_subscription_by_stripe_id",
                  await(parley_update_subscription_by_stripe_id_async(
                      store, S("sub_3"), S("{\"status\":\"expired\"}"), DONE)),
                  "\"status\":\"expired\",", NULL);
  expect_error(
      "async_not_found_through_callback",
      await(parley_add_user_message_async(store, S("nope"), S("x"), DONE)),
      PARLEY_NOT_FOUND, "Conversation nope not found");
  expect_json("async_callback_may_call_the_store",
              await(parley_get_conversation_async(store, S("a1"),
                                                  on_done_then_count, &w)),
              "1");
  report(w.calls == 23, "async_each_callback_ran_once", NULL);
}

/* ---- Threads and closing ---------------------------------------------------
 */

static pthread_mutex_t counted_mu = PTHREAD_MUTEX_INITIALIZER;
static int counted_ok = 0;
static int counted_calls = 0;

static void on_counted(void* context, parley_result* result) {
  (void)context;
  pthread_mutex_lock(&counted_mu);
  counted_calls++;
  if (parley_result_code(result) == PARLEY_OK) counted_ok++;
  pthread_mutex_unlock(&counted_mu);
  parley_result_free(result);
}

/* How many messages conversation `id` of `s` holds. */
static int message_count(parley_storage* s, const char* id) {
  parley_result* r = parley_get_conversation(s, id, strlen(id));
  int count = 0;
  const char* json = parley_result_json(r, NULL);
  for (const char* at = json; at != NULL && (at = strstr(at, "\"role\":"));
       at++) {
    count++;
  }
  parley_result_free(r);
  return count;
}

enum { kThreads = 4, kCallsPerThread = 25 };

static void* append_from_thread(void* unused) {
  (void)unused;
  for (int i = 0; i < kCallsPerThread; i++) {
    parley_result_free(parley_add_user_message(store, S("t1"), S("sync")));
    parley_result* queued = parley_add_user_message_async(
        store, S("t1"), S("async"), on_counted, NULL);
    if (queued != NULL) on_counted(NULL, queued); /* counted as not OK */
  }
  return NULL;
}

/* Sync and _async calls from several threads at once on one store: none is
 * lost. Then parley_close on a store with calls still queued: every one runs
 * (its callback exactly once) before the store goes. */
static void threads_and_close(const char* second_url) {
  parley_result_free(
      parley_create_conversation(store, S("t1"), S("u7"), NULL, 0));
  pthread_t threads[kThreads];
  for (int i = 0; i < kThreads; i++) {
    pthread_create(&threads[i], NULL, append_from_thread, NULL);
  }
  for (int i = 0; i < kThreads; i++) pthread_join(threads[i], NULL);
  /* The _async appends may still be running: wait for their callbacks. */
  for (;;) {
    pthread_mutex_lock(&counted_mu);
    const int done = counted_calls;
    pthread_mutex_unlock(&counted_mu);
    if (done == kThreads * kCallsPerThread) break;
    parley_result_free(parley_count_user_conversations(store, S("u7")));
  }
  report(counted_ok == kThreads * kCallsPerThread,
         "threads_async_calls_all_succeed", NULL);
  report(message_count(store, "t1") == 2 * kThreads * kCallsPerThread,
         "threads_no_message_lost", NULL);

  parley_storage* other =
      parley_open(second_url, strlen(second_url), "{\"workers\":1}", NULL);
  if (other == NULL) {
    report(0, "close_runs_every_queued_call", "cannot open the second store");
    return;
  }
  parley_result_free(
      parley_create_conversation(other, S("q1"), S("u8"), NULL, 0));
  counted_calls = counted_ok = 0;
  int queued = 0;
  for (int i = 0; i < 40; i++) {
    parley_result* r =
        parley_add_user_message_async(other, S("q1"), S("x"), on_counted, NULL);
    if (r == NULL) queued++;
    parley_result_free(r);
  }
  parley_close(other); /* no waiting before it: close drains */
  report(queued == 40 && counted_calls == 40 && counted_ok == 40,
         "close_runs_every_queued_call", NULL);
  other = parley_open(second_url, strlen(second_url), NULL, NULL);
  report(other != NULL && message_count(other, "q1") == 40,
         "close_wrote_every_queued_call", NULL);
  parley_result_free(parley_delete_conversation(other, S("q1")));
  parley_close(other);
}

/* ---- Bad input -------------------------------------------------------------
 */

static void expect_open_error(const char* name, const char* url, size_t size,
                              const char* options) {
  parley_result* error = NULL;
  parley_storage* opened = parley_open(url, size, options, &error);
  report(opened == NULL && parley_result_code(error) == PARLEY_INVALID_ARGUMENT,
         name, error != NULL ? describe(error) : "opened");
  parley_result_free(error);
  parley_close(opened);
}

static void bad_input(const char* second_url) {
  char* before = snapshot("c1");
  expect_error("bad_null_storage", parley_get_conversation(NULL, S("c1")),
               PARLEY_INVALID_ARGUMENT, "storage is NULL");
  expect_rejected("bad_null_id", "c1", before,
                  parley_add_user_message(store, NULL, 2, S("x")),
                  PARLEY_INVALID_ARGUMENT, "conversation_id is NULL");
  expect_rejected("bad_null_content", "c1", before,
                  parley_add_user_message(store, S("c1"), NULL, 0),
                  PARLEY_INVALID_ARGUMENT, "content is NULL");
  expect_rejected("bad_null_stage", "c1", before,
                  parley_add_assistant_message(store, S("c1"), S("[]"), NULL, 2,
                                               S("{}"), NULL, 0),
                  PARLEY_INVALID_ARGUMENT, "stage2_json is NULL");
  expect_rejected(
      "bad_null_callback", "c1", before,
      parley_add_user_message_async(store, S("c1"), S("x"), NULL, NULL),
      PARLEY_INVALID_ARGUMENT, "done is NULL");
  expect_error("bad_null_conversation_json",
               parley_save_conversation(store, NULL, 10),
               PARLEY_INVALID_ARGUMENT, "conversation_json is NULL");

  expect_rejected("bad_id_with_nul_byte", "c1", before,
                  parley_add_user_message(store, "c1\0x", 4, S("x")),
                  PARLEY_INVALID_ARGUMENT, "NUL");
  expect_error("bad_create_id_with_nul_byte",
               parley_create_conversation(store, "n\0x", 3, S("u1"), NULL, 0),
               PARLEY_INVALID_ARGUMENT, "NUL");
  expect_json("bad_create_id_with_nul_byte_wrote_nothing",
              parley_get_conversation(store, S("n")), "null");
  /* The length is the truth, both ways. */
  expect_in_order("length_shorter_than_text_is_honoured",
                  parley_create_conversation(store, "lenid-and-more", 5,
                                             "u9-and-more", 2, "free-ish", 4),
                  "{\"id\":\"lenid\",\"user_id\":\"u9\",", NULL);
  /* All 5 bytes reach the store: it keeps them (read back as the escape),
   * or, where the backend cannot yet store U+0000 (PostgreSQL text), it
   * refuses the NUL byte by name and writes nothing; a text cut at the NUL
   * would have been stored as "ab". */
  parley_result* r = parley_add_user_message(store, S("lenid"), "ab\0cd", 5);
  if (parley_result_code(r) == PARLEY_OK) {
    parley_result_free(r);
    expect_in_order("length_covering_nul_reads_back_as_escape",
                    parley_get_conversation(store, S("lenid")),
                    "\"content\":\"ab\\u0000cd\"", NULL);
  } else {
    printf("note: this backend refuses U+0000 in text: %s\n", describe(r));
    expect_error("length_covering_nul_reaches_the_store", r,
                 PARLEY_INVALID_ARGUMENT, "NUL byte");
    expect_in_order("length_covering_nul_refused_wrote_nothing",
                    parley_get_conversation(store, S("lenid")),
                    "\"messages\":[]", NULL);
  }

  expect_rejected("bad_utf8_content", "c1", before,
                  parley_add_user_message(store, S("c1"), S("\xff\xfe")),
                  PARLEY_INVALID_ARGUMENT, "content is not valid UTF-8");
  expect_rejected("bad_utf8_truncated_title", "c1", before,
                  parley_update_conversation_title(store, S("c1"), S("ab\xc3")),
                  PARLEY_INVALID_ARGUMENT, "title is not valid UTF-8");
  expect_rejected("bad_utf8_overlong", "c1", before,
                  parley_add_user_message(store, S("c1"), S("\xc0\xaf")),
                  PARLEY_INVALID_ARGUMENT, "not valid UTF-8");
  expect_rejected("bad_utf8_in_json_string", "c1", before,
                  parley_add_assistant_message(store, S("c1"), S("[\"\xff\"]"),
                                               S("[]"), S("{}"), NULL, 0),
                  PARLEY_INVALID_ARGUMENT, "stage1");
  expect_error("bad_utf8_id", parley_get_conversation(store, S("c\xff")),
               PARLEY_INVALID_ARGUMENT, "not valid UTF-8");

  /* A read given invalid UTF-8 may reach the store, which may quote it in
   * its error (PostgreSQL does): the message still comes back as text. */
  parley_result* quoted = parley_list_conversations(store, S("u\xff\0"));
  size_t quoted_length = 0;
  const char* quoted_message = parley_result_message(quoted, &quoted_length);
  report(strchr(quoted_message, '\xff') == NULL &&
             strlen(quoted_message) == quoted_length,
         "error_message_is_text_without_nul", describe(quoted));
  parley_result_free(quoted);

  expect_rejected("bad_json_stage", "c1", before,
                  parley_add_assistant_message(store, S("c1"), S("[1,"),
                                               S("[]"), S("{}"), NULL, 0),
                  PARLEY_INVALID_ARGUMENT, "stage1");
  expect_rejected("bad_json_metadata", "c1", before,
                  parley_add_assistant_message(store, S("c1"), S("[]"), S("[]"),
                                               S("{}"), S("{nope}")),
                  PARLEY_INVALID_ARGUMENT, "metadata");
  expect_rejected("bad_json_empty_answers", "c1", before,
                  parley_save_follow_up_answers(store, S("c1"), "", 0),
                  PARLEY_INVALID_ARGUMENT, "");
  expect_rejected("bad_json_updates", "c1", before,
                  parley_update_conversation(store, S("c1"), S("not json")),
                  PARLEY_INVALID_ARGUMENT, "");
  expect_rejected("bad_json_updates_not_an_object", "c1", before,
                  parley_update_conversation(store, S("c1"), S("[1]")),
                  PARLEY_INVALID_ARGUMENT, "");
  expect_rejected("bad_json_trailing_bytes_after_length", "c1", before,
                  parley_update_conversation(store, S("c1"), "{\"a\":1}", 6),
                  PARLEY_INVALID_ARGUMENT, "");
  expect_rejected("bad_json_whole_conversation", "c1", before,
                  parley_save_conversation(store, S("{\"id\":\"c1\",")),
                  PARLEY_INVALID_ARGUMENT, "conversation_json");
  expect_error("bad_json_profile_data",
               parley_create_user_profile(store, S("p9"), NULL, 0, S("\"s\"")),
               PARLEY_INVALID_ARGUMENT, "");
  expect_json("bad_json_profile_data_wrote_nothing",
              parley_get_user_profile(store, S("p9")), "null");
  expect_error("bad_json_subscription_data",
               parley_update_subscription(store, S("u1"), S("{\"a\":}")),
               PARLEY_INVALID_ARGUMENT, "");
  free(before);

  expect_open_error("bad_open_null_url", NULL, 5, NULL);
  expect_open_error("bad_open_unknown_scheme", "nosuch://x", 10, NULL);
  expect_open_error("bad_open_bad_option", second_url, strlen(second_url),
                    "{\"workers\":0}");
  expect_open_error("bad_open_unknown_option", second_url, strlen(second_url),
                    "{\"threads\":2}");
  expect_open_error("bad_open_options_not_json", second_url, strlen(second_url),
                    "[");
  report(parley_open(second_url, strlen(second_url), "[", NULL) == NULL,
         "bad_open_without_error_pointer", NULL);

  parley_result* error = NULL;
  parley_storage* closed =
      parley_open(second_url, strlen(second_url),
                  "{\"workers\":2,\"max_queued\":8}", &error);
  report(closed != NULL && error == NULL, "open_with_options",
         error != NULL ? describe(error) : NULL);
  parley_result_free(error);
  if (closed == NULL) return;
  report(parley_backend_name(closed) != NULL &&
             strstr(second_url, parley_backend_name(closed)) != NULL,
         "backend_name", parley_backend_name(closed));
  parley_close(closed);
  expect_error("bad_closed_handle", parley_get_conversation(closed, S("c1")),
               PARLEY_FAILED_PRECONDITION, "not an open store");
  expect_error("bad_closed_handle_async",
               parley_get_conversation_async(closed, S("c1"), DONE),
               PARLEY_FAILED_PRECONDITION, "not an open store");
  report(parley_redacted_url(closed) == NULL, "bad_closed_handle_url", NULL);
  parley_close(closed); /* a second close is ignored */
  int not_a_store = 0;
  expect_error(
      "bad_unknown_handle",
      parley_count_user_conversations((parley_storage*)&not_a_store, S("u1")),
      PARLEY_FAILED_PRECONDITION, "not an open store");
  report(parley_result_code(NULL) == PARLEY_INVALID_ARGUMENT &&
             parley_result_json(NULL, NULL) == NULL,
         "null_result_accessors", NULL);
  parley_result_free(NULL);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s URL SECOND_URL\n", argv[0]);
    return 2;
  }
  parley_result* error = NULL;
  store = parley_open(argv[1], strlen(argv[1]), NULL, &error);
  if (store == NULL) {
    printf("FAIL open: %s\n", describe(error));
    parley_result_free(error);
    return 1;
  }
  report(strcmp(parley_code_name(PARLEY_COMMIT_OUTCOME_UNKNOWN),
                "COMMIT_OUTCOME_UNKNOWN") == 0 &&
             strcmp(parley_code_name(PARLEY_NOT_FOUND), "NOT_FOUND") == 0 &&
             parley_abi_version() == PARLEY_ABI_VERSION,
         "library_names_and_versions", NULL);
#ifdef PARLEY_EXPECTED_VERSION
  /* The installed parley.pc's Version is the library's own. */
  report(strcmp(parley_version(), PARLEY_EXPECTED_VERSION) == 0,
         "version_matches_pkg_config", parley_version());
#endif
  conversations();
  profiles_and_subscriptions();
  async_forms();
  threads_and_close(argv[2]);
  bad_input(argv[2]);
  parley_close(store);
  return failures == 0 ? 0 : 1;
}
