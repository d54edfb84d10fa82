/*
 * Parley's C ABI: the storage contract of api/storage.h as a stable binary
 * surface for programs not built with Bazel (C, C++ with CMake/Make/Meson,
 * and every language that can call C: Python via cffi, Go, Rust, Node).
 *
 *   parley_result* error = NULL;
 *   parley_storage* store = parley_open("sqlite:///chat.db", 0, NULL, &error);
 *   if (store == NULL) { fprintf(stderr, "%s\n",
 *       parley_result_message(error, NULL)); parley_result_free(error); }
 *   parley_result* r = parley_create_conversation(store, "c1", 2, "u1", 2,
 *                                                 "free", 4);
 *   if (parley_result_code(r) == PARLEY_OK)
 *     puts(parley_result_json(r, NULL));   // {"id":"c1","user_id":"u1",...}
 *   parley_result_free(r);
 *   parley_close(store);
 *
 * C99; usable from C++ (the declarations are extern "C").
 *
 * Values in and out:
 *   - Ids and texts are (pointer, length) pairs of UTF-8 bytes. The length
 *     is the truth: bytes after it are not read, and a NUL byte inside it is
 *     part of the value (U+0000, which the original stored as "\u0000").
 *     A lone surrogate (which a Python str may hold) may be passed in its
 *     3-byte generalized UTF-8 (WTF-8) form. Other invalid UTF-8 is
 *     PARLEY_INVALID_ARGUMENT.
 *   - JSON payloads (message stages, metadata, update objects, profile data,
 *     follow-up answers, a whole conversation) are (pointer, length) pairs of
 *     UTF-8 JSON text. Numbers keep their text exactly (integers of any
 *     size, 1e-07, -0.0, and Python's NaN / Infinity / -Infinity); objects
 *     keep their key order; "\udc80"-style lone surrogate escapes are kept.
 *   - A pointer may be NULL only where a parameter says so (an absent
 *     optional argument: Python's None); a NULL pointer elsewhere is
 *     PARLEY_INVALID_ARGUMENT (with any length), never a crash.
 *   - Every call returns its value as JSON text: exactly what the original
 *     Python module returned for the call, as
 *     json.dumps(value, ensure_ascii=False, separators=(",", ":")) writes it,
 *     except that a lone surrogate is written as its \uXXXX escape (so the
 *     text is always valid UTF-8). Records come in the original module's key
 *     order. Calls that returned None give "null".
 *
 * Results and ownership:
 *   Every call hands back a parley_result* (never NULL; a failed allocation
 *   gives a static PARLEY_RESOURCE_EXHAUSTED result that parley_result_free
 *   ignores). The caller owns it and frees it with parley_result_free; the
 *   pointers that parley_result_message and parley_result_json return stay
 *   valid until then. Nothing else Parley hands out needs freeing, except a
 *   parley_storage* (parley_close).
 *
 * Errors:
 *   parley_result_code gives the status code (the codes of absl::Status,
 *   with the same numbers), chosen by what the caller should do next, and
 *   parley_result_message a message that names the record and the cause,
 *   never field contents or a password (api/storage.h lists which call gives
 *   which code). The one code absl has no number for is
 *   PARLEY_COMMIT_OUTCOME_UNKNOWN: the connection was lost after a COMMIT
 *   was sent, so the write may or may not have been applied; read back
 *   before retrying a write that is not idempotent. No C++ exception ever
 *   crosses this boundary.
 *
 * Asynchronous calls:
 *   Each call has an _async form that takes the same arguments plus a
 *   completion callback and a context pointer, and returns at once. It
 *   returns NULL when the call was queued: then `done` runs exactly once,
 *   with the call's result and `context`, on one of the store's own threads
 *   (parley_close first runs every queued call, so none is dropped).
 *   Otherwise it returns an error
 *   result (PARLEY_RESOURCE_EXHAUSTED when max_queued calls already wait,
 *   PARLEY_FAILED_PRECONDITION when the store is closing,
 *   PARLEY_INVALID_ARGUMENT for a NULL argument) and `done` never runs.
 *   Arguments are copied before the _async function returns.
 *   Inside `done`: the callback owns `result` and must free it (at once or
 *   later, from any thread). It may make further calls, sync or _async, on
 *   the same store, but must not block for long (it holds a store thread),
 *   must not wait for another call of the same store to finish, and must not
 *   call parley_close on that store.
 *
 * Thread safety: a parley_storage* may be used from many threads at once,
 *   sync and _async calls alike; writes are also safe against other
 *   processes using the same store. parley_close must not run while another
 *   thread is still calling with the same handle. A handle that was closed
 *   (or never opened) gives PARLEY_FAILED_PRECONDITION, not a crash, as long
 *   as no newer store happens to have been given the same address.
 */
