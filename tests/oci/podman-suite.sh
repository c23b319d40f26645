#!/usr/bin/env bash
# Real podman against an OCI runtime:
#
#   podman-suite.sh [--rootless] RUNTIME_PATH [NAME]
#
# Every container is started by Debian's podman with --runtime RUNTIME_PATH (crun, runc or
# cloister-oci) and --network none, from an image imported from a local root tree (no
# registry): a command, a shell script on standard input, --read-only, --cap-drop, --memory
# (the limit seen inside and from the host's cgroup, an allocation beyond it OOM-killed),
# --pids-limit, --network none, a non-zero exit code, `podman stop -t 2` of a container that
# ignores SIGTERM, `podman exec`, `podman run -d` + kill + rm, `podman pause`/`unpause`,
# `podman stats`, exec errors, HOME and PWD, root's capability sets. Then the run must leave
# nothing: no container, no conmon or container process, no mount, no cgroup, no host podman
# or runtime state (tests/oci/podman-env.sh says how the environment is kept apart).
#
# --rootless: the same with every podman call as uid 65534 (rootless podman: a user
# namespace from newuidmap/newgidmap, subordinate ids from files bound over /etc/subuid and
# /etc/subgid in the run's own mount namespace). On cgroup v1 rootless podman ignores
# --memory and --pids-limit (no delegation there): those checks are skipped, saying so.
#
# Prints one TAP line per check ("ok N - ..." / "not ok N - ..." with "# " lines saying
# why) and "N passed, M failed, K skipped" last. Exits 0 when all pass, 1 otherwise, 77 when
# podman cannot work here at all (said why) or RUNTIME_PATH does not exist (yet).
#
# Needs (Debian): podman, conmon, busybox-static, util-linux (unshare, setpriv), uidmap
# (rootless), bc, and the runtime under test (crun, runc or cloister-oci); scripts/test.sh
# installs them. Started as root (rootless too: it drops to uid 65534 for podman itself).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/podman-env.sh"

