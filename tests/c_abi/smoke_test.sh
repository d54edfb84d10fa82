#!/usr/bin/env bash
# An application built outside Bazel against an install in a temporary
# prefix, as a user would: plain cc with pkg-config and a CMake project with
# find_package(Parley CONFIG REQUIRED), each shared and static (libparley.a),
# each run on json, sqlite and postgresql (tests/c_abi/smoke.c); the
# README's C program, as printed there; and a C++ application with its own
# Abseil and protobuf beside libparley.a (tests/c_abi/own_deps_app.cc).
source "${RUNFILES_DIR:-$TEST_SRCDIR}/parley/tests/c_abi/testlib.sh"

install_parley

check pkg_config.build cc -std=c99 -Wall -Wextra -Werror -o "$WORK/app_pc" \
  "$HERE/smoke.c" $(pkg-config --cflags --libs parley) -pthread
# The archive holds its own Abseil and protobuf: only the system libraries
# of Libs.private are added.
check pkg_config_static.build cc -std=c99 -Wall -Wextra -Werror \
  -o "$WORK/app_static" "$HERE/smoke.c" $(pkg-config --cflags parley) \
  "$PREFIX/lib/libparley.a" $(pkg-config --libs-only-l --static parley |
    sed 's/-lparley//') -pthread
awk '/<!-- c-example -->/ {f = 1; next} f && /^```c/ {g = 1; next}
     g && /^```/ {exit} g' "$RUNFILES/parley/README.md" > "$WORK/readme.c"
check readme_example.build cc -std=c99 -Wall -Wextra -Werror \
  -o "$WORK/app_readme" "$WORK/readme.c" $(pkg-config --cflags --libs parley)
check own_deps.build c++ -std=c++17 -o "$WORK/app_own_deps" \
  "$HERE/own_deps_app.cc" $(pkg-config --cflags parley) \
  "$PREFIX/lib/libparley.a" $(pkg-config --libs-only-l --static parley |
    sed 's/-lparley//') $(pkg-config --libs absl_strings protobuf) -pthread
# The application keeps its own shared Abseil and protobuf; the archive's
# copies are local to it (//tests/c_abi:symbols_test checks the archive).
check own_deps.app_links_its_own bash -c "
  readelf -d '$WORK/app_own_deps' | grep -q 'NEEDED.*libprotobuf' &&
  readelf -d '$WORK/app_own_deps' | grep -q 'NEEDED.*libabsl_strings'"
check cmake.configure cmake -S "$HERE" -B "$WORK/cmake" \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_C_FLAGS="-Wall -Werror"
check cmake.build cmake --build "$WORK/cmake"

for backend in "${BACKENDS[@]}"; do
  for app in pkg_config pkg_config_static cmake cmake_static readme_example \
    own_deps; do
    if ! url="$(fresh_url "$backend" 2>"$WORK/url.err")"; then
      case_result "$app.$backend.store" 0 "$(cat "$WORK/url.err")"
      continue
    fi
    case "$app" in
      pkg_config)
        run_cases "$app.$backend" env LD_LIBRARY_PATH="$PREFIX/lib" \
          "$WORK/app_pc" "$url" ;;
      pkg_config_static) run_cases "$app.$backend" "$WORK/app_static" "$url" ;;
      own_deps) run_cases "$app.$backend" "$WORK/app_own_deps" "$url" ;;
      cmake) run_cases "$app.$backend" "$WORK/cmake/app" "$url" ;;
      cmake_static) run_cases "$app.$backend" "$WORK/cmake/app_static" "$url" ;;
      readme_example)
        check "$app.$backend" bash -c "LD_LIBRARY_PATH='$PREFIX/lib' \
          '$WORK/app_readme' '$url' | grep -q '\"content\":\"Hello\"'" ;;
    esac
  done
done
finish
