#!/usr/bin/env bash
# What the shipped libraries expose: libparley.so.1 exports exactly the
# functions api/parley.h declares (nm -D --defined-only: parley_* and the
# PARLEY_1 version node, nothing else), under the soname libparley.so.1;
# libparley.a defines no global symbol but parley_* (its Abseil, protobuf and
# C++ are local), so an application with other versions of them links.
source "${RUNFILES_DIR:-$TEST_SRCDIR}/parley/tests/c_abi/testlib.sh"

lib="$RUNFILES/parley/dist/libparley.so.1"
archive="$RUNFILES/parley/dist/libparley.a"
header="$RUNFILES/parley/api/parley.h"

nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort \
  > "$WORK/exported"
grep -o '^PARLEY_EXPORT .*\bparley_[a-z0-9_]*(' "$header" |
  grep -o 'parley_[a-z0-9_]*(' | tr -d '(' | sort > "$WORK/declared"
echo "$(wc -l < "$WORK/exported") exported, $(wc -l < "$WORK/declared") declared"
check shared_exports_only_parley \
  bash -c "! grep -v -e '^parley_' -e '^PARLEY_1\$' '$WORK/exported'"
check shared_exports_every_declared_function \
  diff <(grep '^parley_' "$WORK/exported") "$WORK/declared"
check declared_function_count test "$(wc -l < "$WORK/declared")" -eq 54
check soname bash -c "readelf -d '$lib' | grep -q 'SONAME.*\[libparley.so.1\]'"
check shared_has_no_undefined_parley_symbols \
  bash -c "! nm -D --undefined-only '$lib' | grep -q parley"
check static_defines_only_parley_globals bash -c "
  nm --defined-only '$archive' | awk 'NF == 3 && \$2 ~ /[A-Z]/ {print \$3}' |
    grep -v '^parley_' | head -5 | grep -q . && exit 1 || exit 0"
check static_defines_every_declared_function bash -c "
  diff <(nm --defined-only '$archive' | awk '\$2 == \"T\" {print \$3}' | sort) \
    '$WORK/declared'"
# COMDAT groups left in the archive would be merged with an application's
# copies of the same inline code, dropping sections the archive needs.
check static_has_no_comdat_groups bash -c "
  ! readelf -S -W '$archive' | grep -q ' GROUP '"
finish
