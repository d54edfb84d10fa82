// The same cheap call as bench/python/bench.py's binding-cost figure, from
// C++: GetConversation of an id that does not exist on a small SQLite store,
// through parley::Storage and through the C ABI (parley_get_conversation);
// the best of 50 batches, as bench.py measures Python.
//   bazel run //bench/python:cheap_call -- sqlite:////tmp/x.db 200000
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "api/parley.h"
#include "api/storage.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: cheap_call URL [N]\n");
    return 2;
  }
  const std::string url = argv[1];
  const long n = argc > 2 ? std::atol(argv[2]) : 200000;
  using Clock = std::chrono::steady_clock;
  {
    auto opened = parley::Storage::Open(url);
    if (!opened.ok()) {
      std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
      return 1;
    }
    auto& s = **opened;
    double best = 1e18;
    for (int batch = 0; batch < 50; ++batch) {  // min of 50 batches: noise
      auto t0 = Clock::now();
      for (long i = 0; i < n / 50; ++i) {
        auto got = s.GetConversation("missing-conversation-id");
        if (!got.ok()) return 1;
      }
      double us =
          std::chrono::duration<double, std::micro>(Clock::now() - t0).count() /
          (n / 50);
      if (us < best) best = us;
    }
    std::printf("c++ Storage::GetConversation(missing): %.2f us/call\n", best);
  }
  {
    parley_result* error = nullptr;
    parley_storage* s = parley_open(url.data(), url.size(), nullptr, &error);
    if (s == nullptr) return 1;
    const char id[] = "missing-conversation-id";
    double best = 1e18;
    for (int batch = 0; batch < 50; ++batch) {
      auto t0 = Clock::now();
      for (long i = 0; i < n / 50; ++i) {
        parley_result* r = parley_get_conversation(s, id, sizeof(id) - 1);
        if (parley_result_code(r) != PARLEY_OK) return 1;
        parley_result_free(r);
      }
      double us =
          std::chrono::duration<double, std::micro>(Clock::now() - t0).count() /
          (n / 50);
      if (us < best) best = us;
    }
    std::printf("c abi parley_get_conversation(missing): %.2f us/call\n", best);
    parley_close(s);
  }
  return 0;
}
