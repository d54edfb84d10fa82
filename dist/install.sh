#!/usr/bin/env bash
# Installs Parley's C library for builds that do not use Bazel:
#   bazel run //:install -- --prefix DIR
# DIR/include/parley/parley.h, DIR/lib/libparley.so{.1,}, DIR/lib/libparley.a,
# DIR/lib/pkgconfig/parley.pc and DIR/lib/cmake/Parley/ (the imported
# targets Parley::parley, shared, and Parley::parley_static). A relative DIR
# is taken from the folder `bazel run` was started in.
set -euo pipefail

# Must match parley_version() (api/parley_c_open.cc); //tests/c_abi checks it.
readonly VERSION="1.0.0"
readonly ABI_VERSION="1"

usage() { echo "usage: bazel run //:install -- --prefix DIR" >&2; }

prefix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { usage; exit 2; }; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install: unknown argument $1" >&2; usage; exit 2 ;;
  esac
done
[ -n "$prefix" ] || { usage; exit 2; }
case "$prefix" in
  /*) ;;
  *) prefix="${BUILD_WORKING_DIRECTORY:-$PWD}/$prefix" ;;
esac

# The files come from this binary's runfiles: beside it under `bazel run`,
# or the runfiles of a test that lists it in `data`.
if [ -d "$0.runfiles/parley" ]; then
  files="$0.runfiles/parley"
elif [ -n "${RUNFILES_DIR:-}" ] && [ -d "$RUNFILES_DIR/parley" ]; then
  files="$RUNFILES_DIR/parley"
else
  echo "install: cannot find the runfiles of $0" >&2
  exit 1
fi

mkdir -p "$prefix/include/parley" "$prefix/lib/pkgconfig" \
  "$prefix/lib/cmake/Parley"
install -m 644 "$files/api/parley.h" "$prefix/include/parley/parley.h"
install -m 755 "$files/dist/libparley.so.$ABI_VERSION" \
  "$prefix/lib/libparley.so.$ABI_VERSION"
ln -sfn "libparley.so.$ABI_VERSION" "$prefix/lib/libparley.so"
install -m 644 "$files/dist/libparley.a" "$prefix/lib/libparley.a"

substitute() {
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$VERSION|g" \
    -e "s|@ABI_VERSION@|$ABI_VERSION|g" "$1" > "$2"
  chmod 644 "$2"
}
substitute "$files/dist/parley.pc.in" "$prefix/lib/pkgconfig/parley.pc"
substitute "$files/dist/ParleyConfig.cmake.in" \
  "$prefix/lib/cmake/Parley/ParleyConfig.cmake"
substitute "$files/dist/ParleyConfigVersion.cmake.in" \
  "$prefix/lib/cmake/Parley/ParleyConfigVersion.cmake"
echo "install: Parley $VERSION installed in $prefix" >&2
