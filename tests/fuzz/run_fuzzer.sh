#!/usr/bin/env bash
# Builds one libFuzzer target with clang (Bazel's toolchain is gcc, which has
# no libFuzzer) and runs it for a bounded time over its committed corpus,
# which also replays every regression input kept there.
#
#   run_fuzzer.sh TARGET SECONDS SOURCE...
#
# Prints "RELIABILITY fuzz TARGET: N inputs, 0 crashes" on success. Run by
# the sh_tests in tests/fuzz/BUILD.bazel; also usable by hand from the
# repository root.
set -euo pipefail

target="$1"
seconds="$2"
shift 2

root="${TEST_SRCDIR:+$TEST_SRCDIR/${TEST_WORKSPACE:-parley}}"
root="${root:-$(pwd)}"
work="${TEST_TMPDIR:-$(mktemp -d)}/$target"
mkdir -p "$work/corpus"
artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-$work}"

cxx=""
for candidate in clang++-14 clang++; do
  if command -v "$candidate" >/dev/null; then cxx="$candidate"; break; fi
done
if [ -z "$cxx" ]; then
  echo "run_fuzzer: clang++ not found (tests/install_deps.sh installs clang-14)" >&2
  exit 1
fi

sources=()
for source in "$@"; do sources+=("$root/$source"); done
# Abseil comes from Debian, built without sanitizers: only our code is
# instrumented, which is what is being fuzzed.
# shellcheck disable=SC2046
"$cxx" -std=c++17 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root" "${sources[@]}" \
  $(pkg-config --cflags --libs absl_strings absl_status absl_statusor \
    absl_str_format absl_hash absl_raw_hash_set) \
  -o "$work/$target"

# The committed seeds are read-only in the runfiles; new inputs go to a
# scratch corpus.
log="$work/fuzz.log"
status=0
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  "$work/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -seed=1 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" \
  "$work/corpus" "$root/tests/fuzz/corpus/$target" >"$log" 2>&1 || status=$?
grep -v -E '^"|# Uses:|dictionary' "$log" | tail -n 12
runs=$(sed -n -E 's/^stat::number_of_executed_(runs|units):[[:space:]]*//p' "$log" | tail -n 1)
if [ "$status" -ne 0 ]; then
  echo "RELIABILITY fuzz $target: ${runs:-?} inputs, 1 crash (input saved in $artifacts)"
  exit 1
fi
echo "RELIABILITY fuzz $target: ${runs:-0} inputs, 0 crashes"
