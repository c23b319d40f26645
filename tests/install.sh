#!/usr/bin/env bash
# `cmake --install` (component runtime, cmake/InstallFiles.cmake) into a scratch DESTDIR: the
# executable, every shipped profile, the man pages and both completions land where the
# configured prefix says, and the installed cloister finds a shipped profile by name in its
# own PREFIX/share/cloister/profiles.
#   tests/install.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$(realpath "$1")
src=$(realpath "$2")
# The install directories as this build was configured (GNUInstallDirs leaves DATADIR and
# MANDIR empty in the cache when they follow DATAROOTDIR).
cached() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
prefix=$(cached CMAKE_INSTALL_PREFIX)
bindir=$(cached CMAKE_INSTALL_BINDIR)
datarootdir=$(cached CMAKE_INSTALL_DATAROOTDIR)
datadir=$(cached CMAKE_INSTALL_DATADIR)
datadir=${datadir:-$datarootdir}
mandir=$(cached CMAKE_INSTALL_MANDIR)
mandir=${mandir:-$datarootdir/man}
bash_dir=$(cached CLOISTER_BASH_COMPLETION_DIR)
zsh_dir=$(cached CLOISTER_ZSH_COMPLETION_DIR)

scratch=$(mktemp -d /tmp/cloister-install.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
root=$scratch/root

if ! DESTDIR=$root cmake --install "$build" --component runtime >"$scratch/log" 2>&1; then
  echo "FAIL: cmake --install:"
  cat "$scratch/log"
  exit 1
fi

passed=0 failed=0
expect_file() {
  if [ -f "$1" ]; then
    passed=$((passed + 1))
  else
    echo "FAIL: not installed: ${1#"$root"}"
    failed=$((failed + 1))
  fi
}
expect_file "$root$prefix/$bindir/cloister"
for profile in "$src"/profiles/*.toml; do
  expect_file "$root$prefix/$datadir/cloister/profiles/$(basename "$profile")"
done
for page in "$build"/docs/man/man*/*; do
  expect_file "$root$prefix/$mandir/$(basename "$(dirname "$page")")/$(basename "$page")"
done
expect_file "$root$prefix/$bash_dir/cloister"
expect_file "$root$prefix/$zsh_dir/_cloister"
echo "$passed files where they belong under $prefix"

# Nothing else: the runtime component is these files only.
unexpected=$(cd "$root$prefix" && find . -type f | grep -v -e "^./$bindir/cloister$" \
  -e "^./$datadir/cloister/profiles/" -e "^./$mandir/man[1-9]/cloister" \
  -e "^./$bash_dir/cloister$" -e "^./$zsh_dir/_cloister$")
if [ -n "$unexpected" ]; then
  echo "FAIL: installed beyond the runtime files:"
  echo "$unexpected"
  failed=$((failed + 1))
fi

# The installed binary looks in its own PREFIX/share/cloister/profiles first (after
# $CLOISTER_PROFILE_PATH) and finds the shipped profile there.
installed=$root$prefix/bin/cloister
message=$(env -u CLOISTER_PROFILE_PATH "$installed" explain --profile no-such-profile 2>&1)
if [[ $message == *"searched $root$prefix/share/cloister/profiles"* ]]; then
  echo "ok: --profile NAME searches $root$prefix/share/cloister/profiles first"
  passed=$((passed + 1))
else
  echo "FAIL: the installed cloister does not search its own share/cloister/profiles: $message"
  failed=$((failed + 1))
fi
if output=$(env -u CLOISTER_PROFILE_PATH "$installed" explain --profile shell -- bash 2>&1); then
  echo "ok: the installed cloister finds --profile shell"
  passed=$((passed + 1))
else
  echo "FAIL: cloister explain --profile shell: $output"
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
