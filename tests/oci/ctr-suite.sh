#!/usr/bin/env bash
# containerd's `ctr` against an OCI runtime:
#
#   ctr-suite.sh [--log-calls] RUNTIME_PATH [NAME]
#
# A containerd of our own (Debian's 1.6), started for the run with its configuration, root,
# state, temporary directory and socket in one mktemp -d directory, runs every container
# through its runc v2 shim (io.containerd.runc.v2) with `ctr run --runc-binary RUNTIME_PATH`
# (runc, or cloister's cloister-oci link). The image is made here from busybox-static as an
# OCI image layout (layer tar, config, manifest, index with sha256 digests) and brought in
# with `ctr image import`: no registry, no network.
#
# Checks: a command's output; exit code, stdout and stderr apart; a script on standard input;
# the default spec's effect inside (capabilities, no_new_privs, no seccomp, only lo, read-only
# /proc/sys and /sys, masked paths); no inheritable or ambient capabilities; --env/--cwd;
# --read-only; --seccomp; --cap-drop; --memory-limit/--cpus in the host's cgroup and `ctr
# task metrics`; --cpu-shares; an allocation beyond the memory limit OOM-killed; `ctr task
# exec` (namespaces, exit code, stdin); `ctr task ps`; `ctr task kill` (SIGTERM to a trapping
# shell, then --all SIGKILL); `ctr task pause`/`resume`; --tty for run and exec; cloister's
# own annotations. Then the run must leave nothing (the leftover census below). Each
# expectation is what the spec asks and Debian's runc does.
#
# Kept apart from the host:
#  - the script re-executes itself in new mount and PID namespaces (unshare --mount --pid
#    --fork --mount-proc, mounts private): containerd, its shims (which daemonize, so they are
#    reparented to this script, PID 1 there) and the containers are all in that PID namespace.
#    When it ends every process in it is killed by the kernel, whatever happened before.
#  - /run is a fresh tmpfs in that mount namespace: the shims' sockets (/run/containerd/s, a
#    path containerd 1.6 does not let us move), ctr's default FIFO directory and the shim's
#    runtime root (/run/containerd/runc/NAMESPACE) land there, not in the host's /run.
#  - containerd's namespace is named after the run (cloister-ctr-XXXXXX), so the containers'
#    cgroups (/sys/fs/cgroup/.../NAMESPACE/ID, ctr's default cgroupsPath) are the run's own.
#  - TMPDIR is in the directory (the shim writes its exec process files there).
#
# At the end, and on every failure path (the EXIT trap; INT and TERM too): every container
# of the namespace is killed and deleted through ctr, containerd is stopped (SIGTERM, by
# PID), then the census reports as failures: processes left (containerd's PID; any command
# line naming the directory, such as a shim's -address; any process in a cgroup of the
# namespace; any other process of the PID namespace but the script), mounts that were not
# there before containerd started, cgroups below the namespace's, the shim's runtime state,
# and host paths that appeared (/var/lib/containerd, /opt/containerd, the host's
# /run/containerd, /run/runc, /run/cloister-oci, CNI's, containerd temporary files in /tmp,
# /etc/containerd changed). What is left is then killed by PID, unmounted, removed; the
# namespace's parent cgroups (/NAMESPACE, which no runtime removes) are removed; then the
# directory. The outer script, outside the namespaces, makes the directory and removes it
# should the inner run die without doing so (and says so, failing).
#
# --log-calls: the runtime is called through a wrapper that records its arguments; the
# distinct calls are printed at the end ("# runtime call: ...", paths shortened).
#
# Prints one TAP line per check and "N passed, M failed, K skipped" last. Exits 0 when all
# pass, 1 otherwise, 77 (said why) when it cannot run here: not root, a tool missing, the
# runtime missing, containerd not starting.
#
# Needs (Debian): containerd, busybox-static, util-linux (unshare, script), coreutils; and the
# runtime (runc, or cloister-oci). scripts/test.sh installs them.
set -uo pipefail

