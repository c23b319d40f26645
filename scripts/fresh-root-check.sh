#!/usr/bin/env bash
# A newcomer's check on a fresh Debian 12 root, without touching the host's mounts:
#
#   scripts/fresh-root-check.sh build   ROOT  # mmdebstrap bookworm into ROOT (a new directory)
#   scripts/fresh-root-check.sh newcomer ROOT # the README's two commands, in ROOT entered with
#                                             # its own mount namespace (pivot_root: not a chroot,
#                                             # so user namespaces work as on a real system)
#   scripts/fresh-root-check.sh chroot  ROOT  # scripts/test.sh in a plain chroot of ROOT, where
#                                             # the kernel refuses user namespaces
#   scripts/fresh-root-check.sh clean   ROOT  # removes ROOT
#
# The checkout's committed HEAD is copied to ROOT/root/cloister (mode 0700 above it, as a
# user's home would be). Every mount (/proc, /sys, /dev) lives in a mount namespace of its
# own that ends with the command; a PID namespace of its own keeps the machine's other
# processes out of the test suite's census. Needs root, mmdebstrap and unshare.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: $0 build|newcomer|chroot|clean ROOT}
root=$(realpath -m "${2:?usage: $0 MODE ROOT}")
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (mmdebstrap, mount namespaces, chroot)"; exit 1; }

env_inside=(env -i HOME=/root TERM=dumb LANG=C.UTF-8
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
readme_commands='cd /root/cloister && time bash scripts/demo.sh && time bash scripts/test.sh'

copy_checkout() {
  rm -rf "$root/root/cloister"
  mkdir -p "$root/root/cloister"
  git archive HEAD | tar -x -C "$root/root/cloister"
}

# The counts of each ctest test (gtest's summaries, the README runner's, the census').
summary() {
  local log="$root/root/cloister/build-test/Testing/Temporary/LastTest.log"
  [ -f "$log" ] || return 0
  echo "--- summary ($log) ---"
  grep -E '^([0-9]+/[0-9]+ Testing: |\[==========\] [0-9]+ tests|\[  (PASSED  |SKIPPED |FAILED  )\] [0-9]|README examples:|census: |SKIP: )' "$log"
}

# Nothing of ours may stay mounted under ROOT on the host.
check_no_mounts() {
  if findmnt -rn -o TARGET | grep -q "^$root\(/\|$\)"; then
    echo "$0: something is mounted under $root on the host; refusing" >&2
    exit 1
  fi
}

case "$mode" in
  build)
    [ ! -e "$root" ] || { echo "$0: $root exists"; exit 1; }
    bash scripts/deps.sh mmdebstrap
    mmdebstrap --quiet bookworm "$root" http://deb.debian.org/debian
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    ;;
  newcomer)
    copy_checkout
    # The root becomes a mount of its own and the namespace's root (pivot_root), so the
    # kernel does not count the commands as chrooted.
    unshare --mount --propagation private --pid --fork -- bash -euc '
      root=$1; shift
      mount --bind "$root" "$root"
      mount -t proc proc "$root/proc"
      mount --rbind /sys "$root/sys"
      mount --rbind /dev "$root/dev"
      cd "$root"
      mkdir -p .host
      pivot_root . .host
      umount -l /.host
      rmdir /.host
      exec "$@"' bash "$root" "${env_inside[@]}" bash -c "$readme_commands" || status=$?
    summary
    exit "${status:-0}"
    ;;
  chroot)
    copy_checkout
    unshare --mount --propagation private --pid --fork -- bash -euc '
      root=$1; shift
      mount -t proc proc "$root/proc"
      mount --rbind /sys "$root/sys"
      mount --rbind /dev "$root/dev"
      exec chroot "$root" "$@"' bash "$root" "${env_inside[@]}" \
      bash -c 'cd /root/cloister && time bash scripts/test.sh' || status=$?
    summary
    exit "${status:-0}"
    ;;
  clean)
    check_no_mounts
    rm -rf --one-file-system "$root"
    ;;
  *)
    echo "$0: unknown mode $mode (build, newcomer, chroot, clean)" >&2
    exit 2
    ;;
esac