rootless=""
[ "${1:-}" = --rootless ] && { rootless=1; shift; }
[ $# -ge 1 ] || { echo "usage: $0 [--rootless] RUNTIME_PATH [NAME]" >&2; exit 2; }
runtime=$1
name=${2:-$(basename "$runtime")}
if [ ! -x "$runtime" ]; then
  echo "# skipped: runtime $runtime does not exist (or is not executable)"
  exit 77
fi
runtime=$(cd "$(dirname "$runtime")" && pwd)/$(basename "$runtime")
[ "$(id -u)" -eq 0 ] || { echo "# skipped: $0 must start as root (--rootless drops to uid 65534 itself)"; exit 77; }
oci_enter_namespace "$0" ${rootless:+--rootless} "$@" || exit 1

started=$(date +%s.%N)
oci_setup "$runtime"
if [ -n "$rootless" ]; then
  oci_rootless "$runtime" || { oci_cleanup >/dev/null; echo "# rootless setup failed"; exit 1; }
  runtime=$OCI_RUNTIME
fi
why=$(oci_why_not "$runtime")
if [ -n "$why" ]; then
  oci_cleanup "$runtime" >/dev/null
  echo "# skipped: podman cannot work here: $why"
  exit 77
fi
if [ -n "$rootless" ]; then
  # The checks below mean nothing if podman quietly ran as root.
  mode=$(oci_podman "$runtime" info --format '{{.Host.Security.Rootless}}' 2>&1)
  if [ "$mode" != true ]; then
    oci_cleanup "$runtime" >/dev/null
    echo "# rootless setup failed: podman info says Rootless=$mode"
    exit 1
  fi
fi
trap 'interrupted=1; cleanup_now' INT TERM
trap 'cleanup_now' EXIT

n=0 passed=0 failed=0 skipped=0
diag=""        # what the failing check says
skipped_why="" # why the check could not run here

# check DESCRIPTION FUNCTION: a TAP line; the function says why it failed through fail(),
# why it cannot run here through skip().
check() {
  local desc=$1
  shift
  # OCI_ONLY=REGEX runs only the checks whose function name matches (while working on one).
  [ -n "${OCI_ONLY:-}" ] && ! [[ $1 =~ $OCI_ONLY ]] && return 0
  n=$((n + 1))
  diag="" skipped_why=""
  local t0=$EPOCHREALTIME
  if "$@" && [ -z "$diag" ]; then
    if [ -n "$skipped_why" ]; then
      echo "ok $n - $desc # SKIP $skipped_why"
      skipped=$((skipped + 1))
      return
    fi
    echo "ok $n - $desc ($(bc <<<"scale=1; ($EPOCHREALTIME - $t0) / 1") s)"
    passed=$((passed + 1))
  else
    echo "not ok $n - $desc"
    [ -n "$diag" ] && sed '/^$/d; s/^/#   /' <<<"$diag"
    failed=$((failed + 1))
  fi
}
fail() { diag+="$*"$'\n'; return 1; }
skip() { skipped_why=$*; return 0; }

# Why resource limits cannot be checked here (empty when they can): rootless podman on
# cgroup v1 ignores them.
limits_why() {
  [ -n "$rootless" ] || return 0
  local version
  version=$(pm info --format '{{.Host.CgroupsVersion}}' 2>/dev/null)
  [ "$version" = v1 ] && echo "rootless podman ignores resource limits on cgroup v1 (no delegation there)"
}

# pm ARGS...: podman with this run's runtime. prun NAME ARGS... IMAGE-ARGS...: podman run
# of a tracked container (--network none unless the arguments say otherwise), its standard
# output in $out, its standard error in $err, its exit status in $rc.
pm() { oci_podman "$runtime" "$@"; }
prun() {
  local tag=$1
  shift
  oci_track "$tag"
  out=$(pm run "${OCI_TRACK[@]}" --network none "$@" 2>"$OCI_DIR/err")
  rc=$?
  err=$(tr -d '\0' <"$OCI_DIR/err")
}
# expect_rc WANT WHAT: fails with the output when rc is not WANT.
expect_rc() {
  [ "$rc" -eq "$1" ] && return 0
  fail "$2: exit status $rc, expected $1"
  [ -n "$out" ] && fail "stdout: $out"
  [ -n "$err" ] && fail "stderr: $err"
  return 1
}

t_command() {
  prun command --rm "$OCI_IMAGE" echo "hello from $name"
  expect_rc 0 "podman run echo" || return 1
  [ "$out" = "hello from $name" ] || fail "output '$out', expected 'hello from $name'"
}

t_script() {
  local script='set -e
total=0
for i in 1 2 3 4 5; do total=$((total + i)); done
echo "sum $total"
printf "%s\n" b a c | sort | tr "\n" " "
echo
mkdir -p /tmp/work && cd /tmp/work && echo data >file && cat file
[ "$(id -u)" = 0 ] && echo "uid 0"
echo "pid $$"
exit 0'
  oci_track script
  out=$(pm run "${OCI_TRACK[@]}" --rm -i --network none "$OCI_IMAGE" sh -s \
        <<<"$script" 2>"$OCI_DIR/err")
  rc=$?
  err=$(tr -d '\0' <"$OCI_DIR/err")
  expect_rc 0 "podman run -i sh -s <script" || return 1
  local want=$'sum 15\na b c \ndata\nuid 0\npid 1'
  [ "$out" = "$want" ] || fail "output:" "$out" "expected:" "$want"
}

t_read_only() {
  prun ro --rm --read-only "$OCI_IMAGE" sh -c '
    if touch /probe 2>/dev/null; then echo "root writable"; else echo "root read-only"; fi
    if touch /tmp/probe; then echo "tmp writable"; else echo "tmp not writable"; fi
    grep " /tmp " /proc/mounts | cut -d" " -f3'
  expect_rc 0 "podman run --read-only" || return 1
  [ "$out" = $'root read-only\ntmp writable\ntmpfs' ] ||
    fail "expected / read-only and /tmp a writable tmpfs, got:" "$out"
}

# CapEff's bit 0 is CAP_CHOWN.
chown_probe='eff=$(grep CapEff /proc/self/status | cut -f2)
echo "chown bit $(( 0x$eff & 1 ))"
touch /tmp/f && if chown 1:1 /tmp/f 2>/dev/null; then echo "chown works"; else echo "chown fails"; fi'
t_cap_default() {
  prun capdefault --rm "$OCI_IMAGE" sh -c "$chown_probe"
  expect_rc 0 "podman run (default capabilities)" || return 1
  [ "$out" = $'chown bit 1\nchown works' ] || fail "expected CAP_CHOWN and chown to work:" "$out"
}
t_cap_drop() {
  prun capdrop --rm --cap-drop CHOWN "$OCI_IMAGE" sh -c "$chown_probe"
  expect_rc 0 "podman run --cap-drop CHOWN" || return 1
  [ "$out" = $'chown bit 0\nchown fails' ] || fail "expected no CAP_CHOWN and chown to fail:" "$out"
}

# The memory limit's file: cgroup v2's memory.max, v1's memory.limit_in_bytes.
memory_file='for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do
  [ -r $f ] && { cat $f; exit 0; }; done; echo "no memory limit file"; ls -R /sys/fs/cgroup | head -20'
t_memory_limit() {
  [ -n "$no_limits" ] && { skip "$no_limits"; return; }
  local cid host
  prun memlimit -d --memory 64m "$OCI_IMAGE" sleep 600
  expect_rc 0 "podman run -d --memory 64m" || return 1
  cid=$(cat "$OCI_DIR/track/memlimit.cid")
  out=$(pm exec "$cid" sh -c "$memory_file" 2>&1)
  [ "$out" = 67108864 ] || fail "inside: memory limit '$out', expected 67108864"
  host=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "*$cid*" 2>/dev/null | while read -r d; do
    cat "$d/memory.max" "$d/memory.limit_in_bytes" 2>/dev/null; done | head -1)
  [ "$host" = 67108864 ] ||
    fail "host: memory limit '$host' in the container's cgroup ($(find /sys/fs/cgroup -maxdepth 5 -type d -name "*$cid*" | tr '\n' ' ')), expected 67108864"
  pm rm --force --time 0 "$cid" >/dev/null 2>&1 || fail "podman rm --force failed"
  [ -z "$diag" ]
}
t_memory_oom() {
  [ -n "$no_limits" ] && { skip "$no_limits"; return; }
  # busybox dd allocates its block (bs) and fills it reading /dev/zero: 256 MiB against 64.
  # The OOM killer takes dd (the largest), the shell reports it and the cgroup's count.
  prun oom --rm --memory 64m --memory-swap 64m "$OCI_IMAGE" sh -c '
    dd if=/dev/zero of=/dev/null bs=256M count=1 2>/dev/null
    echo "dd status $?"
    cat /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null |
      grep "^oom_kill "'
  expect_rc 0 "podman run --memory 64m sh -c 'dd bs=256M'" || return 1
  grep -qx "dd status 137" <<<"$out" || fail "dd was not killed by SIGKILL:" "$out"
  local kills
  kills=$(awk '/^oom_kill /{print $2}' <<<"$out")
  [ "${kills:-0}" -ge 1 ] || fail "the container's cgroup counts no OOM kill:" "$out"
  [ -z "$diag" ]
}

