#!/usr/bin/env bash
# bubblewrap's own test suite, run against cloister installed under the name bwrap and
# against the installed bwrap as the reference, in the same run.
#
#   bwrap-suite.sh fetch DIR               bubblewrap's source package (the version of the
#                                          installed bwrap) unpacked into DIR/src
#   bwrap-suite.sh run DIR CLOISTER USER   its tests for bwrap and for CLOISTER as USER
#                                          (root or nobody, i.e. uid 65534)
#
# Nothing of bubblewrap is kept in this project: the source comes from Debian's archive at
# test time, through a deb-src entry derived from the machine's own apt sources and a private
# apt state directory (the host's apt configuration is left as it is). The scripts run
# unmodified. Each passing test of bwrap must pass for cloister; `run` prints the counts of
# both and fails otherwise.
set -euo pipefail

# BWRAP_SUITE_SCRIPTS="test-seccomp.py" runs a subset (while working on one).
read -r -a SCRIPTS <<<"${BWRAP_SUITE_SCRIPTS:-test-run.sh test-seccomp.py test-specifying-userns.sh test-specifying-pidns.sh}"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() {
  echo "bwrap-suite: $*" >&2
  exit 1
}

# deb822 stanzas and one-line entries of the machine's sources, turned into deb-src ones.
write_source_list() {
  local out=$1 f
  : >"$out.sources"
  : >"$out.list"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed -e 's/^Types:.*/Types: deb-src/' "$f" >>"$out.sources"
    echo >>"$out.sources"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -n -e 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$out.list"
  done
}

fetch() {
  local dir=$1 version apt_dir
  version=$(dpkg-query -W -f='${Version}' bubblewrap 2>/dev/null) ||
    die "bubblewrap is not installed (scripts/deps.sh installs it)"
  if [ -f "$dir/src/.version" ] && [ "$(cat "$dir/src/.version")" = "$version" ]; then
    return 0
  fi
  rm -rf "$dir/src" "$dir/apt"
  apt_dir="$dir/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/parts" "$apt_dir/get" "$apt_dir/cache/archives/partial"
  write_source_list "$apt_dir/parts/deb-src"
  local opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/parts"
              -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
              -o "APT::Sandbox::User=root" -qq)
  apt-get "${opts[@]}" update >/dev/null || die "apt-get update (deb-src) failed"
  (cd "$apt_dir/get" && apt-get "${opts[@]}" source "bubblewrap=$version" >/dev/null) ||
    die "apt-get source bubblewrap=$version failed"
  local tree
  tree=$(find "$apt_dir/get" -mindepth 1 -maxdepth 1 -type d -name 'bubblewrap-*' | head -n1)
  [ -n "$tree" ] && [ -f "$tree/tests/test-run.sh" ] || die "no tests/test-run.sh in the source"
  mv "$tree" "$dir/src"
  echo "$version" >"$dir/src/.version"
  rm -rf "$apt_dir"
}

# Runs one script; its TAP output goes to $log.tap, the trace to $log.err.
run_script() {
  local impl=$1 user=$2 script=$3 log=$4 work=$5
  local interp=(bash)
  [[ $script == *.py ]] && interp=(/usr/bin/python3)
  local as=()
  [ "$user" = nobody ] && as=(setpriv --reuid 65534 --regid 65534 --clear-groups)
  # test-run.sh leaves a mktemp file in /tmp: the ones that appear during the run are removed.
  find /tmp -maxdepth 1 -name 'bwrap-test-*' | sort >"$log.tmp-before"
  local rc=0
  (cd /tmp && env -i PATH="$PATH" HOME=/ LANG=C.UTF-8 BWRAP="$impl" \
     G_TEST_SRCDIR="$work/src" G_TEST_BUILDDIR="$work/build" \
     timeout 600 "${as[@]}" /usr/bin/python3 "$work/subreaper.py" 10 \
       "${interp[@]}" "$work/src/tests/$script") \
    </dev/null >"$log.tap" 2>"$log.err" || rc=$?
  echo "$rc" >"$log.rc"
  find /tmp -maxdepth 1 -name 'bwrap-test-*' | sort >"$log.tmp-after"
  comm -13 "$log.tmp-before" "$log.tmp-after" |
    while read -r left; do if [ -n "$left" ]; then rm -f -- "$left"; fi; done
}

# "passed failed skipped" of one TAP log: planned tests that never ran (the scripts stop at
# their first failure) count as failed.
count() {
  local log=$1 plan ok skip notok rc
  plan=$(grep -m1 -oE '^1\.\.[0-9]+' "$log.tap" | cut -d. -f3 || true)
  ok=$(grep -cE '^ok\b' "$log.tap" || true)
  skip=$(grep -cE '^ok\b.*# SKIP' "$log.tap" || true)
  notok=$(grep -cE '^not ok\b' "$log.tap" || true)
  rc=$(cat "$log.rc")
  plan=${plan:-$((ok + notok))}
  local failed=$((plan - ok))
  [ "$rc" != 0 ] && [ "$failed" -eq 0 ] && failed=1
  echo "$((ok - skip)) $failed $skip"
}

