/* An application of Parley's C library built outside Bazel (plain cc with
 * pkg-config, and CMake): create, append, read back, a not-found error with
 * its message, an _async call with a callback. Usage: smoke URL
 * Prints one "ok NAME" or "FAIL NAME: why" line per check; exit 1 on any
 * failure. */
#include <parley/parley.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;

static void check(int ok, const char* name, const char* why) {
  if (ok) {
    printf("ok %s\n", name);
  } else {
    printf("FAIL %s: %s\n", name, why ? why : "");
    failures++;
  }
}

struct waiter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done;
  parley_code code;
  char json[256];
};

/* Runs on a Parley thread: keep what is needed, free the result, signal. */
static void on_count(void* context, parley_result* result) {
  struct waiter* w = context;
  pthread_mutex_lock(&w->mu);
  w->code = parley_result_code(result);
  if (w->code == PARLEY_OK) {
    snprintf(w->json, sizeof w->json, "%s", parley_result_json(result, NULL));
  }
  parley_result_free(result);
  w->done = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s URL\n", argv[0]);
    return 2;
  }
  parley_result* error = NULL;
  parley_storage* store = parley_open(argv[1], strlen(argv[1]), NULL, &error);
  if (store == NULL) {
    fprintf(stderr, "open: %s\n", parley_result_message(error, NULL));
    parley_result_free(error);
    return 1;
  }
  check(parley_abi_version() == PARLEY_ABI_VERSION, "abi_version", NULL);

  parley_result* r =
      parley_create_conversation(store, "c1", 2, "u1", 2, NULL, 0);
  check(parley_result_code(r) == PARLEY_OK &&
            strstr(parley_result_json(r, NULL), "\"id\":\"c1\"") != NULL,
        "create", parley_result_message(r, NULL));
  parley_result_free(r);

  r = parley_add_user_message(store, "c1", 2, "Hello, caf\xc3\xa9", 12);
  check(parley_result_code(r) == PARLEY_OK, "append",
        parley_result_message(r, NULL));
  parley_result_free(r);

  r = parley_get_conversation(store, "c1", 2);
  check(parley_result_code(r) == PARLEY_OK &&
            strstr(parley_result_json(r, NULL),
                   "\"messages\":[{\"role\":\"user\",\"content\":"
                   "\"Hello, caf\xc3\xa9\"}]") != NULL,
        "read_back", parley_result_json(r, NULL));
  parley_result_free(r);

  r = parley_add_user_message(store, "missing", 7, "x", 1);
  check(parley_result_code(r) == PARLEY_NOT_FOUND &&
            strcmp(parley_result_message(r, NULL),
                   "Conversation missing not found") == 0,
        "not_found", parley_result_message(r, NULL));
  parley_result_free(r);

  struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0,
                     PARLEY_UNKNOWN, ""};
  r = parley_count_user_conversations_async(store, "u1", 2, on_count, &w);
  const int queued = r == NULL; /* then on_count runs exactly once */
  check(queued, "async_queued", parley_result_message(r, NULL));
  parley_result_free(r);
  pthread_mutex_lock(&w.mu);
  while (queued && !w.done) pthread_cond_wait(&w.cv, &w.mu);
  pthread_mutex_unlock(&w.mu);
  check(w.code == PARLEY_OK && strcmp(w.json, "1") == 0, "async_callback",
        w.json);

  parley_close(store);
  return failures == 0 ? 0 : 1;
}