t_pids_limit() {
  [ -n "$no_limits" ] && { skip "$no_limits"; return; }
  # sh forks sleeps until fork fails; ash stops the script at the failed fork (status 2).
  prun pids --rm --pids-limit 20 "$OCI_IMAGE" sh -c '
    for f in /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max; do
      [ -r $f ] && read max <$f && echo "pids.max $max"; done
    i=0
    while [ $i -lt 100 ]; do sleep 60 & i=$((i + 1)); echo "started $i"; done
    echo "all 100 started"'
  local started
  started=$(grep -c '^started' <<<"$out")
  grep -qx "pids.max 20" <<<"$out" || fail "pids.max is not 20 inside: $(head -1 <<<"$out")"
  grep -q "all 100 started" <<<"$out" && fail "100 processes were started under --pids-limit 20"
  [ "$started" -lt 20 ] || fail "$started processes were started under --pids-limit 20"
  grep -qi "fork" <<<"$err" || fail "no failed fork reported: rc $rc, stderr: $err"
  [ -z "$diag" ]
}

t_network_none() {
  prun net --rm "$OCI_IMAGE" sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
  expect_rc 0 "podman run --network none" || return 1
  [ "$out" = lo ] || fail "interfaces: $(tr '\n' ' ' <<<"$out"), expected lo only"
}

