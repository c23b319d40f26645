#!/usr/bin/env bash
# The escape attempts of tests/security (attack.cpp) inside containers that podman starts
# with a given OCI runtime:
#
#   escapes-in-container.sh [--podman-defaults] RUNTIME_PATH [ATTACK_BINARY] [NAME-SUBSTRING]
#
# The image (tests/oci/podman-env.sh: busybox-static) gets the attack binary at /attack.
# attack.cpp is static, so it is the only thing the attempts need inside; without
# ATTACK_BINARY (the build's tests/cloister-attack) it is compiled here with g++ -static.
# Each attempt runs as `podman run --rm --network none [OPTIONS] IMAGE /attack NAME ARGS`
# with podman's defaults for a root container (its capability set, its seccomp profile, its
# masked and read-only paths, a PID, mount, IPC and UTS namespace, no user namespace) and
# is judged as tests/security/escapes.cpp judges (docs/escape-tests.md): escaped when the
# attack says a try worked, when a secret token of the host (a file, a root-only file, an
# environment variable) shows in anything printed, or when the host was touched (a host
# process killed or traced, the init of a sibling container killed, a loopback or abstract
# listener connected to, a file created in a host directory, the host unable to start
# processes).
#
# Every attempt must be blocked with the default options (the standard of cloister's own
# escape suite). Each also runs in weaker containers (one protection less: --network host,
# --preserve-fds, --pid host, --cap-add, seccomp=unconfined, a higher limit) where the
# verdict written with it is expected: that shows which podman setting stops the attempt,
# that the runtime under test applies it, and that the test sees an escape when there is
# one.
#
# Three attempts go through under podman's own defaults, which a runtime is asked to apply
# as they are (crun and runc both let them through): chroot (podman keeps CAP_SYS_CHROOT;
# the climb out of the inner jail ends at the container's root), a new user namespace and
# keyctl (podman's seccomp profile allows both). They fail in the default mode, saying so;
# --podman-defaults expects them to go through, so that the reference runtimes pass and a
# runtime that differs from them either way is named.
#
# cloister's own options have no podman counterpart and are left out: chroot mode,
# --net=unix/tcp/pasta, --landlock-*, the strict profile. The terminal attempts (TIOCSTI,
# TIOCLINUX) run with standard input a pipe: podman never hands the caller's terminal to the
# container (with -t conmon makes a pty of its own), so there is no terminal of the caller's
# to reach.
#
# Prints "PASS|FAIL ATTEMPT [CONFIG]: VERDICT (why)" lines and "N passed, M failed, K
# skipped" last; exits 0 when all pass, 1 otherwise, 77 when podman cannot work here or the
# runtime does not exist. As root. Needs what podman-suite.sh needs, plus python3 (the
# host's listeners) and g++ when no ATTACK_BINARY is given.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/podman-env.sh"

