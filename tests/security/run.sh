#!/usr/bin/env bash
# Runs the escape suite as root or as uid 65534:
#   run.sh ESCAPES CLOISTER ATTACK SOURCE_DIR root|nobody [FILTER]
# For uid 65534 the binaries and profiles are copied to a fresh directory under /tmp that it
# can reach, whatever the permissions of the build and source trees; removed afterwards.
set -euo pipefail
escapes=$1 cloister=$2 attack=$3 source=$4 user=$5
shift 5
dir=$(mktemp -d /tmp/cloister-sec.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cp "$escapes" "$dir/escapes"
cp "$cloister" "$dir/cloister"
cp "$attack" "$dir/attack"
cp "$(dirname "$attack")/cloister-probe" "$dir/probe"  # built beside the attack
cp -r "$source/profiles" "$dir/profiles"
cp "$source/tests/security/default-root.toml" "$dir/default-root.toml"
chmod -R a+rX "$dir"
cd "$dir"
run=()
[ "$user" = nobody ] && run=(setpriv --reuid 65534 --regid 65534 --clear-groups)
CLOISTER_TEST_BIN="$dir/cloister" CLOISTER_TEST_PROBE="$dir/probe" "${run[@]}" "$dir/escapes" "$dir/attack" "$dir/profiles" \
  "$dir/default-root.toml" "$@"