t_exit_code() {
  prun exit42 --rm "$OCI_IMAGE" sh -c 'echo bye; exit 42'
  expect_rc 42 "podman run sh -c 'exit 42'" || return 1
  [ "$out" = bye ] || fail "output '$out', expected bye"
}

t_stop() {
  prun stop -d "$OCI_IMAGE" sh -c 'trap "" TERM; echo ready; while :; do sleep 1; done'
  expect_rc 0 "podman run -d (SIGTERM ignored)" || return 1
  local cid t0 t1 elapsed code
  cid=$(cat "$OCI_DIR/track/stop.cid")
  for _ in $(seq 100); do
    pm logs "$cid" 2>/dev/null | grep -q ready && break
    sleep 0.1
  done
  t0=$(date +%s.%N)
  out=$(pm stop -t 2 "$cid" 2>&1) || fail "podman stop -t 2 failed: $out"
  t1=$(date +%s.%N)
  elapsed=$(echo "$t1 - $t0" | bc)
  echo "# podman stop -t 2 took ${elapsed}s"
  (($(echo "$elapsed >= 1.9 && $elapsed < 12" | bc))) ||
    fail "podman stop -t 2 took ${elapsed}s (expected 2 s of grace, then SIGKILL)"
  code=$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$cid" 2>&1)
  [ "$code" = "exited 137" ] || fail "state after stop: '$code', expected 'exited 137'"
  pm rm "$cid" >/dev/null 2>&1 || fail "podman rm of the stopped container failed"
  [ -z "$diag" ]
}

