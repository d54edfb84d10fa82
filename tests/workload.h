// The generator moved to cli/workload.h (`parley demo` links it, and the CLI
// depends on no test target). This header stays only for bench/, which
// still includes it; include cli/workload.h instead.
#ifndef PARLEY_TESTS_WORKLOAD_H_
#define PARLEY_TESTS_WORKLOAD_H_

#include "cli/workload.h"  // IWYU pragma: export

#endif  // PARLEY_TESTS_WORKLOAD_H_
