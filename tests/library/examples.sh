#!/usr/bin/env bash
# libcloister's examples, built the way a daemon's author builds them: against an installed
# tree (cmake --install into a temporary DESTDIR), once with pkg-config and once with the
# CMake package; then run (tests/library/examples_test.py) as root and as uid 65534.
#   examples.sh BUILD_DIR SOURCE_DIR SANITIZE(ON|OFF)
set -euo pipefail
build=$1 source=$2 sanitize=$3
work=$(mktemp -d /tmp/cloister-examples.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
prefix=/usr/local
DESTDIR="$work/root" cmake --install "$build" --component library --prefix "$prefix" >/dev/null
lib="$work/root$prefix/lib"

# A sanitized libcloister needs the sanitizer runtime in the program too.
flags=(-Wall -Wextra -Werror -Wl,-rpath,"$lib")
if [[ $sanitize == ON ]]; then
  flags+=(-fsanitize=address,undefined)
fi

export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$work/root"
echo "pkg-config --cflags --libs cloister: $(pkg-config --cflags --libs cloister)"
mkdir "$work/bin"
# shellcheck disable=SC2046  # pkg-config's words are separate arguments
cc "${flags[@]}" "$source/examples/echo-daemon/echo-daemon.c" $(pkg-config --cflags --libs cloister) \
  -o "$work/bin/echo-daemon"
# shellcheck disable=SC2046
c++ -std=c++20 "${flags[@]}" "$source/examples/share-server/share-server.cpp" \
  $(pkg-config --cflags --libs cloister) -o "$work/bin/share-server"
echo "built with pkg-config: $(ls "$work/bin" | tr '\n' ' ')"

cmake_flags="${flags[*]}"
cmake -S "$source/examples" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$work/root$prefix" \
  -DCMAKE_C_FLAGS="$cmake_flags" -DCMAKE_CXX_FLAGS="$cmake_flags" >/dev/null
cmake --build "$work/cmake-build" -j2 >/dev/null
echo "built with find_package(cloister): $(cd "$work/cmake-build" && ls echo-daemon share-server | tr '\n' ' ')"

# Only cloister_* and cloister:: leave the shared library.
others=$(nm -D --defined-only "$lib/libcloister.so" | c++filt | awk '{ $1 = $2 = ""; print }' |
  sed 's/^ *//' | grep -v -e '^cloister_' -e '^cloister::' || true)
if [[ -n $others ]]; then
  echo "FAIL: libcloister.so exports symbols outside cloister_* and cloister::"
  echo "$others" | head -20
  exit 1
fi
echo "exported: $(nm -D --defined-only "$lib/libcloister.so" | wc -l) symbols, all cloister_* or cloister::"
readelf -d "$lib/libcloister.so" | grep SONAME

cp "$source/examples/echo-daemon/echo-daemon.toml" "$source/tests/library/examples_test.py" \
  "$work/bin/"
# The sanitizer runtime calls sigaltstack when the daemon ends on a signal; the allowlist is
# written for a plain build.
[[ $sanitize == ON ]] && sed -i 's/"rt_sigreturn"/"rt_sigreturn", "sigaltstack"/' "$work/bin/echo-daemon.toml"
chmod -R a+rX "$work"
python3 "$work/bin/examples_test.py" "$work/bin"
setpriv --reuid 65534 --regid 65534 --clear-groups python3 "$work/bin/examples_test.py" "$work/bin"