#ifndef PARLEY_API_PARLEY_H_
#define PARLEY_API_PARLEY_H_

#include <stddef.h>
#include <stdint.h>

/* Bumped on every change that breaks binary compatibility; part of the
 * shared library's soname (libparley.so.PARLEY_ABI_VERSION). */
#define PARLEY_ABI_VERSION 1

#if defined(__GNUC__) || defined(__clang__)
#define PARLEY_EXPORT __attribute__((visibility("default")))
#else
#define PARLEY_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum parley_code {
  PARLEY_OK = 0,
  PARLEY_CANCELLED = 1,
  PARLEY_UNKNOWN = 2,
  PARLEY_INVALID_ARGUMENT = 3,
  PARLEY_DEADLINE_EXCEEDED = 4,
  PARLEY_NOT_FOUND = 5,
  PARLEY_ALREADY_EXISTS = 6,
  PARLEY_PERMISSION_DENIED = 7,
  PARLEY_RESOURCE_EXHAUSTED = 8,
  PARLEY_FAILED_PRECONDITION = 9,
  PARLEY_ABORTED = 10,
  PARLEY_OUT_OF_RANGE = 11,
  PARLEY_UNIMPLEMENTED = 12,
  PARLEY_INTERNAL = 13,
  PARLEY_UNAVAILABLE = 14,
  PARLEY_DATA_LOSS = 15,
  PARLEY_UNAUTHENTICATED = 16,
  /* Not an absl code: absl reports it as Unknown with a marker. */
  PARLEY_COMMIT_OUTCOME_UNKNOWN = 100
} parley_code;

typedef struct parley_storage parley_storage;
typedef struct parley_result parley_result;

/* Called once with the result of an _async call; see the header comment. */
typedef void (*parley_callback)(void* context, parley_result* result);

/* ---- Library ----------------------------------------------------------- */

/* "MAJOR.MINOR.PATCH" of this library; static, never freed. */
PARLEY_EXPORT const char* parley_version(void);
/* PARLEY_ABI_VERSION of the library actually loaded. */
PARLEY_EXPORT int parley_abi_version(void);
/* "OK", "NOT_FOUND", ... for a code; static, never freed. */
PARLEY_EXPORT const char* parley_code_name(parley_code code);

/* ---- Results ----------------------------------------------------------- */

PARLEY_EXPORT parley_code parley_result_code(const parley_result* result);
/* The error message, NUL-terminated valid UTF-8 with no NUL inside ("" for
 * PARLEY_OK; bytes of an id or text it quotes that are neither show as \0 or
 * \xNN); its length (without the NUL) in *length when length is not NULL. */
PARLEY_EXPORT const char* parley_result_message(const parley_result* result,
                                                size_t* length);
/* The call's value as JSON text, NUL-terminated (no NUL occurs inside: JSON
 * escapes it); NULL when the code is not PARLEY_OK. */
PARLEY_EXPORT const char* parley_result_json(const parley_result* result,
                                             size_t* length);
/* Frees `result`; NULL is ignored. */
PARLEY_EXPORT void parley_result_free(parley_result* result);

/* ---- Opening and closing ----------------------------------------------- */

/* Opens the store `url` names (json:DIR, sqlite:///FILE, postgresql://...:
 * README lists every form and option). `options_json` may be NULL or a JSON
 * object of: "workers" (threads for _async calls, default 8),
 * "max_queued" (default 4096), "upgrade_schema" (default true); another
 * key, a count below 1 or a value of another type is
 * PARLEY_INVALID_ARGUMENT.
 * Returns NULL on failure, with *error set to the reason when error is not
 * NULL (the caller frees it). */
PARLEY_EXPORT parley_storage* parley_open(const char* url, size_t url_length,
                                          const char* options_json,
                                          parley_result** error);
/* Opens $DATABASE_URL, or the JSON store in ./data when it is unset or
 * empty (where the original application kept its files). */
PARLEY_EXPORT parley_storage* parley_open_from_environment(
    const char* options_json, parley_result** error);
