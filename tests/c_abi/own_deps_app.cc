// A C++ application with its own Abseil and protobuf (Debian's shared
// libraries, linked by the application) that also links libparley.a, whose
// copies of both are local to the archive: each side keeps its own, nothing
// is defined twice. Usage: own_deps_app URL. Prints "ok own_deps.NAME" or
// "FAIL own_deps.NAME: why" lines.
#include <parley/parley.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/common.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string mine = absl::StrCat(
      "protobuf ",
      google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION));
  std::printf("%s app_abseil_and_protobuf: %s\n",
              mine.rfind("protobuf 3.", 0) == 0 ? "ok" : "FAIL", mine.c_str());

  parley_result* error = nullptr;
  parley_storage* store =
      parley_open(argv[1], std::strlen(argv[1]), nullptr, &error);
  if (store == nullptr) {
    std::printf("FAIL parley_open: %s\n",
                parley_result_message(error, nullptr));
    parley_result_free(error);
    return 1;
  }
  parley_result* r =
      parley_create_conversation(store, "c1", 2, "u1", 2, nullptr, 0);
  const bool created = parley_result_code(r) == PARLEY_OK;
  if (created) {
    std::printf("ok parley_beside_them\n");
  } else {
    std::printf("FAIL parley_beside_them: %s\n",
                parley_result_message(r, nullptr));
  }
  parley_result_free(r);
  parley_close(store);
  return created ? 0 : 1;
}