# Names of the tests that passed (not skipped), one a line.
passed_names() {
  # sed, not grep: a log where nothing passed gives no lines, not a failing status.
  sed -nE '/# SKIP/d; s/^ok\b( [0-9]+)? *-? *//p' "$1.tap" | sort
}

# Exits 77 (skipped) where the kernel refuses USER what every sandbox of the suite starts
# with, for bwrap as for cloister: a mount namespace (and a user namespace for uid 65534)
# whose mount tree can be made private (not so in a chroot whose root is not a mount point).
# Asked directly, with unshare.
skip_where_namespaces_are_refused() {
  local user=$1 as=() probe=(unshare --mount --propagation private) refusal
  if [ "$user" = nobody ]; then
    as=(setpriv --reuid 65534 --regid 65534 --clear-groups)
    probe=(unshare --user --map-root-user --mount --propagation private)
  fi
  if ! refusal=$("${as[@]}" "${probe[@]}" true 2>&1); then
    echo "SKIP: the kernel refuses $user the namespaces every sandbox here needs (${probe[*]}: $refusal)"
    exit 77
  fi
}

run_suite() {
  local dir=$1 cloister=$2 user=$3
  [ -f "$dir/src/tests/test-run.sh" ] || die "no bubblewrap source in $dir/src (run fetch first)"
  case "$user" in root | nobody) ;; *) die "USER is root or nobody" ;; esac
  if [ "$(id -u)" != 0 ]; then
    # Both users are needed: root's run and setpriv to uid 65534.
    echo "bwrap-suite: skipped: runs as root (for the root run and setpriv to uid 65534)"
    exit 77
  fi
  skip_where_namespaces_are_refused "$user"
  work=$(mktemp -d /tmp/cloister-bwsuite.XXXXXX)
  # KEEP=1 keeps the logs (under $work/logs) for a look.
  trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
  chmod 755 "$work"
  cp -a "$dir/src" "$work/src"
  mkdir -p "$work/build/tests" "$work/bin" "$work/logs"
  cc -O2 -o "$work/build/tests/try-syscall" "$work/src/tests/try-syscall.c" ||
    die "cannot build try-syscall"
  # No process substitution in this script: the command it feeds (comm) is exec'd over the
  # subshell that forked it, and the orphaned child is left for PID 1 to reap (CI's PID 1
  # was seen leaving such zombies).
  # test-run.sh leaves a killed shell for PID 1 to reap: each script runs under a subreaper
  # that reaps (and if need be kills, by PID) whatever it left.
  cp "$(dirname "$0")/subreaper.py" "$work/subreaper.py"
  # Installed under the name bwrap; /proc/self/exe keeps the name (nested sandboxes).
  cp "$cloister" "$work/bin/bwrap"
  chmod -R a+rX "$work"
  chmod 777 "$work/logs"

  local failures=0 script impl_name impl
  printf '%-28s %-8s %8s %8s %8s  %s\n' script user passed failed skipped implementation
  for script in "${SCRIPTS[@]}"; do
    for impl_name in bwrap cloister; do
      impl=/usr/bin/bwrap
      [ "$impl_name" = cloister ] && impl="$work/bin/bwrap"
      local log="$work/logs/$impl_name-$user-$script"
      run_script "$impl" "$user" "$script" "$log" "$work"
      read -r p f s <<<"$(count "$log")"
      printf '%-28s %-8s %8s %8s %8s  %s\n' "$script" "$user" "$p" "$f" "$s" "$impl_name"
    done
    local missing
    passed_names "$work/logs/bwrap-$user-$script" >"$work/logs/bwrap-$user-$script.passed"
    passed_names "$work/logs/cloister-$user-$script" >"$work/logs/cloister-$user-$script.passed"
    missing=$(comm -23 "$work/logs/bwrap-$user-$script.passed" \
                       "$work/logs/cloister-$user-$script.passed")
    if [ -n "$missing" ]; then
      failures=$((failures + 1))
      echo "FAIL: $script as $user: passes for bwrap, not for cloister:"
      sed 's/^/  /' <<<"$missing"
      echo "--- cloister's output (last 40 lines of the trace):"
      tail -n 40 "$work/logs/cloister-$user-$script.err"
      tail -n 5 "$work/logs/cloister-$user-$script.tap"
    fi
    if [ "$(cat "$work/logs/bwrap-$user-$script.rc")" != 0 ]; then
      echo "note: the reference bwrap failed $script as $user:"
      tail -n 10 "$work/logs/bwrap-$user-$script.err"
    fi
  done
  [ "$failures" -eq 0 ] || die "$failures script(s) pass for bwrap and fail for cloister"
}

case "${1:-}" in
  fetch) [ $# -eq 2 ] || die "usage: $0 fetch DIR"; fetch "$2" ;;
  run) [ $# -eq 4 ] || die "usage: $0 run DIR CLOISTER root|nobody"; run_suite "$2" "$3" "$4" ;;
  *) die "usage: $0 fetch DIR | run DIR CLOISTER root|nobody" ;;
esac
