#!/usr/bin/env bash
# Usage: link_parley.sh CC OBJCOPY AR VERSION_SCRIPT SONAME OUT_SO OUT_A
#            ROOT_ARCHIVE [DEP_ARCHIVE...]
# Builds the shipped C library from Bazel's PIC archives of //api:parley_c
# (ROOT_ARCHIVE, all of it: the parley_* entry points) and of its
# dependencies (DEP_ARCHIVE..., only what is needed):
#   OUT_A   one relocatable object holding Parley's C++ and the parts of
#           Debian's static Abseil and protobuf it uses, every defined symbol
#           but parley_* made local: an application linking other versions
#           of them sees nothing of these.
#   OUT_SO  Parley's C++ inside, only parley_* exported (VERSION_SCRIPT).
#           Abseil and protobuf come from Debian's shared libraries here:
#           their static archives are built as PIE code (local-exec TLS
#           relocations, R_X86_64_TPOFF32, in absl base / raw_hash_set /
#           cordz and in protobuf's arena), which no shared object can hold.
# SQLite, libpq, zlib, libstdc++ and libc stay shared in both: they are the
# system's C / C++ runtime libraries, with stable ABIs and sonames.
set -euo pipefail
cc=$1 objcopy=$2 ar=$3 version_script=$4 soname=$5 out_so=$6 out_a=$7
root=$8
shift 8
system=/usr/lib/x86_64-linux-gnu
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

absl_shared=()
for archive in "$system"/libabsl_*.a; do
  name="$(basename "$archive" .a)"
  [ -e "$system/$name.so" ] && absl_shared+=("-l${name#lib}")
done

"$cc" -shared -o "$out_so" "-Wl,-soname,$soname" \
  "-Wl,--version-script=$version_script" -Wl,-z,defs -Wl,-z,relro,-z,now \
  -Wl,--whole-archive "$root" -Wl,--no-whole-archive \
  -Wl,--start-group "$@" -Wl,--end-group \
  -Wl,--as-needed "${absl_shared[@]}" -lprotobuf \
  -lsqlite3 -lpq -lz -lstdc++ -lm -latomic -pthread

# --force-group-allocation: COMDAT groups (inline functions, templates)
# become plain sections here. Kept as groups, their signatures (local after
# objcopy) would still be merged with an application's copies of the same
# inline code, discarding the archive's section its local references need.
"$cc" -r -nostdlib -o "$tmp/combined.o" -Wl,--force-group-allocation \
  -Wl,--whole-archive "$root" -Wl,--no-whole-archive \
  -Wl,--start-group "$@" "$system"/libabsl_*.a "$system/libprotobuf.a" \
  -Wl,--end-group
"$objcopy" --wildcard --keep-global-symbol='parley_*' \
  "$tmp/combined.o" "$tmp/parley.o"
rm -f "$out_a"
"$ar" rcsD "$out_a" "$tmp/parley.o"