t_exec() {
  prun exec -d --hostname oci-suite-host "$OCI_IMAGE" sleep 600
  expect_rc 0 "podman run -d sleep" || return 1
  local cid
  cid=$(cat "$OCI_DIR/track/exec.cid")
  out=$(pm exec "$cid" sh -c '
    echo "init $(tr "\0" " " </proc/1/cmdline)"
    echo "host $(hostname)"
    [ "$(readlink /proc/self/ns/pid)" = "$(readlink /proc/1/ns/pid)" ] && echo "same pid ns"
    [ "$(readlink /proc/self/ns/uts)" = "$(readlink /proc/1/ns/uts)" ] && echo "same uts ns"
    [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ] && echo "same mnt ns"
    [ $$ -ne 1 ] && echo "not pid 1"' 2>&1)
  rc=$?
  [ $rc -eq 0 ] || fail "podman exec: exit status $rc: $out"
  local want=$'init sleep 600 \nhost oci-suite-host\nsame pid ns\nsame uts ns\nsame mnt ns\nnot pid 1'
  [ "$out" = "$want" ] || fail "podman exec saw:" "$out" "expected:" "$want"
  out=$(pm exec "$cid" sh -c 'exit 7' 2>&1)
  rc=$?
  [ $rc -eq 7 ] || fail "podman exec sh -c 'exit 7': exit status $rc ($out)"
  out=$(pm exec -i "$cid" cat <<<"through stdin" 2>&1)
  [ "$out" = "through stdin" ] || fail "podman exec -i cat: '$out'"
  pm rm --force --time 0 "$cid" >/dev/null 2>&1 || fail "podman rm --force failed"
  [ -z "$diag" ]
}

# The process as runc and crun start it: a program file without #! is an exec error (never
# run by /bin/sh), said on stderr (the failure comes after start, when only the process's
# own stderr reaches podman); a directory is refused; HOME, which podman leaves to the
# runtime for a uid the image's /etc/passwd does not list, is "/"; the runtime adds no PWD;
# root's inheritable and ambient capabilities are podman's (none), not its permitted ones.
t_process() {
  printf 'echo ran by a shell\n' >"$OCI_DIR/plain"
  chmod 0755 "$OCI_DIR/plain"
  prun plain --rm -v "$OCI_DIR/plain:/plain:ro" "$OCI_IMAGE" /plain
  [ "$rc" -ne 0 ] || fail "a program file without #! ran (exit 0): $out"
  [[ $out != *"ran by a shell"* ]] || fail "a program file without #! was run by a shell"
  grep -qi "exec format error" <<<"$err" || fail "no 'exec format error' on stderr: $err"
  prun dir --rm "$OCI_IMAGE" /bin
  [ "$rc" -ne 0 ] || fail "a directory as the program: exit 0"
  grep -qi "directory\|permission denied" <<<"$err" || fail "a directory as the program: $err"
  # The shell's environment as the runtime gave it ("; true": the shell is not replaced by tr,
  # whose /proc/PID/environ, opened before its exec, would read empty).
  prun env --rm --user 1234:1234 "$OCI_IMAGE" sh -c 'tr "\0" "\n" </proc/$$/environ; true'
  expect_rc 0 "podman run --user 1234" || return 1
  grep -qx 'HOME=/' <<<"$out" || fail "uid 1234 (not in /etc/passwd): no HOME=/ in:" "$out"
  ! grep -q '^PWD=' <<<"$out" || fail "the runtime added PWD:" "$out"
  prun caps --rm "$OCI_IMAGE" sh -c 'grep -E "^Cap(Inh|Amb)" /proc/1/status | tr -s "\t" " "'
  expect_rc 0 "podman run (root's capabilities)" || return 1
  [ "$out" = $'CapInh: 0000000000000000\nCapAmb: 0000000000000000' ] ||
    fail "root's inheritable and ambient sets are not empty:" "$out"
  [ -z "$diag" ]
}

# -t: conmon listens on a console socket and takes the terminal's master end from the runtime;
# the container's stdio is the terminal (tty(1) names it), conmon relays what it shows.
t_terminal() {
  prun tty --rm -t "$OCI_IMAGE" sh -c 'tty; test -t 0 && test -t 1 && echo "stdio is a terminal"; exit 3'
  expect_rc 3 "podman run -t" || return 1
  out=$(tr -d '\r' <<<"$out")
  [ "$out" = $'/dev/pts/0\nstdio is a terminal' ] || fail "podman run -t saw:" "$out"
  prun ttyexec -d "$OCI_IMAGE" sleep 600
  expect_rc 0 "podman run -d sleep" || return 1
  local cid
  cid=$(cat "$OCI_DIR/track/ttyexec.cid")
  out=$(pm exec -t "$cid" tty 2>&1 | tr -d '\r')
  [[ "$out" == /dev/pts/* ]] || fail "podman exec -t tty: '$out'"
  pm rm --force --time 0 "$cid" >/dev/null 2>&1 || fail "podman rm --force failed"
  [ -z "$diag" ]
}

# cloister's own annotations reach it through podman: Landlock lets the container write /tmp
# only, where the same container without them writes its root (t_read_only's first line).
t_cloister_annotations() {
  [[ "$(basename "$runtime")" == cloister* ]] ||
    { skip "org.cloister.* annotations are cloister's own ($name does not read them)"; return; }
  prun landlock --rm --annotation org.cloister.landlock.read=/ \
    --annotation org.cloister.landlock.exec=/ --annotation org.cloister.landlock.write=/tmp \
    "$OCI_IMAGE" sh -c '
    if touch /probe 2>/dev/null; then echo "root writable"; else echo "root not writable"; fi
    if touch /tmp/probe; then echo "tmp writable"; else echo "tmp not writable"; fi'
  expect_rc 0 "podman run --annotation org.cloister.landlock.*" || return 1
  [ "$out" = $'root not writable\ntmp writable' ] ||
    fail "expected Landlock to allow writes to /tmp only:" "$out"
}

t_kill_rm() {
  prun kill -d "$OCI_IMAGE" sleep 600
  expect_rc 0 "podman run -d sleep" || return 1
  local cid conmon state
  cid=$(cat "$OCI_DIR/track/kill.cid")
  state=$(pm inspect --format '{{.State.Status}}' "$cid" 2>&1)
  [ "$state" = running ] || fail "state after run -d: '$state', expected running"
  out=$(pm kill "$cid" 2>&1) || fail "podman kill failed: $out"
  out=$(pm wait "$cid" 2>&1)
  [ "$out" = 137 ] || fail "podman wait after kill: '$out', expected 137"
  out=$(pm rm "$cid" 2>&1) || fail "podman rm failed: $out"
  out=$(pm ps --all --quiet --no-trunc 2>&1)
  grep -q "$cid" <<<"$out" && fail "container still listed after rm"
  conmon=$(cat "$OCI_DIR/track/kill.conmon" 2>/dev/null)
  for _ in $(seq 50); do
    grep -qs "$OCI_DIR" "/proc/$conmon/cmdline" || break
    sleep 0.1
  done
  grep -qs "$OCI_DIR" "/proc/$conmon/cmdline" && fail "conmon $conmon still runs after rm"
  [ -n "$(oci_leftover_cgroups | grep "$cid")" ] && fail "cgroups of the container remain after rm:" "$(oci_leftover_cgroups | grep "$cid")"
  [ -z "$diag" ]
}

# podman pause freezes the container (the runtime's `pause ID`; inspect says paused) and its
# output stops; unpause thaws it and the output goes on. --pids-limit -1 leaves the container
# no limit at all: on cgroup v1 it is still in every hierarchy podman reads, so podman stats
# has its figures.
t_pause() {
  [ -n "$rootless" ] && [ -n "$no_limits" ] &&
    { skip "rootless podman cannot pause on cgroup v1 (no cgroup delegated there)"; return; }
  prun pause -d --pids-limit -1 "$OCI_IMAGE" sh -c 'i=0; while :; do i=$((i + 1)); echo $i; sleep 0.1; done'
  expect_rc 0 "podman run -d --pids-limit -1" || return 1
  local cid state before after
  cid=$(cat "$OCI_DIR/track/pause.cid")
  out=$(pm stats --no-stream --format '{{.PIDs}}' "$cid" 2>&1) || fail "podman stats --no-stream: $out"
  out=$(pm pause "$cid" 2>&1) || fail "podman pause: $out"
  state=$(pm inspect --format '{{.State.Status}}' "$cid" 2>&1)
  [ "$state" = paused ] || fail "state after pause: '$state', expected paused"
  before=$(pm logs "$cid" 2>/dev/null | wc -l)
  sleep 0.5
  after=$(pm logs "$cid" 2>/dev/null | wc -l)
  [ "$after" = "$before" ] || fail "the paused container wrote on: $before lines, then $after"
  out=$(pm unpause "$cid" 2>&1) || fail "podman unpause: $out"
  state=$(pm inspect --format '{{.State.Status}}' "$cid" 2>&1)
  [ "$state" = running ] || fail "state after unpause: '$state', expected running"
  sleep 0.5
  after=$(pm logs "$cid" 2>/dev/null | wc -l)
  [ "$after" -gt "$before" ] || fail "the unpaused container writes nothing more: $after lines"
  pm rm --force --time 0 "$cid" >/dev/null 2>&1 || fail "podman rm --force failed"
  [ -z "$diag" ]
}

# A user namespace podman asks the runtime for: rootless, --userns=keep-id (the container runs
# as the user's own uid, here 65534, with the host's PID namespace too); as root, --uidmap.
t_userns() {
  local want
  if [ -n "$rootless" ]; then
    prun keepid --rm --userns=keep-id --pid=host "$OCI_IMAGE" sh -c 'id -u; id -g'
    expect_rc 0 "podman run --userns=keep-id --pid=host" || return 1
    want=$'65534\n65534'
  else
    prun uidmap --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$OCI_IMAGE" \
      sh -c 'id -u; awk "{ print \$1, \$2, \$3 }" /proc/self/uid_map'
    expect_rc 0 "podman run --uidmap 0:100000:65536" || return 1
    want=$'0\n0 100000 65536'
  fi
  [ "$out" = "$want" ] || fail "output:" "$out" "expected:" "$want"
}

# --device PATH:r: the node is never writable in the container. crun and runc deny the open
# for writing through the device cgroup; cloister-oci, which has none, refuses the container
# at create with the key and the node. Rootless podman on cgroup v1 has no device cgroup for
# any runtime to use.
t_device_read_only() {
  [ -n "$rootless" ] && { skip "rootless: no device cgroup for any runtime (cgroup v1)"; return; }
  [ -c /dev/net/tun ] || { skip "no /dev/net/tun on this host"; return; }
  prun devr --rm --device /dev/net/tun:r "$OCI_IMAGE" \
    sh -c 'if (: >>/dev/net/tun) 2>/dev/null; then echo writable; else echo refused; fi'
  if [ "$rc" -eq 0 ]; then
    [ "$out" = refused ] || fail "a node granted r opened for writing: $out"
  else
    grep -q "grants /dev/net/tun only 'r'" <<<"$err" ||
      fail "podman run --device /dev/net/tun:r failed (exit $rc) without naming the grant:" "$err"
  fi
}

cleanup_now() {
  trap - EXIT INT TERM
  [ -n "${OCI_DIR:-}" ] || return 0
  local report
  if [ -n "${interrupted:-}" ]; then
    n=$((n + 1))
    echo "not ok $n - interrupted by a signal: the checks after $((n - 1)) did not run"
    failed=$((failed + 1))
  fi
  report=$(oci_cleanup "$runtime")
  n=$((n + 1))
  if [ -z "$report" ]; then
    echo "ok $n - nothing left: no container, process, mount, cgroup or host state"
    passed=$((passed + 1))
  else
    echo "not ok $n - the run left things behind (now removed)"
    sed 's/^/#   /' <<<"$report"
    failed=$((failed + 1))
  fi
  echo "1..$n"
  echo "# $name${rootless:+ (rootless)}: $(echo "$(date +%s.%N) - $started" | bc | xargs printf '%.1f') s"
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}

echo "# podman $(podman --version | awk '{print $3}') with runtime $runtime ($name)${rootless:+, rootless as uid 65534}"
for note in "${OCI_NOTES[@]}"; do echo "# note: $note"; done
if ! oci_image; then
  n=1
  echo "not ok 1 - podman import of the local root tree failed"
  failed=1
  exit 1
fi

no_limits=$(limits_why)
check "run a command, output seen" t_command
check "a shell script on standard input (podman run -i, no terminal)" t_script
check "--read-only: / not writable, /tmp a writable tmpfs" t_read_only
check "default capabilities: CAP_CHOWN in CapEff, chown works" t_cap_default
check "--cap-drop CHOWN: not in CapEff, chown fails" t_cap_drop
check "--memory 64m: limit seen inside and in the host's cgroup" t_memory_limit
check "--memory 64m: allocating 256 MiB is OOM-killed (SIGKILL, counted by the cgroup)" t_memory_oom
check "--pids-limit 20: forking beyond fails" t_pids_limit
check "--network none: only lo" t_network_none
check "exit code 42 propagated by podman run" t_exit_code
check "podman stop -t 2 of a container ignoring SIGTERM: killed after the grace" t_stop
check "podman exec: same PID/UTS/mount namespaces, hostname, exit code, stdin" t_exec
check "podman run -d, kill, wait (137), rm: gone with its conmon and cgroups" t_kill_rm
check "exec errors (no #!, a directory) said, HOME=/ for an unlisted uid, no PWD, root's inheritable and ambient empty" t_process
check "podman run -t and exec -t: the container's stdio is a terminal of its own" t_terminal
check "--annotation org.cloister.landlock.*: Landlock confines the container's writes" t_cloister_annotations
check "a user namespace: --userns=keep-id --pid=host (rootless), --uidmap (root)" t_userns
check "--device /dev/net/tun:r: never writable (refused by the device cgroup, or the container refused)" t_device_read_only
check "podman pause and unpause: frozen, then running; podman stats without a pids limit" t_pause
# cleanup_now (EXIT) adds the last check and the summary.