/* Runs every queued _async call, then closes the store and frees `storage`.
 * NULL is ignored. */
PARLEY_EXPORT void parley_close(parley_storage* storage);
/* The URL the store was opened with, password replaced by "***"; valid
 * until parley_close. NULL for an unknown handle. */
PARLEY_EXPORT const char* parley_redacted_url(parley_storage* storage);
/* "json", "sqlite" or "postgresql"; as parley_redacted_url. */
PARLEY_EXPORT const char* parley_backend_name(parley_storage* storage);

/* ---- The contract: one function per call of the original module --------
 * Each returns the value described beside it (as JSON text) or an error;
 * each _async form takes the same arguments plus (done, context). */

#define PARLEY_ASYNC_ARGS parley_callback done, void* context

/* create_conversation(conversation_id, user_id, subscription_tier="free"):
 * the new record. `tier` NULL means "free". */
PARLEY_EXPORT parley_result* parley_create_conversation(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* user_id, size_t user_id_length, const char* tier,
    size_t tier_length);
PARLEY_EXPORT parley_result* parley_create_conversation_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* user_id, size_t user_id_length, const char* tier,
    size_t tier_length, PARLEY_ASYNC_ARGS);

/* get_conversation(conversation_id): the record, or null. */
PARLEY_EXPORT parley_result* parley_get_conversation(
    parley_storage* storage, const char* conversation_id, size_t id_length);
PARLEY_EXPORT parley_result* parley_get_conversation_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    PARLEY_ASYNC_ARGS);

/* save_conversation(conversation): `conversation_json` is the whole record
 * (an object with at least "id"); null. */
PARLEY_EXPORT parley_result* parley_save_conversation(
    parley_storage* storage, const char* conversation_json,
    size_t json_length);
PARLEY_EXPORT parley_result* parley_save_conversation_async(
    parley_storage* storage, const char* conversation_json,
    size_t json_length, PARLEY_ASYNC_ARGS);

/* list_conversations(user_id=None): an array of summaries, newest first.
 * `user_id` NULL (or empty) lists every conversation. */
PARLEY_EXPORT parley_result* parley_list_conversations(
    parley_storage* storage, const char* user_id, size_t user_id_length);
PARLEY_EXPORT parley_result* parley_list_conversations_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    PARLEY_ASYNC_ARGS);

/* add_user_message(conversation_id, content): null. */
PARLEY_EXPORT parley_result* parley_add_user_message(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* content, size_t content_length);
PARLEY_EXPORT parley_result* parley_add_user_message_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* content, size_t content_length, PARLEY_ASYNC_ARGS);

/* add_assistant_message(conversation_id, stage1, stage2, stage3,
 * metadata=None): null. Stages are JSON text; `metadata_json` NULL means
 * None (no "metadata" key). */
PARLEY_EXPORT parley_result* parley_add_assistant_message(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* stage1_json, size_t stage1_length, const char* stage2_json,
    size_t stage2_length, const char* stage3_json, size_t stage3_length,
    const char* metadata_json, size_t metadata_length);
PARLEY_EXPORT parley_result* parley_add_assistant_message_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* stage1_json, size_t stage1_length, const char* stage2_json,
    size_t stage2_length, const char* stage3_json, size_t stage3_length,
    const char* metadata_json, size_t metadata_length, PARLEY_ASYNC_ARGS);

/* update_conversation(conversation_id, updates): shallow merge; null. */
PARLEY_EXPORT parley_result* parley_update_conversation(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* updates_json, size_t updates_length);
PARLEY_EXPORT parley_result* parley_update_conversation_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* updates_json, size_t updates_length, PARLEY_ASYNC_ARGS);

/* update_conversation_title(conversation_id, title): null. */
PARLEY_EXPORT parley_result* parley_update_conversation_title(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* title, size_t title_length);
PARLEY_EXPORT parley_result* parley_update_conversation_title_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* title, size_t title_length, PARLEY_ASYNC_ARGS);

/* toggle_conversation_starred(conversation_id): the new value, true or
 * false. */
PARLEY_EXPORT parley_result* parley_toggle_conversation_starred(
    parley_storage* storage, const char* conversation_id, size_t id_length);
PARLEY_EXPORT parley_result* parley_toggle_conversation_starred_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    PARLEY_ASYNC_ARGS);

