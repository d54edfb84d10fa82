// The conformance suite: one body of tests, compiled once, run against every
// backend (after RocksDB's env_basic_test.cc). A backend joins by one
// cc_test target whose file instantiates the suite:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, BackendConformanceTest,
//       ::testing::Values(BackendUnderTest{"sqlite", SqliteFileStore}));
//
// Every case runs against every backend; there are no per-backend flags.
#ifndef PARLEY_TESTS_BACKEND_CONFORMANCE_H_
#define PARLEY_TESTS_BACKEND_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "api/storage.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"

namespace parley {
namespace testing {

struct BackendUnderTest {
  std::string name;
  // Returns the URL of a new, empty store each time it is called.
  std::function<std::string()> fresh_url;
};

inline std::ostream& operator<<(std::ostream& os, const BackendUnderTest& b) {
  return os << b.name;
}

// A clock the tests move by hand: 2025-12-04T10:11:12.123456 to start.
class FakeClock {
 public:
  absl::Time Now() {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_) =
      absl::FromCivil(absl::CivilSecond(2025, 12, 4, 10, 11, 12),
                      absl::UTCTimeZone()) +
      absl::Microseconds(123456);
};

}  // namespace testing

// Lets tests write below the facade, into the very store a Storage has open
// (a second connection to sqlite:///:memory: would be another database).
class StorageTestPeer {
 public:
  static Backend& backend(Storage& storage) { return *storage.backend_; }
};

namespace testing {

class BackendConformanceTest
    : public ::testing::TestWithParam<BackendUnderTest> {
 protected:
  // Opens a fresh empty store of the backend under test, on FakeClock.
  void SetUp() override;

  // The stored conversation; a test failure when it is missing.
  Conversation MustGet(absl::string_view id);
  // The store's counts, to check that a refused call changed nothing.
  StorageCounts Counts();
  static std::vector<std::string> Keys(const Conversation& c);

  FakeClock clock_;
  std::string url_;
  std::unique_ptr<Storage> storage_;
};

}  // namespace testing
}  // namespace parley

#endif  // PARLEY_TESTS_BACKEND_CONFORMANCE_H_