log_calls=""
[ "${1:-}" = --log-calls ] && { log_calls=1; shift; }
[ $# -ge 1 ] || { echo "usage: $0 [--log-calls] RUNTIME_PATH [NAME]" >&2; exit 2; }
runtime=$1
name=${2:-$(basename "$runtime")}

# ---------------------------------------------------------------------------------------------
# Outside the namespaces: what must hold to run at all, the directory, the inner run, and the
# directory removed should the inner run not have.
if [ -z "${CTR_SUITE_DIR:-}" ]; then
  if [ ! -x "$runtime" ]; then
    echo "# skipped: runtime $runtime does not exist (or is not executable)"
    exit 77
  fi
  [ "$(id -u)" -eq 0 ] || { echo "# skipped: $0 must run as root (containerd runs as root here)"; exit 77; }
  for tool in containerd ctr containerd-shim-runc-v2:containerd unshare:util-linux \
              script:bsdutils timeout:coreutils sha256sum:coreutils tar:tar; do
    command -v "${tool%%:*}" >/dev/null ||
      { echo "# skipped: ${tool%%:*} is not installed (Debian package ${tool#*:})"; exit 77; }
  done
  [ -x /bin/busybox ] || { echo "# skipped: /bin/busybox is missing (Debian package busybox-static)"; exit 77; }
  unshare --mount --pid --fork --mount-proc true 2>/dev/null ||
    { echo "# skipped: cannot make mount and PID namespaces here (unshare --mount --pid --fork --mount-proc fails)"; exit 77; }
  dir=$(mktemp -d /tmp/cloister-ctr.XXXXXX) || exit 1
  chmod 755 "$dir"
  # unshare blocks INT and TERM while it waits: they go to the inner script (PID 1 of its
  # namespace, which has traps for them), unshare's child. --kill-child: should unshare die,
  # the inner run gets TERM and cleans up; this script then waits for the inner run itself
  # (by its PID and start time: it is no child of ours) before looking at what is left.
  CTR_SUITE_DIR=$dir unshare --mount --propagation private --pid --fork --mount-proc \
    --kill-child=TERM -- bash "$0" ${log_calls:+--log-calls} "$@" &
  unshare_pid=$!
  inner="" inner_start=""
  for _ in $(seq 100); do
    read -r inner _ <"/proc/$unshare_pid/task/$unshare_pid/children" 2>/dev/null
    [ -n "$inner" ] && break
    kill -0 "$unshare_pid" 2>/dev/null || break
    sleep 0.05
  done
  # Field 22 of /proc/PID/stat, counted after the command name's closing parenthesis.
  start_time_of() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
  [ -n "$inner" ] && inner_start=$(start_time_of "$inner")
  inner_runs() { [ -n "$inner_start" ] && [ "$(start_time_of "$inner")" = "$inner_start" ]; }
  forward() { inner_runs && kill -TERM "$inner" 2>/dev/null; }
  trap forward INT TERM
  wait "$unshare_pid"
  rc=$?
  while [ "$rc" -gt 128 ] && kill -0 "$unshare_pid" 2>/dev/null; do
    wait "$unshare_pid"
    rc=$?
  done
  for _ in $(seq 1200); do
    inner_runs || break
    sleep 0.1
  done
  if [ -e "$dir" ]; then
    # The namespaces are gone with their last process: nothing runs or is mounted there any
    # more; the cgroups of the run's containerd namespace may be.
    echo "# the inner run (exit status $rc) left $dir: removed now"
    rm -rf "$dir"
    find /sys/fs/cgroup -mindepth 1 -maxdepth 5 -type d -path "*/cloister-ctr-${dir##*.}*" 2>/dev/null |
      awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2- | while read -r cgroup; do
        rmdir "$cgroup" && echo "# and its cgroup $cgroup: removed now"
      done
    [ "$rc" -eq 0 ] && rc=1
  fi
  exit "$rc"
fi

# ---------------------------------------------------------------------------------------------
# Inside: PID 1 of a new PID namespace, in a private mount namespace.
runtime=$(cd "$(dirname "$runtime")" && pwd)/$(basename "$runtime")
dir=$CTR_SUITE_DIR
started=$EPOCHREALTIME
namespace=cloister-ctr-${dir##*.}
image=localhost/cloister-ctr-test:latest

# The host's /run, seen through a descriptor opened before our tmpfs hides it.
exec {host_run_fd}</run
host_run=/proc/$$/fd/$host_run_fd
mount -t tmpfs -o mode=0755,size=64m cloister-ctr-run /run ||
  { echo "# cannot mount a tmpfs on /run in the private mount namespace"; rm -rf "$dir"; exit 1; }

host_paths() {
  echo /var/lib/containerd /opt/containerd /var/lib/cni /etc/cni "$host_run/containerd" \
       "$host_run/runc" "$host_run/cloister-oci"
}
host_tmp_files() {
  local f
  for f in /tmp/runc-process* /tmp/containerd* /tmp/ctr-* /tmp/cio*; do
    [ -e "$f" ] && echo "${f#/tmp/}"
  done
}
host_before=$(for p in $(host_paths); do [ -e "$p" ] && echo "$p"; done)
host_tmp_before=$(host_tmp_files)
etc_before=$(ls -la --time-style=full-iso /etc/containerd 2>&1; cat /etc/containerd/* 2>&1)
mounts_before=$(awk '{ print $5 " " $9 }' /proc/self/mountinfo | sort)

mkdir -p "$dir"/{root,state,tmp,opt,fifo,image,logs,bin}
export TMPDIR="$dir/tmp"
cat >"$dir/config.toml" <<EOF
# containerd for one test run: everything under $dir; the CRI plugin (CNI, a sandbox image
# from a registry, its own streaming server) is not loaded.
version = 2
root = "$dir/root"
state = "$dir/state"
temp = "$dir/tmp"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
EOF

n=0 passed=0 failed=0 skipped=0
diag=""        # what the failing check says
in_check=""    # the check under way
skipped_why="" # why the check could not run here
containerd_pid=""

# The runtime the shim calls: RUNTIME_PATH itself, or a wrapper recording each call.
shim_runtime=$runtime
if [ -n "$log_calls" ]; then
  shim_runtime="$dir/bin/$(basename "$runtime")"
  printf '#!/bin/bash\nprintf "%%s\\n" "$*" >>%q\nexec -a %q %q "$@"\n' \
    "$dir/logs/calls" "$runtime" "$runtime" >"$shim_runtime"
  chmod 755 "$shim_runtime"
fi

# c ARGS...: ctr on our containerd and namespace, bounded in time.
c() { timeout -k 5 60 ctr --address "$dir/containerd.sock" --namespace "$namespace" "$@"; }
# run_ctr ARGS...: `ctr run` with the runtime under test (ARGS: options, image, id, command);
# standard output in $out, standard error in $err, exit status in $rc.
run_ctr() {
  out=$(c run --runc-binary "$shim_runtime" --fifo-dir "$dir/fifo" "$@" 2>"$dir/err")
  rc=$?
  err=$(tr -d '\0' <"$dir/err")
}
# start_detached ID OPTIONS... -- COMMAND...: `ctr run -d`, the container's output in
# $dir/logs/ID.log.
start_detached() {
  local id=$1
  shift
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  run_ctr -d --log-uri "file://$dir/logs/$id.log" "${opts[@]}" "$image" "$id" "$@"
  [ "$rc" -eq 0 ] && return 0
  fail "ctr run -d $id: exit status $rc: $err"
  # ctr keeps the container of a task that failed to start: removed as an engine would.
  c container rm "$id" >/dev/null 2>&1
  return 1
}
# task_status ID: the STATUS column of `ctr task ls` (RUNNING, STOPPED, PAUSED...).
task_status() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
# wait_status ID STATUS: up to 10 s.
wait_status() {
  local i
  for i in $(seq 100); do
    [ "$(task_status "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "task $1: status '$(task_status "$1")' after 10 s, expected $2"
}
# wait_log ID TEXT: the detached container's log has the line TEXT (up to 10 s).
wait_log() {
  local i
  for i in $(seq 100); do
    grep -qx "$2" "$dir/logs/$1.log" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "container $1 did not say '$2' within 10 s; its log: $(cat "$dir/logs/$1.log" 2>/dev/null)"
}
# remove_container ID: SIGKILL to all its processes, then the task and the container deleted,
# as an engine does (each step's failure said).
remove_container() {
  local id=$1 o
  if [ -n "$(task_status "$id")" ]; then
    if [ "$(task_status "$id")" != STOPPED ]; then
      o=$(c task kill --all --signal SIGKILL "$id" 2>&1) || fail "ctr task kill --all $id: $o"
      wait_status "$id" STOPPED
    fi
    o=$(c task rm "$id" 2>&1) || fail "ctr task rm $id: $o"
  fi
  o=$(c container rm "$id" 2>&1) || fail "ctr container rm $id: $o"
  [ -z "$diag" ]
}
# host_cgroup_file ID CONTROLLER FILE: the file of the container's cgroup on the host (cgroup
# v1: /sys/fs/cgroup/CONTROLLER/NAMESPACE/ID/FILE, v2: /sys/fs/cgroup/NAMESPACE/ID/FILE).
host_cgroup_file() {
  local f
  for f in "/sys/fs/cgroup/$2/$namespace/$1/$3" "/sys/fs/cgroup/$namespace/$1/$3"; do
    [ -r "$f" ] && { cat "$f"; return 0; }
  done
  echo "(no $3 for $1)"
}

check() {
  local desc=$1
  shift
  n=$((n + 1))
  diag="" skipped_why=""
  local t0=$EPOCHREALTIME
  in_check=$desc
  "$@" && [ -z "$diag" ]
  local result=$?
  in_check=""
  if [ $result -eq 0 ]; then
    if [ -n "$skipped_why" ]; then
      echo "ok $n - $desc # SKIP $skipped_why"
      skipped=$((skipped + 1))
      return
    fi
    echo "ok $n - $desc ($(seconds_since "$t0") s)"
    passed=$((passed + 1))
  else
    echo "not ok $n - $desc"
    [ -n "$diag" ] && sed '/^$/d; s/^/#   /' <<<"$diag"
    failed=$((failed + 1))
  fi
}
fail() { diag+="$*"$'\n'; return 1; }
skip() { skipped_why=$*; return 0; }
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
expect_rc() {
  [ "$rc" -eq "$1" ] && return 0
  fail "$2: exit status $rc, expected $1"
  [ -n "$out" ] && fail "stdout: $out"
  [ -n "$err" ] && fail "stderr: $err"
  return 1
}

# The image: busybox-static with its applets as hard links, /etc/passwd and /etc/group, as
# one uncompressed layer of an OCI image layout; the config names PATH and sh as its command.
# The architecture is containerd's name for this machine's (the platform ctr unpacks).
make_image() {
  local tree="$dir/image/tree" layout="$dir/image/layout" arch applet
  case $(dpkg --print-architecture 2>/dev/null || uname -m) in
    amd64 | x86_64) arch=amd64 ;;
    arm64 | aarch64) arch=arm64 ;;
    i386 | i686) arch=386 ;;
    ppc64el | ppc64le) arch=ppc64le ;;
    s390x) arch=s390x ;;
    riscv64) arch=riscv64 ;;
    *) echo "# no containerd platform name known for $(uname -m)"; return 1 ;;
  esac
  mkdir -p "$tree"/{bin,etc,tmp,proc,sys,dev,root,run} "$layout/blobs/sha256"
  chmod 1777 "$tree/tmp"
  cp /bin/busybox "$tree/bin/busybox"
  for applet in $("$tree/bin/busybox" --list); do
    [ -e "$tree/bin/$applet" ] || ln "$tree/bin/busybox" "$tree/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$tree/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$tree/etc/group"
  tar -C "$tree" --numeric-owner -cf "$dir/image/layer.tar" . || return 1
  # blob FILE: moves FILE into the layout under its digest; prints "DIGEST SIZE".
  blob() {
    local digest size
    digest=sha256:$(sha256sum "$1" | cut -d' ' -f1)
    size=$(stat -c %s "$1")
    mv "$1" "$layout/blobs/sha256/${digest#sha256:}"
    echo "$digest $size"
  }
  local layer config manifest
  read -ra layer <<<"$(blob "$dir/image/layer.tar")"
  printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$arch" "${layer[0]}" >"$dir/image/config.json"
  read -ra config <<<"$(blob "$dir/image/config.json")"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
    "${config[0]}" "${config[1]}" "${layer[0]}" "${layer[1]}" >"$dir/image/manifest.json"
  read -ra manifest <<<"$(blob "$dir/image/manifest.json")"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"latest"}}]}' \
    "${manifest[0]}" "${manifest[1]}" "$image" >"$layout/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  tar -C "$layout" -cf "$dir/image/image.tar" . || return 1
  rm -rf "$tree" "$layout"
  local o
  o=$(c image import "$dir/image/image.tar" 2>&1) || { sed 's/^/# /' <<<"$o"; return 1; }
  c image ls -q 2>/dev/null | grep -qxF "$image" || { echo "# $image is not listed after the import: $o"; return 1; }
}

# ---------------------------------------------------------------------------------------------
# The checks.

t_command() {
  run_ctr --rm "$image" c-echo echo "hello from $name"
  expect_rc 0 "ctr run echo" || return 1
  [ "$out" = "hello from $name" ] || fail "output '$out', expected 'hello from $name'"
}

t_exit_code() {
  run_ctr --rm "$image" c-exit sh -c 'echo out; echo err >&2; exit 42'
  expect_rc 42 "ctr run sh -c 'exit 42'" || return 1
  [ "$out" = out ] || fail "stdout '$out', expected 'out'"
  [ "$err" = err ] || fail "stderr '$err', expected 'err'"
  [ -z "$diag" ]
}

t_stdin() {
  local script='set -e
total=0
for i in 1 2 3 4 5; do total=$((total + i)); done
echo "sum $total"
printf "%s\n" b a c | sort | tr "\n" " "
echo
mkdir -p /tmp/work && cd /tmp/work && echo data >file && cat file
echo "pid $$"
exit 0'
  out=$(c run --runc-binary "$shim_runtime" --fifo-dir "$dir/fifo" --rm "$image" c-stdin sh -s \
        <<<"$script" 2>"$dir/err")
  rc=$?
  err=$(tr -d '\0' <"$dir/err")
  expect_rc 0 "ctr run sh -s <script" || return 1
  local want=$'sum 15\na b c \ndata\npid 1'
  [ "$out" = "$want" ] || fail "output:" "$out" "expected:" "$want"
}

# What ctr's default spec asks for, seen inside: uid 0; containerd's 14 default capabilities
# (CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP
# NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE: 0xa80425fb) as the permitted, effective and
# bounding sets (t_caps_unasked: the other two); no_new_privs; no seccomp filter (ctr adds one
# with --seccomp only); a network namespace with lo alone; /proc/sys and /sys read-only;
# /proc/timer_list masked; the command as PID 1; the image's PATH; cwd /.
t_defaults() {
  run_ctr --rm "$image" c-defaults sh -c '
    echo "uid $(id -u) gid $(id -g)"
    grep -E "^(CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t " " "
    echo "interfaces $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"
    if echo x >/proc/sys/kernel/domainname 2>/dev/null; then echo "/proc/sys writable"; else echo "/proc/sys read-only"; fi
    if mkdir /sys/kernel/probe 2>/dev/null; then echo "/sys writable"; else echo "/sys read-only"; fi
    echo "timer_list $(wc -c </proc/timer_list) bytes"
    echo "pid 1 $(head -c 5 /proc/1/cmdline | tr "\0" " ")"
    echo "PATH $PATH"
    echo "cwd $(pwd)"'
  expect_rc 0 "ctr run (default spec)" || return 1
  local want='uid 0 gid 0
CapPrm: 00000000a80425fb
CapEff: 00000000a80425fb
CapBnd: 00000000a80425fb
NoNewPrivs: 1
Seccomp: 0
interfaces lo 
/proc/sys read-only
/sys read-only
timer_list 0 bytes
pid 1 sh -c
PATH /bin
cwd /'
  [ "$out" = "$want" ] || fail "inside the container:" "$out" "expected:" "$want"
}

# ctr's spec names no inheritable and no ambient capabilities: both sets empty, as runc leaves
# them.
t_caps_unasked() {
  run_ctr --rm "$image" c-capsets sh -c 'grep -E "^(CapInh|CapAmb):" /proc/self/status | tr -s "\t " " "'
  expect_rc 0 "ctr run (capability sets)" || return 1
  [ "$out" = $'CapInh: 0000000000000000\nCapAmb: 0000000000000000' ] || fail "inside the container:" "$out"
}

t_env_cwd() {
  run_ctr --rm --env GREETING=hello --env EMPTY= --cwd /tmp "$image" c-env \
    sh -c 'echo "GREETING=$GREETING EMPTY=[${EMPTY-unset}]"; pwd'
  expect_rc 0 "ctr run --env --cwd" || return 1
  [ "$out" = $'GREETING=hello EMPTY=[]\n/tmp' ] || fail "saw:" "$out"
}

# --read-only: the root is read-only; ctr's default spec has no tmpfs on /tmp, but /run and
# /dev/shm are tmpfs mounts of their own, writable.
t_read_only() {
  run_ctr --rm --read-only "$image" c-ro sh -c '
    for d in / /tmp /run /dev/shm; do
      if touch $d/probe 2>/dev/null; then echo "$d writable"; else echo "$d read-only"; fi
    done'
  expect_rc 0 "ctr run --read-only" || return 1
  [ "$out" = $'/ read-only\n/tmp read-only\n/run writable\n/dev/shm writable' ] ||
    fail "expected / and /tmp read-only, /run and /dev/shm writable, got:" "$out"
}

# --seccomp: containerd's default profile, which refuses unshare(CLONE_NEWUSER) without
# CAP_SYS_ADMIN; the same unshare works in a container without a filter.
t_seccomp() {
  local probe='grep "^Seccomp:" /proc/self/status | tr -s "\t " " "
    if unshare -U -r true 2>/dev/null; then echo "unshare -U works"; else echo "unshare -U refused"; fi'
  run_ctr --rm --seccomp "$image" c-seccomp sh -c "$probe"
  expect_rc 0 "ctr run --seccomp" || return 1
  [ "$out" = $'Seccomp: 2\nunshare -U refused' ] || fail "with --seccomp:" "$out"
  run_ctr --rm "$image" c-noseccomp sh -c "$probe"
  expect_rc 0 "ctr run (no --seccomp)" || return 1
  [ "$out" = $'Seccomp: 0\nunshare -U works' ] || fail "without --seccomp:" "$out"
  [ -z "$diag" ]
}

# CapEff's bit 0 is CAP_CHOWN.
t_cap_drop() {
  run_ctr --rm --cap-drop CAP_CHOWN "$image" c-capdrop sh -c '
    eff=$(grep CapEff /proc/self/status | cut -f2)
    echo "chown bit $(( 0x$eff & 1 ))"
    touch /tmp/f && if chown 1:1 /tmp/f 2>/dev/null; then echo "chown works"; else echo "chown fails"; fi'
  expect_rc 0 "ctr run --cap-drop CAP_CHOWN" || return 1
  [ "$out" = $'chown bit 0\nchown fails' ] || fail "expected no CAP_CHOWN and chown to fail:" "$out"
}

# The limits in the container's cgroup on the host (the shim reads the same cgroup for
# `ctr task metrics`): memory.limit_in_bytes (v1) or memory.max (v2) 64 MiB; --cpus 0.5 as
# a CFS quota of 50000 µs in 100000.
t_limits() {
  start_detached c-limits --memory-limit 67108864 --cpus 0.5 -- sleep 600 || return 1
  local memory quota period metrics
  memory=$(host_cgroup_file c-limits memory memory.limit_in_bytes)
  [[ "$memory" == "(no"* ]] && memory=$(host_cgroup_file c-limits "" memory.max)
  [ "$memory" = 67108864 ] || fail "memory limit in the host's cgroup: '$memory', expected 67108864"
  quota=$(host_cgroup_file c-limits cpu cpu.cfs_quota_us)
  period=$(host_cgroup_file c-limits cpu cpu.cfs_period_us)
  [[ "$quota" == "(no"* ]] && read -r quota period <<<"$(host_cgroup_file c-limits "" cpu.max)"
  [ "$quota $period" = "50000 100000" ] || fail "CPU quota/period: '$quota $period', expected '50000 100000'"
  metrics=$(c task metrics c-limits 2>&1)
  grep -Eq '^memory\.(usage_in_bytes|usage) +[1-9]' <<<"$metrics" ||
    fail "ctr task metrics shows no memory use of the container:" "$metrics"
  remove_container c-limits
  [ -z "$diag" ]
}

# --cpu-shares 512 (ctr puts its default, 1024, in every spec): cgroup v1's cpu.shares is that
# number; cgroup v2 has cpu.weight, 1 + (512 - 2) * 9999 / 262142 = 20 (the conversion runc and
# crun use).
t_cpu_shares() {
  local v1=""
  [ -d "/sys/fs/cgroup/cpu" ] && [ "$(stat -f -c %T /sys/fs/cgroup/cpu)" = cgroupfs ] && v1=1
  start_detached c-shares --cpu-shares 512 -- sleep 600 || return 1
  local value
  if [ -n "$v1" ]; then
    value=$(host_cgroup_file c-shares cpu cpu.shares)
    [ "$value" = 512 ] || fail "cpu.shares in the host's cgroup: '$value', expected 512"
  else
    value=$(host_cgroup_file c-shares "" cpu.weight)
    [ "$value" = 20 ] || fail "cpu.weight in the host's cgroup: '$value', expected 20"
  fi
  remove_container c-shares
  [ -z "$diag" ]
}

# busybox dd allocates its block and fills it from /dev/zero: 256 MiB against 64. The OOM
# killer takes dd; the shell says so in the log, the host's cgroup counts the kill.
t_memory_oom() {
  start_detached c-oom --memory-limit 67108864 -- sh -c '
    dd if=/dev/zero of=/dev/null bs=256M count=1 2>/dev/null
    echo "dd status $?"' || return 1
  wait_status c-oom STOPPED
  grep -qx "dd status 137" "$dir/logs/c-oom.log" ||
    fail "dd was not killed by SIGKILL: $(cat "$dir/logs/c-oom.log")"
  local kills
  kills=$(host_cgroup_file c-oom memory memory.oom_control | awk '/^oom_kill /{ print $2 }')
  [ -z "$kills" ] && kills=$(host_cgroup_file c-oom "" memory.events | awk '/^oom_kill /{ print $2 }')
  [ "${kills:-0}" -ge 1 ] || fail "the container's cgroup counts no OOM kill ('$kills')"
  remove_container c-oom
  [ -z "$diag" ]
}

t_exec() {
  start_detached c-exec -- sleep 600 || return 1
  out=$(c task exec --fifo-dir "$dir/fifo" --exec-id probe c-exec sh -c '
    echo "init $(tr "\0" " " </proc/1/cmdline)"
    for ns in pid uts mnt net ipc; do
      [ "$(readlink /proc/self/ns/$ns)" = "$(readlink /proc/1/ns/$ns)" ] && echo "same $ns ns"
    done
    [ $$ -ne 1 ] && echo "not pid 1"
    echo "CapEff $(grep CapEff /proc/self/status | cut -f2)"' 2>&1)
  rc=$?
  [ $rc -eq 0 ] || fail "ctr task exec: exit status $rc: $out"
  local want=$'init sleep 600 \nsame pid ns\nsame uts ns\nsame mnt ns\nsame net ns\nsame ipc ns\nnot pid 1\nCapEff 00000000a80425fb'
  [ "$out" = "$want" ] || fail "ctr task exec saw:" "$out" "expected:" "$want"
  out=$(c task exec --fifo-dir "$dir/fifo" --exec-id seven c-exec sh -c 'echo seven; exit 7' 2>&1)
  rc=$?
  [ $rc -eq 7 ] || fail "ctr task exec sh -c 'exit 7': exit status $rc ($out)"
  out=$(c task exec --fifo-dir "$dir/fifo" --exec-id cat c-exec cat <<<"through stdin" 2>&1)
  [ "$out" = "through stdin" ] || fail "ctr task exec cat <<<'through stdin': '$out'"
  out=$(c task exec --fifo-dir "$dir/fifo" --exec-id missing c-exec /bin/no-such-program 2>&1)
  rc=$?
  [ $rc -ne 0 ] || fail "ctr task exec of a missing program succeeded: $out"
  [ "$(task_status c-exec)" = RUNNING ] || fail "after the execs the task is '$(task_status c-exec)'"
  remove_container c-exec
  [ -z "$diag" ]
}

# `ctr task ps`: the shim asks the runtime (`ps --format json ID`) for the container's PIDs.
t_ps() {
  start_detached c-ps -- sh -c 'sleep 600 & echo ready; wait' || return 1
  wait_log c-ps ready || { remove_container c-ps; return 1; }
  local init listed
  init=$(c task ls 2>/dev/null | awk '$1 == "c-ps" { print $2 }')
  out=$(c task ps c-ps 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then
    fail "ctr task ps: exit status $rc: $out"
  else
    listed=$(awk 'NR > 1 { print $1 }' <<<"$out" | sort -n | tr '\n' ' ')
    grep -qw "$init" <<<"$listed" || fail "ctr task ps does not list the init PID $init:" "$out"
    [ "$(wc -w <<<"$listed")" -eq 2 ] || fail "ctr task ps lists '$listed', expected 2 PIDs (sh and sleep):" "$out"
  fi
  remove_container c-ps
  [ -z "$diag" ]
}

# `ctr task kill` (SIGTERM) of a shell that traps it: `ctr run` (attached, --rm) returns the
# trap's exit status; then --all SIGKILL of a container whose processes ignore SIGTERM (a
# PID 1 without handlers) reaches them all.
t_kill() {
  c run --runc-binary "$shim_runtime" --fifo-dir "$dir/fifo" --rm "$image" c-term sh -c '
    trap "echo got TERM; exit 3" TERM; echo ready; while :; do sleep 0.2; done' \
    >"$dir/logs/c-term.log" 2>&1 &
  local attached=$!
  wait_log c-term ready
  out=$(c task kill c-term 2>&1) || fail "ctr task kill c-term: $out"
  wait "$attached"
  rc=$?
  [ "$rc" -eq 3 ] || fail "ctr run after ctr task kill (SIGTERM): exit status $rc, expected 3: $(cat "$dir/logs/c-term.log")"
  grep -qx "got TERM" "$dir/logs/c-term.log" || fail "the trap did not run: $(cat "$dir/logs/c-term.log")"

  start_detached c-kill -- sh -c 'sleep 600 & sleep 600 & echo ready; wait' || return 1
  wait_log c-kill ready || { remove_container c-kill; return 1; }
  local pids
  pids=$(c task ls 2>/dev/null | awk '$1 == "c-kill" { print $2 }')
  out=$(c task kill --all --signal SIGKILL c-kill 2>&1) || fail "ctr task kill --all --signal SIGKILL: $out"
  wait_status c-kill STOPPED
  out=$(c task rm c-kill 2>&1)
  grep -q "exit code 137" <<<"$out" || fail "ctr task rm after SIGKILL says: '$out' (expected exit code 137)"
  local left
  left=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d -path "*/$namespace/c-kill" 2>/dev/null)
  [ -z "$left" ] || fail "cgroups of c-kill remain after ctr task rm:" "$left"
  for _ in $(seq 50); do
    grep -lsaF -- "-id c-kill " /proc/[0-9]*/cmdline >/dev/null || break
    sleep 0.1
  done
  grep -lsaF -- "-id c-kill " /proc/[0-9]*/cmdline >/dev/null && fail "the shim of c-kill still runs after ctr task rm"
  [ -e "/proc/$pids" ] && [ -n "$pids" ] && fail "init PID $pids still exists"
  remove_container c-kill
  [ -z "$diag" ]
}

# `ctr task pause` freezes the container (the shim asks the runtime: `pause ID`, then
# `state ID` says paused); `resume` thaws it.
t_pause() {
  start_detached c-pause -- sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tmp/count; sleep 0.1; done' || return 1
  out=$(c task pause c-pause 2>&1) || fail "ctr task pause: $out"
  if [ -z "$diag" ]; then
    [ "$(task_status c-pause)" = PAUSED ] || fail "status after pause: '$(task_status c-pause)', expected PAUSED"
    local freezer
    freezer=$(host_cgroup_file c-pause freezer freezer.state)
    [[ "$freezer" == "(no"* ]] && freezer=$(host_cgroup_file c-pause "" cgroup.freeze)
    [ "$freezer" = FROZEN ] || [ "$freezer" = 1 ] || fail "the container's freezer says '$freezer'"
    out=$(c task resume c-pause 2>&1) || fail "ctr task resume: $out"
    [ "$(task_status c-pause)" = RUNNING ] || fail "status after resume: '$(task_status c-pause)', expected RUNNING"
  fi
  remove_container c-pause
  [ -z "$diag" ]
}

# --tty: ctr wants a terminal of its own (script(1) gives it one); the container's stdio is the
# console the runtime handed the shim over its console socket. script(1) passes the end of its
# empty standard input on to the terminal as a NUL byte, which the container's terminal echoes
# as "^@" ahead of the output: that is taken off.
t_tty() {
  out=$(timeout -k 5 60 script -q -e -c "ctr --address $dir/containerd.sock --namespace $namespace run --runc-binary $shim_runtime --fifo-dir $dir/fifo --rm --tty $image c-tty sh -c 'tty; test -t 0 && test -t 1 && echo stdio is a terminal; exit 3'" /dev/null </dev/null 2>&1)
  rc=$?
  out=$(tr -d '\r' <<<"$out")
  out=${out#^@}
  [ "$rc" -eq 3 ] || fail "ctr run --tty: exit status $rc, expected 3: $out"
  [ "$out" = $'/dev/pts/0\nstdio is a terminal' ] || fail "ctr run --tty saw:" "$out"
  start_detached c-ttyexec -- sleep 600 || return 1
  out=$(timeout -k 5 60 script -q -e -c "ctr --address $dir/containerd.sock --namespace $namespace task exec --fifo-dir $dir/fifo --tty --exec-id tty c-ttyexec sh -c 'tty; exit 4'" /dev/null </dev/null 2>&1)
  rc=$?
  out=$(tr -d '\r' <<<"$out")
  out=${out#^@}
  [ "$rc" -eq 4 ] || fail "ctr task exec --tty: exit status $rc, expected 4: $out"
  [[ "$out" == /dev/pts/* ]] || fail "ctr task exec --tty tty: '$out'"
  remove_container c-ttyexec
  [ -z "$diag" ]
}

# cloister's own annotations reach it through ctr: Landlock lets the container write /tmp
# only, where the same container without them writes its root.
t_cloister_annotations() {
  [[ "$(basename "$runtime")" == cloister* ]] ||
    { skip "org.cloister.* annotations are cloister's own ($name does not read them)"; return; }
  run_ctr --rm --annotation org.cloister.landlock.read=/ --annotation org.cloister.landlock.exec=/ \
    --annotation org.cloister.landlock.write=/tmp "$image" c-landlock sh -c '
    if touch /probe 2>/dev/null; then echo "root writable"; else echo "root not writable"; fi
    if touch /tmp/probe; then echo "tmp writable"; else echo "tmp not writable"; fi'
  expect_rc 0 "ctr run --annotation org.cloister.landlock.*" || return 1
  [ "$out" = $'root not writable\ntmp writable' ] ||
    fail "expected Landlock to allow writes to /tmp only:" "$out"
}

# ---------------------------------------------------------------------------------------------
# The census and the cleanup.

# Processes left, "PID what" lines: containerd's PID; a command line naming $dir (shims,
# runtimes); a process in a cgroup of the namespace; and any other process of this PID
# namespace whose parent is this script (PID 1: orphans are reparented here) but the census'
# own subshell.
leftover_processes() {
  local f pid self=$BASHPID
  {
    [ -n "$containerd_pid" ] && [ -e "/proc/$containerd_pid" ] && echo "$containerd_pid containerd"
    for f in $(grep -lsaF "$dir" /proc/[0-9]*/cmdline); do
      pid=${f#/proc/}
      pid=${pid%/cmdline}
      [ "$pid" = "$self" ] && continue
      grep -qsaF "$dir" "$f" && echo "$pid $({ tr '\0' ' ' <"$f"; } 2>/dev/null | cut -c1-160)"
    done
    for f in $(grep -lsF "/$namespace/" /proc/[0-9]*/cgroup); do
      pid=${f#/proc/}
      pid=${pid%/cgroup}
      grep -qsF "/$namespace/" "$f" &&
        echo "$pid in a cgroup of the run: $({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-100)"
    done
    for f in /proc/[0-9]*/stat; do
      pid=${f#/proc/}
      pid=${pid%/stat}
      [ "$pid" = 1 ] || [ "$pid" = "$self" ] && continue
      [ "$(awk '{ print $4 }' "$f" 2>/dev/null)" = 1 ] &&
        echo "$pid a process of the run's PID namespace: $({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-100)"
    done
  } | awk '!seen[$1]++' | sort -n
}

leftover_mounts() {
  comm -13 <(echo "$mounts_before") <(awk '{ print $5 " " $9 }' /proc/self/mountinfo | sort)
}
leftover_cgroups() {
  find /sys/fs/cgroup -mindepth 2 -maxdepth 5 -type d -path "*/$namespace/*" 2>/dev/null |
    awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-
}

# cleanup_now [--skip REASON]: the census, the cleanup, the last check and the summary, then
# exit. --skip: the checks could not run; exit 77 when nothing was left, 1 otherwise.
cleanup_now() {
  trap - EXIT INT TERM
  local skip_reason=""
  [ "${1:-}" = --skip ] && skip_reason=$2
  [ -d "$dir" ] || exit 1
  if [ -n "${interrupted:-}" ]; then
    if [ -n "$in_check" ]; then
      echo "not ok $n - $in_check # interrupted by a signal: this check and those after it did not finish"
    else
      n=$((n + 1))
      echo "not ok $n - interrupted by a signal: the checks after $((n - 1)) did not run"
    fi
    failed=$((failed + 1))
  fi
  local report="" id pid i
  # What a failed check left is removed as an engine removes it: through containerd.
  if [ -n "$containerd_pid" ] && [ -e "/proc/$containerd_pid" ]; then
    for id in $(c container ls -q 2>/dev/null); do
      report+="container left: $id (removed now)"$'\n'
      c task kill --all --signal SIGKILL "$id" >/dev/null 2>&1
      for i in $(seq 50); do
        [ "$(task_status "$id")" = STOPPED ] || [ -z "$(task_status "$id")" ] && break
        sleep 0.1
      done
      c task rm --force "$id" >/dev/null 2>&1
      c container rm "$id" >/dev/null 2>&1
    done
    c image rm "$image" >/dev/null 2>&1
    kill -TERM "$containerd_pid"
    for i in $(seq 100); do
      [ -e "/proc/$containerd_pid" ] || break
      sleep 0.1
    done
    wait "$containerd_pid" 2>/dev/null
  fi
  local left
  for i in $(seq 50); do
    left=$(leftover_processes)
    [ -z "$left" ] && break
    sleep 0.1
  done
  [ -n "$left" ] && report+=$(sed 's/^/leftover process: /' <<<"$left")$'\n'
  local mounts cgroups state paths tmp_files etc_after
  mounts=$(leftover_mounts)
  [ -n "$mounts" ] && report+=$(sed 's/^/leftover mount: /' <<<"$mounts")$'\n'
  cgroups=$(leftover_cgroups)
  [ -n "$cgroups" ] && report+=$(sed 's/^/leftover cgroup: /' <<<"$cgroups")$'\n'
  state=$(find "/run/containerd/runc/$namespace" -mindepth 1 -maxdepth 1 2>/dev/null)
  [ -n "$state" ] && report+=$(sed 's/^/runtime state left: /' <<<"$state")$'\n'
  paths=$(for p in $(host_paths); do [ -e "$p" ] && ! grep -qxF "$p" <<<"$host_before" && echo "$p"; done)
  [ -n "$paths" ] && report+=$(sed "s|^$host_run|/run (the host's)|; s/^/host path created: /" <<<"$paths")$'\n'
  tmp_files=$(comm -13 <(echo "$host_tmp_before") <(host_tmp_files))
  [ -n "$tmp_files" ] && report+=$(sed 's|^|file created in /tmp: /tmp/|' <<<"$tmp_files")$'\n'
  etc_after=$(ls -la --time-style=full-iso /etc/containerd 2>&1; cat /etc/containerd/* 2>&1)
  [ "$etc_after" = "$etc_before" ] || report+="/etc/containerd changed during the run"$'\n'

  # Now remove whatever is left, reported or not: processes by PID (SIGKILL; a killed shim's
  # container is reparented here, hence the rounds), mounts (lazily, deepest first), cgroups
  # (deepest first, once empty), the namespace's parent cgroups.
  for i in 1 2 3; do
    [ -z "$left" ] && break
    for pid in $(awk '{ print $1 }' <<<"$left"); do kill -KILL "$pid" 2>/dev/null; done
    sleep 0.5
    left=$(leftover_processes)
  done
  for i in $(leftover_mounts | awk '{ print $1 }' | sort -r); do umount -l "$i" 2>/dev/null; done
  for i in $(leftover_cgroups); do rmdir "$i" 2>/dev/null; done
  local parents=0 parent
  while read -r parent; do
    [ -n "$parent" ] || continue
    if rmdir "$parent" 2>/dev/null; then
      parents=$((parents + 1))
    else
      report+="leftover cgroup: $parent (not empty: $(ls -d "$parent"/*/ 2>/dev/null | tr '\n' ' '))"$'\n'
    fi
  done <<<"$(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$namespace" 2>/dev/null)"
  for p in $paths; do rm -rf "$p"; done
  for p in $tmp_files; do rm -rf "/tmp/$p"; done

  if [ -n "$log_calls" ] && [ -s "$dir/logs/calls" ]; then
    sed -E "s|$dir|DIR|g; s|[0-9]{6,}|N|g; s|/run/containerd/runc/$namespace|/run/containerd/runc/NS|g" \
      "$dir/logs/calls" | sort | uniq -c | sort -rn | sed 's/^ */# runtime call: /'
  fi
  [ "$parents" -gt 0 ] &&
    echo "# note: removed the namespace's parent cgroup /$namespace in $parents hierarchies (made with the containers' cgroups; no runtime removes it)"
  # containerd's errors, but 1.6's "copy shim log ... file already closed", said when a shim
  # ends before its task started (a runtime's failed create).
  grep 'level=error' "$dir/containerd.log" 2>/dev/null | grep -v 'msg="copy shim log"' |
    cut -c1-300 | sed 's/^/# containerd: /' | head -20
  rm -rf "$dir"
  if [ -n "$skip_reason" ]; then
    [ -n "$report" ] && { printf '%s' "$report" | sed 's/^/# the run left things behind (now removed): /'; exit 1; }
    echo "# skipped: $skip_reason"
    exit 77
  fi
  n=$((n + 1))
  if [ -z "$report" ]; then
    echo "ok $n - nothing left: no container, process, mount, cgroup, runtime state or host path"
    passed=$((passed + 1))
  else
    echo "not ok $n - the run left things behind (now removed)"
    printf '%s' "$report" | sed 's/^/#   /'
    failed=$((failed + 1))
  fi
  echo "1..$n"
  echo "# $name: $(seconds_since "$started") s"
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}

trap 'interrupted=1; cleanup_now' INT TERM
trap 'cleanup_now' EXIT

echo "# containerd $(containerd --version | awk '{ print $3 }') and ctr with the runc v2 shim, runtime $runtime ($name)${log_calls:+, calls recorded}"
# A session of its own: a Ctrl-C on the terminal (SIGINT to the foreground process group) is
# the script's to handle; containerd would shut down on it and leave its shims to the census.
# setsid does not fork here (a background job is no process group leader), so $! is
# containerd's PID; the host's /run stays out of its reach.
setsid containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 {host_run_fd}<&- &
containerd_pid=$!
for _ in $(seq 100); do
  c version >/dev/null 2>&1 && break
  [ -e "/proc/$containerd_pid" ] || break
  sleep 0.1
done
if ! c version >/dev/null 2>&1; then
  echo "# containerd did not start; its log:"
  sed 's/^/#   /' "$dir/containerd.log" | tail -20
  cleanup_now --skip "containerd does not start here"
fi
if ! make_image; then
  n=1
  echo "not ok 1 - an OCI image layout from busybox-static, imported with ctr image import"
  failed=1
  exit 1
fi

check "run a command, output seen" t_command
check "exit code 42 propagated by ctr run, stdout and stderr apart" t_exit_code
check "a shell script on standard input (no terminal)" t_stdin
check "the default spec inside: capabilities, no_new_privs, no seccomp, lo only, read-only /proc/sys and /sys, masked paths" t_defaults
check "inheritable and ambient capabilities empty, as the spec has them" t_caps_unasked
check "--env and --cwd" t_env_cwd
check "--read-only: / and /tmp read-only, /run and /dev/shm writable" t_read_only
check "--seccomp: containerd's default profile refuses unshare -U; without it, unshare -U works" t_seccomp
check "--cap-drop CAP_CHOWN: not in CapEff, chown fails" t_cap_drop
check "--memory-limit and --cpus in the host's cgroup; ctr task metrics" t_limits
check "--cpu-shares 512 in the host's cgroup" t_cpu_shares
check "--memory-limit 64 MiB: allocating 256 MiB is OOM-killed (SIGKILL, counted by the cgroup)" t_memory_oom
check "ctr task exec: the container's namespaces, exit code, stdin, a missing program" t_exec
check "ctr task ps lists the container's processes" t_ps
check "ctr task kill: SIGTERM to a trapping shell (ctr run returns 3), then --all SIGKILL (137), shim and cgroups gone" t_kill
check "ctr task pause and resume: frozen, then running" t_pause
check "--tty for ctr run and ctr task exec: the container's stdio is a terminal" t_tty
check "--annotation org.cloister.landlock.*: Landlock confines the container's writes" t_cloister_annotations
# cleanup_now (EXIT) adds the last check and the summary.