/* delete_conversation(conversation_id): null (an unknown id too). */
PARLEY_EXPORT parley_result* parley_delete_conversation(
    parley_storage* storage, const char* conversation_id, size_t id_length);
PARLEY_EXPORT parley_result* parley_delete_conversation_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    PARLEY_ASYNC_ARGS);

/* save_follow_up_answers(conversation_id, follow_up_answers): null. */
PARLEY_EXPORT parley_result* parley_save_follow_up_answers(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* answers_json, size_t answers_length);
PARLEY_EXPORT parley_result* parley_save_follow_up_answers_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* answers_json, size_t answers_length, PARLEY_ASYNC_ARGS);

/* restore_all_expired_reports(user_id): how many conversations changed. */
PARLEY_EXPORT parley_result* parley_restore_all_expired_reports(
    parley_storage* storage, const char* user_id, size_t user_id_length);
PARLEY_EXPORT parley_result* parley_restore_all_expired_reports_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    PARLEY_ASYNC_ARGS);

/* count_user_conversations(user_id): an integer. */
PARLEY_EXPORT parley_result* parley_count_user_conversations(
    parley_storage* storage, const char* user_id, size_t user_id_length);
PARLEY_EXPORT parley_result* parley_count_user_conversations_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    PARLEY_ASYNC_ARGS);

/* get_active_conversations_count(user_id): an integer. */
PARLEY_EXPORT parley_result* parley_get_active_conversations_count(
    parley_storage* storage, const char* user_id, size_t user_id_length);
PARLEY_EXPORT parley_result* parley_get_active_conversations_count_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    PARLEY_ASYNC_ARGS);

/* create_user_profile(user_id, email, profile_data): the new profile.
 * `email` NULL (or empty) means "unknown@clerk.local". */
PARLEY_EXPORT parley_result* parley_create_user_profile(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* email, size_t email_length, const char* profile_data_json,
    size_t profile_data_length);
PARLEY_EXPORT parley_result* parley_create_user_profile_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* email, size_t email_length, const char* profile_data_json,
    size_t profile_data_length, PARLEY_ASYNC_ARGS);

/* get_user_profile(user_id): the profile, or null. */
PARLEY_EXPORT parley_result* parley_get_user_profile(
    parley_storage* storage, const char* user_id, size_t user_id_length);
PARLEY_EXPORT parley_result* parley_get_user_profile_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    PARLEY_ASYNC_ARGS);

/* update_user_profile(user_id, profile_data): the updated profile. */
PARLEY_EXPORT parley_result* parley_update_user_profile(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* profile_data_json, size_t profile_data_length);
PARLEY_EXPORT parley_result* parley_update_user_profile_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* profile_data_json, size_t profile_data_length,
    PARLEY_ASYNC_ARGS);

/* create_subscription(user_id, tier="free"): the new subscription. `tier`
 * NULL means "free". */
PARLEY_EXPORT parley_result* parley_create_subscription(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* tier, size_t tier_length);
PARLEY_EXPORT parley_result* parley_create_subscription_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* tier, size_t tier_length, PARLEY_ASYNC_ARGS);

/* get_subscription(user_id): the subscription, or null. */
PARLEY_EXPORT parley_result* parley_get_subscription(
    parley_storage* storage, const char* user_id, size_t user_id_length);
PARLEY_EXPORT parley_result* parley_get_subscription_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    PARLEY_ASYNC_ARGS);

/* update_subscription(user_id, data): the updated subscription. */
PARLEY_EXPORT parley_result* parley_update_subscription(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* data_json, size_t data_length);
PARLEY_EXPORT parley_result* parley_update_subscription_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* data_json, size_t data_length, PARLEY_ASYNC_ARGS);

/* update_subscription_by_stripe_id(stripe_subscription_id, data): the
 * updated subscription, or null when no subscription has that Stripe id. */
PARLEY_EXPORT parley_result* parley_update_subscription_by_stripe_id(
    parley_storage* storage, const char* stripe_subscription_id,
    size_t stripe_id_length, const char* data_json, size_t data_length);
PARLEY_EXPORT parley_result* parley_update_subscription_by_stripe_id_async(
    parley_storage* storage, const char* stripe_subscription_id,
    size_t stripe_id_length, const char* data_json, size_t data_length,
    PARLEY_ASYNC_ARGS);

#undef PARLEY_ASYNC_ARGS

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* PARLEY_API_PARLEY_H_ */
