#!/usr/bin/env bash
# Runs the integration binary as uid 65534. The binaries are copied to a fresh directory
# under /tmp that uid 65534 can reach, whatever the permissions of the build tree; the
# directory is removed afterwards.
set -euo pipefail
test_bin=$1 cloister=$2 probe=$3
shift 3
dir=$(mktemp -d /tmp/cloister-it.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cp "$test_bin" "$dir/integration"
cp "$cloister" "$dir/cloister"
cp "$probe" "$dir/probe"
# The shipped profiles too: a checkout under /root is out of uid 65534's reach.
cp -r "$(dirname "$0")/../profiles" "$dir/profiles"
chmod -R a+rX "$dir"
cd "$dir"
CLOISTER_PROFILE_PATH="$dir/profiles" CLOISTER_TEST_BIN="$dir/cloister" CLOISTER_TEST_PROBE="$dir/probe" \
  setpriv --reuid 65534 --regid 65534 --clear-groups "$dir/integration" "$@"
