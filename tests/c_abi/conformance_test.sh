#!/usr/bin/env bash
# The storage contract through the C ABI (tests/c_abi/conformance.c), built
# with plain cc against an install in a temporary prefix, under
# AddressSanitizer and LeakSanitizer, on json, sqlite and postgresql. A
# sanitizer report fails the run's ".exit" case.
source "${RUNFILES_DIR:-$TEST_SRCDIR}/parley/tests/c_abi/testlib.sh"

install_parley
sanitize=(-fsanitize=address -fno-omit-frame-pointer -g)
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1"

# LeakSanitizer must work here at all, or "no leak" would prove nothing.
printf '#include <stdlib.h>\nvoid* p;\nint main(void){p=malloc(7);p=0;return 0;}\n' \
  > "$WORK/leak.c"
cc "${sanitize[@]}" -o "$WORK/leak" "$WORK/leak.c"
if "$WORK/leak" > /dev/null 2> "$WORK/leak.err"; then
  case_result leak_sanitizer_reports_a_leak 0 "a leaking program exited 0"
else
  check leak_sanitizer_reports_a_leak grep -q "detected memory leaks" \
    "$WORK/leak.err"
fi

check build cc -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
  "${sanitize[@]}" -o "$WORK/conformance" "$HERE/conformance.c" \
  -DPARLEY_EXPECTED_VERSION="\"$(pkg-config --modversion parley)\"" \
  $(pkg-config --cflags --libs parley) -pthread

for backend in "${BACKENDS[@]}"; do
  if ! url="$(fresh_url "$backend" 2>"$WORK/url.err")" ||
     ! second="$(fresh_url "$backend" 2>>"$WORK/url.err")"; then
    case_result "$backend.store" 0 "$(cat "$WORK/url.err")"
    continue
  fi
  run_cases "$backend" env LD_LIBRARY_PATH="$PREFIX/lib" \
    "$WORK/conformance" "$url" "$second"
done
finish
