// The backends the reliability tests run against, each a fresh store per
// call (after tests/backend_conformance.h's BackendUnderTest).
#ifndef PARLEY_TESTS_RELIABILITY_RELIABILITY_BACKENDS_H_
#define PARLEY_TESTS_RELIABILITY_RELIABILITY_BACKENDS_H_

#include <functional>
#include <ostream>
#include <string>

#include "tests/temp_dir.h"

namespace parley {
namespace testing {

struct ReliabilityBackend {
  std::string name;
  // A new empty store: its URL, and the folder that holds its files.
  std::function<void(std::string* url, std::string* folder)> fresh;
};

inline std::ostream& operator<<(std::ostream& os,
                                const ReliabilityBackend& backend) {
  return os << backend.name;
}

inline ReliabilityBackend JsonReliabilityBackend() {
  return {"json", [](std::string* url, std::string* folder) {
            *folder = FreshTempDir("json_store");
            *url = "json:" + *folder;
          }};
}

inline ReliabilityBackend SqliteReliabilityBackend() {
  return {"sqlite", [](std::string* url, std::string* folder) {
            *folder = FreshTempDir("sqlite_store");
            *url = "sqlite:///" + *folder + "/store.db";
          }};
}

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_RELIABILITY_RELIABILITY_BACKENDS_H_