podman_defaults=""
[ "${1:-}" = --podman-defaults ] && { podman_defaults=1; shift; }
[ $# -ge 1 ] || { echo "usage: $0 [--podman-defaults] RUNTIME_PATH [ATTACK_BINARY] [NAME-SUBSTRING]" >&2; exit 2; }
runtime=$1 attack_bin=${2:-} filter=${3:-}
[ -x "$runtime" ] || { echo "# skipped: runtime $runtime does not exist (or is not executable)"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "# skipped: $0 runs as root"; exit 77; }
runtime=$(cd "$(dirname "$runtime")" && pwd)/$(basename "$runtime")
[ -z "$attack_bin" ] || attack_bin=$(cd "$(dirname "$attack_bin")" && pwd)/$(basename "$attack_bin")
oci_enter_namespace "$0" ${podman_defaults:+--podman-defaults} "$@" || exit 1

oci_setup "$runtime"
pids=() # host processes of the fixture, ended by PID at the end
finish() {
  trap - EXIT INT TERM
  local pid report
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  report=$(oci_cleanup "$runtime")
  if [ -n "$report" ]; then
    echo "FAIL the run left things behind (now removed):"
    sed 's/^/  /' <<<"$report"
    failed=$((failed + 1))
  fi
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}
passed=0 failed=0 skipped=0
trap 'failed=$((failed + 1)); echo "FAIL interrupted"; finish' INT TERM
trap finish EXIT
why=$(oci_why_not "$runtime")
[ -z "$why" ] || { echo "# skipped: podman cannot work here: $why"; trap - EXIT; oci_cleanup "$runtime" >/dev/null; exit 77; }

# ---- the image: busybox and the attack ----
extra="$OCI_DIR/extra"
mkdir -p "$extra/usr/bin" # open-by-handle and pivot-root work on /usr
if [ -n "$attack_bin" ]; then
  cp "$attack_bin" "$extra/attack"
else
  g++ -std=c++20 -O1 -static -o "$extra/attack" "$here/../security/attack.cpp" ||
    { echo "FAIL compiling tests/security/attack.cpp statically"; failed=1; exit 1; }
fi
oci_image "$extra" || { echo "FAIL podman import"; failed=1; exit 1; }

# ---- the host side ----
F="$OCI_DIR/fixture"
mkdir -p "$F/shared" "$F/victim" "$F/root-only"
chmod 755 "$F"
chmod 777 "$F/shared" "$F/victim"
tok() { echo "$1-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"; }
tokens=("$(tok cloister-secret)" "$(tok cloister-root-secret)" "$(tok cloister-env-secret)")
echo "${tokens[0]}" >"$F/secret" && chmod 644 "$F/secret"
echo "${tokens[1]}" >"$F/root-only/secret" && chmod 600 "$F/root-only/secret"
export CLOISTER_SECRET=${tokens[2]} # in podman's environment: must not reach the container

# A loopback TCP listener and an abstract AF_UNIX one; every accepted connection is counted
# in $F/accepted.
abstract=$(tok cloister-escape)
python3 - "$F" "$abstract" <<'EOF' &
import os, select, socket, sys
d, name = sys.argv[1], sys.argv[2]
tcp = socket.socket(); tcp.bind(("127.0.0.1", 0)); tcp.listen(16)
ab = socket.socket(socket.AF_UNIX); ab.bind("\0" + name); ab.listen(16)
open(d + "/port.tmp", "w").write(str(tcp.getsockname()[1])); os.rename(d + "/port.tmp", d + "/port")
count = 0
while True:
    for s in select.select([tcp, ab], [], [])[0]:
        s.accept()[0].close(); count += 1
        open(d + "/accepted", "w").write(str(count))
EOF
pids+=($!)
for _ in $(seq 100); do [ -s "$F/port" ] && break; sleep 0.05; done
port=$(cat "$F/port")
accepted() { cat "$F/accepted" 2>/dev/null || echo 0; }

pm() { oci_podman "$runtime" "$@"; }
sleeper="" sibling="" sibling_cid=""
# The host's own process and a sibling container's init (host PIDs), restarted when an
# attempt killed them.
start_processes() {
  if [ -z "$sleeper" ] || ! alive "$sleeper"; then
    sleep 600 &
    sleeper=$!
    disown "$sleeper" # a kill of it is the attempt's doing: bash is not to report it
    pids+=("$sleeper")
  fi
  if [ -z "$sibling" ] || ! alive "$sibling"; then
    [ -n "$sibling_cid" ] && pm rm --force --time 0 "$sibling_cid" >/dev/null 2>&1
    sibling_cid=$(pm run -d --network none "$OCI_IMAGE" sleep 600 2>&1) ||
      { echo "FAIL the sibling container did not start: $sibling_cid"; failed=$((failed + 1)); exit 1; }
    sibling=$(pm inspect --format '{{.State.Pid}}' "$sibling_cid")
  fi
}
start_processes
# Alive and not a zombie (the sleeper is this script's child: killed, it stays a zombie).
alive() { [ -e "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
traced() { [ "$(awk '/^TracerPid:/{print $2}' "/proc/$1/status" 2>/dev/null)" != 0 ]; }

# ---- one run, judged ----
# run_attempt EXPECTED LABEL OPTIONS -- ATTACK ARGS...: globals killed_is_blocked, host_check.
run_attempt() {
  local expected=$1 label=$2
  shift 2
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  rm -rf "$F/shared"/* "$F/victim"/* 2>/dev/null
  start_processes
  $prepare
  local before out rc verdict why="" escapes blocks damage=""
  before=$(accepted)
  # fd 5 is the fixture's directory, fd 6 its root-only one, as for cloister's suite (podman
  # passes none on unless --preserve-fds); fds 3 and 4 hold /dev/null for --preserve-fds 4.
  [[ " ${opts[*]} " == *" --network "* ]] || opts=(--network none "${opts[@]}")
  out=$(pm run --rm "${opts[@]}" "$OCI_IMAGE" /attack "$@" \
        3</dev/null 4</dev/null 5<"$F" 6<"$F/root-only" </dev/null 2>&1)
  rc=$?
  [ "$(accepted)" != "$before" ] && damage+="the host's listeners accepted $(($(accepted) - before)); "
  alive "$sleeper" || damage+="the host process was killed; "
  alive "$sleeper" && traced "$sleeper" && damage+="the host process is traced; "
  alive "$sibling" || damage+="the sibling container was killed; "
  [ -n "$host_check" ] && damage+=$($host_check)
  local t
  for t in "${tokens[@]}"; do grep -qF "$t" <<<"$out" && damage+="a secret token was printed; "; done
  escapes=$(grep '^escaped: ' <<<"$out" | cut -c10- | paste -sd';' | cut -c1-300)
  blocks=$(grep '^blocked: ' <<<"$out" | cut -c10- | paste -sd';' | cut -c1-300)
  if [ -n "$damage$escapes" ]; then
    verdict=escaped why="$damage$escapes"
  elif [ $rc -eq $((128 + 31)) ]; then
    verdict=blocked why="killed by the seccomp filter (SIGSYS)"
  elif [ -n "$killed_is_blocked" ] && [ $rc -eq 137 ]; then
    verdict=blocked why="killed by SIGKILL (a limit's OOM kill)${blocks:+; $blocks}"
  elif [ -n "$refusal_is_blocked" ] && [ $rc -ge 125 ] && [ $rc -le 127 ]; then
    verdict=blocked why="podman/the runtime refused to start it: $(grep -m1 . <<<"$out" | cut -c1-300)"
  elif [ -n "$blocks" ]; then
    verdict=blocked why=$blocks
  elif [ -n "$absent_is_blocked" ] && [ $rc -eq 0 ]; then
    verdict=blocked why="no secret token in what it printed"
  else
    verdict=inconclusive why="exit $rc: $(head -c 300 <<<"$out" | tr '\n' ' ')"
  fi
  local note=""
  [ -n "$allowed" ] && note=" [podman's defaults allow it: $allowed]"
  if [ "$verdict" = "$expected" ]; then
    passed=$((passed + 1))
    echo "PASS $name [$label]: $verdict ($why)$note"
  else
    failed=$((failed + 1))
    echo "FAIL $name [$label]: $verdict ($why)$note"
    echo "     expected $expected; podman run ${opts[*]} IMAGE /attack $*"
  fi
}

# attempt NAME ATTACK [ARGS...] -- [OPTIONS...]: the default run; then weaker LABEL VERDICT
# [OPTIONS...] lines (after the attempt's own options, or instead of them with replace=1).
name="" attack=() own=() killed_is_blocked="" refusal_is_blocked="" absent_is_blocked="" host_check=""
prepare="" replace="" allowed=""
attempt() {
  name=$1
  shift
  attack=() own=() killed_is_blocked="" refusal_is_blocked="" absent_is_blocked="" host_check=""
  prepare="" replace="" allowed=""
  while [ $# -gt 0 ] && [ "$1" != -- ]; do attack+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  own=("$@")
  selected || return 0
}
selected() { [ -z "$filter" ] || [[ "$name" == *"$filter"* ]]; }
# default [WHY-PODMAN-ALLOWS-IT]: blocked expected, or escaped with --podman-defaults when
# podman's configuration lets the attempt through.
default() {
  selected || return 0
  local expected=blocked
  allowed=${1:-}
  [ -n "$allowed" ] && [ -n "$podman_defaults" ] && expected=escaped
  run_attempt $expected "podman defaults${own[*]:+: ${own[*]}}" "${own[@]}" -- "${attack[@]}"
  allowed=""
}
weaker() {
  selected || return 0
  local label=$1 verdict=$2
  shift 2
  if [ -n "$replace" ]; then
    run_attempt "$verdict" "weaker: $label" "$@" -- "${attack[@]}"
  else
    run_attempt "$verdict" "weaker: $label" "${own[@]}" "$@" -- "${attack[@]}"
  fi
}
unconfined=(--security-opt seccomp=unconfined)

echo "# podman $(podman --version | awk '{print $3}') with runtime $runtime; attack $(sha256sum "$extra/attack" | cut -c1-12)"
for note in "${OCI_NOTES[@]}"; do echo "# note: $note"; done

# ---- the filesystem view ----
attempt "dotdot and symlinks from a writable bind" dotdot "$F/secret" ../secret -- -v "$F/shared:/data"
default
# Mount destinations through symlinks an earlier container planted in a volume: the runtime
# must resolve them inside the container's root.
plant() {
  ln -s "$F/victim" "$F/shared/abs" && ln -s ../victim "$F/shared/rel" &&
    ln -s "../../../../../../../..$F/victim" "$F/shared/up"
}
victim_check() { local e; e=$(ls -A "$F/victim"); [ -z "$e" ] || echo "created on the host: $e; "; }
attempt "mount destinations through planted symlinks" noop -- -v "$F/shared:/data" \
  --tmpfs /data/abs/dir --tmpfs /data/rel/tmpfs --tmpfs /data/up/t
prepare=plant host_check=victim_check refusal_is_blocked=1
default
attempt "/proc/self/root, /proc/1/root, /proc/PID/cwd" proc-root "$F/secret"
default
# Not close-on-exec in podman's caller: fd 5 leads to the fixture's directory.
attempt "inherited directory descriptor" fd-scan secret ../secret
default
weaker "--preserve-fds 4 (fds 3-6 passed)" escaped --preserve-fds 4
attempt "open_by_handle_at" open-by-handle
default
# CAP_DAC_READ_SEARCH of the host's user namespace (root containers have no user
# namespace): the handle opens.
weaker "seccomp=unconfined --cap-add DAC_READ_SEARCH" escaped "${unconfined[@]}" --cap-add DAC_READ_SEARCH
# podman keeps CAP_SYS_CHROOT: chroot into /tmp/jail works (the attack says escaped), but
# the climb out ends at the container's own root: the host's secret stays out of reach.
attempt "chroot breakout" chroot-escape "$F/secret"
default "CAP_SYS_CHROOT is in its capability set"
weaker "--cap-drop SYS_CHROOT" blocked --cap-drop SYS_CHROOT

# ---- namespaces and privileged interfaces ----
for a in mount umount pivot-root unshare setns; do
  attempt "$a" "$a"
  default
done
attempt "mount" mount
weaker "--cap-add SYS_ADMIN, seccomp=unconfined" escaped --cap-add SYS_ADMIN "${unconfined[@]}"
attempt "unshare" unshare
weaker "--cap-add SYS_ADMIN, seccomp=unconfined" escaped --cap-add SYS_ADMIN "${unconfined[@]}"
attempt "new user namespace" userns
default "its seccomp profile allows unshare and clone with CLONE_NEWUSER"
weaker "seccomp=unconfined" escaped "${unconfined[@]}"

# ---- other processes, by host PID ----
for a in ptrace process-vm kill; do
  attempt "$a of a host process and a sibling container" "$a" "$sleeper" "$sibling"
  attack=("$a" "$sleeper" "$sibling")
  default
  if [ "$a" = kill ]; then
    weaker "--pid host" escaped --pid host
  else
    weaker "--pid host --cap-add SYS_PTRACE" escaped --pid host --cap-add SYS_PTRACE
  fi
done

# ---- kernel attack surface ----
attempt "TIOCSTI (standard input a pipe)" tiocsti
default
attempt "TIOCLINUX (standard input a pipe)" tioclinux
default
attempt keyctl keyctl
default "its seccomp profile allows keyctl (add_key is refused)"
for a in bpf perf userfaultfd io-uring x32 int80; do
  attempt "$a" "$a"
  default
done
attempt keyctl keyctl
weaker "seccomp=unconfined" escaped "${unconfined[@]}"
attempt userfaultfd userfaultfd
weaker "seccomp=unconfined" escaped "${unconfined[@]}"
attempt "writes to /proc/sys, core_pattern, sysrq-trigger" proc-sys
default
attempt "writes to /sys" sys
default
attempt "mknod of a memory or disk device" mknod
default
# With CAP_MKNOD the node is made; the device cgroup refuses to open it.
weaker "--cap-add MKNOD" blocked --cap-add MKNOD

# ---- data ----
# The attack is the container's PID 1 here: no other process's environment or memory to try,
# so the verdict is the token's absence.
attempt "a secret environment variable not passed" env
absent_is_blocked=1
default
weaker "--env CLOISTER_SECRET (passed on)" escaped --env "CLOISTER_SECRET=${tokens[2]}"
attempt "host loopback TCP listener, --network none" tcp-connect "$port"
default
weaker "--network host" escaped --network host
attempt "host abstract socket, --network none" abstract-connect "$abstract"
default
weaker "--network host" escaped --network host

# ---- exhaustion ----
forks_check() {
  local n=0
  for _ in $(seq 20); do /bin/true && n=$((n + 1)); done
  [ $n -eq 20 ] || echo "the host started $n of 20 processes; "
}
attempt "fork bomb under --pids-limit 64" fork-bomb 500 -- --pids-limit 64
host_check=forks_check
default
replace=1
weaker "--pids-limit 5000" escaped --pids-limit 5000
attempt "tmpfs filler under --memory 32m" tmpfs-fill /fill 64 -- --memory 32m --tmpfs /fill:size=256m
host_check=forks_check killed_is_blocked=1
default
replace=1
weaker "--memory 512m" escaped --memory 512m --tmpfs /fill:size=256m
