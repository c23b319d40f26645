# A throwaway podman environment, sourced by tests/oci/podman-suite.sh, bench/oci.sh and
# tests/oci/escapes-in-container.sh. Nothing of the host's podman state is read or written:
#
#  - everything podman keeps lives under one mktemp -d directory ($OCI_DIR): --root,
#    --runroot, --tmpdir, the events log, the network config directory, the image copy
#    directory;
#  - containers.conf, storage.conf and registries.conf are ours (CONTAINERS_CONF,
#    CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF): no registry is named, storage is
#    vfs (no overlay mounts), cgroups are cgroupfs, networking is CNI's backend with its
#    config under $OCI_DIR (netavark's would create /run/containers/networks), events go to a
#    file;
#  - the image is a local root tree (busybox-static, hard-linked applets, plus what the
#    caller adds), tarred and `podman import`ed;
#  - the whole run happens in a private mount namespace of its own (oci_enter_namespace), so
#    no mount podman or a runtime makes can reach the host's, and /proc/self/mountinfo shows
#    exactly what the run left; in it /run is a fresh tmpfs, where the runtime keeps its state
#    at its default place (/run/crun, /run/runc, /run/cloister-oci) as it does under any
#    engine. (Not --runtime-flag root=...: podman 4.3 does not hand runtime flags to the
#    `podman container cleanup` that conmon runs when a container exits, so that cleanup
#    looked for the state in /run/NAME, found nothing, and left the container's cgroups.)
#
# Two things of this machine kind need that namespace too (both only inside it, nothing of
# the host changes):
#  - cgroup v1 with cgroup2 at /sys/fs/cgroup/unified holding a controller (hugetlb): crun
#    refuses such a "hybrid" setup ("drop all controllers from cgroupv2"); with the unified
#    mount taken away in our namespace every runtime sees plain cgroup v1;
#  - `podman import` writes containers/image's blob info cache to /var/lib/containers/cache
#    whatever the storage root (no option moves it for root): it runs with a tmpfs over
#    /var/lib in a nested namespace of its own.
# And one of the configuration: root here lacks CAP_SYS_RESOURCE, so podman's default
# rlimits (nofile 1048576, nproc at podman's own 32768 or above) cannot be set by any runtime:
# containers.conf sets modest ones every runtime can apply.
#
# Cleanup (oci_cleanup, from the callers' EXIT trap) removes every container and image, then
# checks, and reports as failures: processes left (the conmon PIDs podman wrote, any process
# whose command line names $OCI_DIR, any process in a cgroup of a container of the run),
# mounts under $OCI_DIR, cgroups named after a container of the run, host podman/runtime
# state directories that appeared; then kills/unmounts/removes what is left and removes
# $OCI_DIR.

# oci_enter_namespace "$0" "$@": re-executes the calling script in a private mount namespace
# (once; OCI_IN_NAMESPACE marks the inner run). unshare execs without forking, so the PID
# stays that of the caller and a subreaper above still sees everything.
oci_enter_namespace() {
  local script=$1
  shift
  if [ -z "${OCI_IN_NAMESPACE:-}" ]; then
    OCI_IN_NAMESPACE=1 exec unshare --mount --propagation private -- bash "$script" "$@"
  fi
  mount -t tmpfs -o mode=0755,size=64m cloister-oci-run /run ||
    { echo "# cannot mount a tmpfs on /run in the private namespace" >&2; return 1; }
  # crun refuses a cgroup2 mount beside the v1 controllers that has controllers of its own:
  # in this namespace its cgroup.controllers reads empty (an empty file bound over it).
  local unified=/sys/fs/cgroup/unified controllers
  if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] &&
     [ "$(stat -f -c %T "$unified" 2>/dev/null)" = cgroup2fs ]; then
    controllers=$(cat "$unified/cgroup.controllers" 2>/dev/null)
    if [ -n "$controllers" ]; then
      : >/run/.empty
      mount --bind /run/.empty "$unified/cgroup.controllers" ||
        { echo "# cannot hide $unified/cgroup.controllers in the private namespace" >&2; return 1; }
      OCI_NOTES+=("cgroup v1 with cgroup2 at $unified holding [$controllers]: its cgroup.controllers reads empty in this run's mount namespace (crun refuses such hybrid setups)")
    fi
  fi
  return 0
}

OCI_NOTES=()
OCI_AS=() # the command prefix podman runs under: empty as root, setpriv ... when rootless

# Host paths podman would write by default (outside /run, which is the namespace's own);
# none may appear during the run.
oci_host_paths() {
  echo /var/lib/containers /var/lib/cni /etc/cni/net.d/87-podman-bridge.conflist \
       /etc/cni/net.d/cni.lock /etc/containers/networks
}

# oci_setup [RUNTIME...]: makes $OCI_DIR with the configuration; sets the environment. podman
# is called through oci_podman RUNTIME ARGS... (the runtime is given per call: a container
# must be handled by the runtime that created it).
oci_setup() {
  OCI_DIR=$(mktemp -d /tmp/cloister-oci.XXXXXX)
  chmod 755 "$OCI_DIR"
  mkdir -p "$OCI_DIR"/{root,runroot,libpod,net,tmp,track,image}
  local p
  OCI_HOST_BEFORE=$(for p in $(oci_host_paths); do [ -e "$p" ] && echo "$p"; done)
  # Cgroups podman's cgroupfs manager makes as parents (it never removes them); removed at
  # the end when the run made them and they are empty.
  OCI_PARENTS_BEFORE=$(find /sys/fs/cgroup -maxdepth 2 -name libpod_parent 2>/dev/null)
  # The runtimes named here get --log/--log-format json from podman, as crun and runc do.
  local json='"crun", "runc", "kata", "runsc", "krun"' rt
  for rt in "$@"; do json+=", \"$(basename "$rt")\""; done
  # The distribution's container defaults (capabilities, sysctls), which CONTAINERS_CONF
  # would otherwise replace with containers/common's built-in ones (14 capabilities, with
  # MKNOD, NET_RAW and AUDIT_WRITE, against Debian's 11).
  local distro=""
  [ -r /usr/share/containers/containers.conf ] &&
    distro=$(awk '/^\[/ { section = $0 } section == "[containers]" && /^(default_capabilities|default_sysctls) *=/ { on = 1 }
                  on { print } on && /\]/ { on = 0 }' /usr/share/containers/containers.conf)
  cat >"$OCI_DIR/containers.conf" <<EOF
[containers]
$distro
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$OCI_DIR/events.log"
pull_policy = "never"
image_copy_tmp_dir = "$OCI_DIR/tmp"
runtime_supports_json = [$json]
[network]
network_backend = "cni"
network_config_dir = "$OCI_DIR/net"
EOF
  cat >"$OCI_DIR/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$OCI_DIR/root"
runroot = "$OCI_DIR/runroot"
EOF
  cat >"$OCI_DIR/registries.conf" <<EOF
unqualified-search-registries = []
EOF
  oci_join
}

# oci_join: the environment and podman options of the run in $OCI_DIR (exported, so that a
# process of the run under another uid calls oci_join alone).
oci_join() {
  export OCI_DIR
  export CONTAINERS_CONF="$OCI_DIR/containers.conf"
  export CONTAINERS_STORAGE_CONF="$OCI_DIR/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$OCI_DIR/registries.conf"
  export TMPDIR="$OCI_DIR/tmp"
  OCI_GLOBAL=(--root "$OCI_DIR/root" --runroot "$OCI_DIR/runroot" --tmpdir "$OCI_DIR/libpod"
              --storage-driver vfs --cgroup-manager cgroupfs --events-backend file)
  OCI_IMAGE=localhost/cloister-oci-test:latest
}

# oci_podman RUNTIME ARGS...
oci_podman() {
  local rt=$1
  shift
  "${OCI_AS[@]}" podman "${OCI_GLOBAL[@]}" --runtime "$rt" "$@"
}

# oci_rootless RUNTIME: every later podman call runs as uid 65534 (setpriv, no
# no_new_privs: newuidmap is setuid), with HOME and XDG_RUNTIME_DIR in $OCI_DIR. Its
# subordinate ids come from files bound over /etc/subuid and /etc/subgid in the run's mount
# namespace (the host's stay as they are). / becomes a shared mount in that namespace, as
# rootless podman wants for its own. Sets OCI_RUNTIME to the runtime path uid 65534 can
# execute (a copy when the original is out of its reach, e.g. under /root). Not to be called
# in a command substitution: OCI_AS must be set in the calling shell.
oci_rootless() {
  local rt=$1 uid=65534
  printf 'nobody:200000:65536\n' >"$OCI_DIR/subuid"
  printf 'nobody:200000:65536\nnogroup:200000:65536\n' >"$OCI_DIR/subgid"
  mount --bind "$OCI_DIR/subuid" /etc/subuid && mount --bind "$OCI_DIR/subgid" /etc/subgid &&
    mount --make-rshared / || return 1
  mkdir -p "$OCI_DIR/home" "$OCI_DIR/xdg" "$OCI_DIR/bin"
  chmod 700 "$OCI_DIR/xdg"
  if ! setpriv --reuid $uid --regid $uid --clear-groups test -x "$rt"; then
    cp -L "$rt" "$OCI_DIR/bin/$(basename "$rt")" && rt="$OCI_DIR/bin/$(basename "$rt")"
  fi
  chown -R $uid:$uid "$OCI_DIR"
  OCI_AS=(setpriv --reuid "$uid" --regid "$uid" --clear-groups
          env HOME="$OCI_DIR/home" XDG_RUNTIME_DIR="$OCI_DIR/xdg")
  OCI_RUNTIME=$rt
}

# oci_why_not RUNTIME: prints why podman cannot work here at all (empty when it can).
oci_why_not() {
  local tool
  for tool in podman conmon unshare; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed (Debian package: podman, conmon, util-linux)"; return; }
  done
  [ "$(id -u)" -eq 0 ] || { echo "not root"; return; }
  if [ ${#OCI_AS[@]} -gt 0 ]; then
    command -v newuidmap >/dev/null && command -v newgidmap >/dev/null ||
      { echo "rootless: newuidmap/newgidmap are not installed (Debian package uidmap)"; return; }
  fi
  [ -x /bin/busybox ] || { echo "/bin/busybox is missing (Debian package busybox-static)"; return; }
  local out
  out=$(oci_podman "$1" info --format '{{.Host.CgroupManager}}' 2>&1) ||
    { echo "podman info fails: $out"; return; }
}

# oci_image [DIR-OF-EXTRA-FILES]: the image $OCI_IMAGE from busybox-static (statically
# linked: nothing else from the host is needed), applets as hard links (crun 1.8 refuses to
# exec a symlink it resolved through PATH, ELOOP), plus the files of the extra directory.
oci_image() {
  local tree="$OCI_DIR/image/tree"
  mkdir -p "$tree"/{bin,etc,tmp,proc,sys,dev,root,run,var/tmp}
  chmod 1777 "$tree/tmp" "$tree/var/tmp"
  cp /bin/busybox "$tree/bin/busybox"
  local applet
  for applet in $("$tree/bin/busybox" --list); do
    [ -e "$tree/bin/$applet" ] || ln "$tree/bin/busybox" "$tree/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$tree/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$tree/etc/group"
  [ $# -gt 0 ] && cp -a "$1"/. "$tree"/
  tar -C "$tree" -cf "$OCI_DIR/image/tree.tar" . || return 1
  chmod a+r "$OCI_DIR/image/tree.tar"
  rm -rf "$tree"
  # The blob info cache goes to /var/lib/containers/cache: a tmpfs over /var/lib in a nested
  # mount namespace takes it (podman import needs nothing else there). Rootless, it goes to
  # $HOME/.local/share, in $OCI_DIR.
  if [ ${#OCI_AS[@]} -gt 0 ]; then
    "${OCI_AS[@]}" podman "${OCI_GLOBAL[@]}" import --change CMD=/bin/sh \
      "$OCI_DIR/image/tree.tar" "$OCI_IMAGE" >"$OCI_DIR/image/import.log" 2>&1 ||
      { sed 's/^/# /' "$OCI_DIR/image/import.log"; return 1; }
    return 0
  fi
  unshare --mount --propagation private -- bash -c '
    mount -t tmpfs -o size=16m,mode=0755 cloister-oci-import /var/lib || exit 1
    exec "$@"' bash podman "${OCI_GLOBAL[@]}" import --change CMD=/bin/sh \
    "$OCI_DIR/image/tree.tar" "$OCI_IMAGE" >"$OCI_DIR/image/import.log" 2>&1 ||
    { sed 's/^/# /' "$OCI_DIR/image/import.log"; return 1; }
}

# The container ids of the run: every container is created with --cidfile in $OCI_DIR/track
# (oci_track NAME sets the options in OCI_TRACK), and its conmon and container PIDs go
# there too.
# shellcheck disable=SC2034 # used by the sourcing scripts
oci_track() {
  OCI_TRACK=(--cidfile "$OCI_DIR/track/$1.cid" --conmon-pidfile "$OCI_DIR/track/$1.conmon"
             --pidfile "$OCI_DIR/track/$1.pid")
}

# The ids of every container of the run: from the cid files and from the events log (podman
# removes a cid file with its container).
oci_cids() {
  {
    cat "$OCI_DIR"/track/*.cid 2>/dev/null
    echo
    grep '"Type":"container"' "$OCI_DIR/events.log" 2>/dev/null | grep -o '"ID":"[0-9a-f]*"' | cut -d'"' -f4
  } | grep -E '^[0-9a-f]{64}$' | sort -u
}

# Processes left by the run: "PID what" lines. One grep over all of /proc per question (the
# grep itself, which names $OCI_DIR too, is gone when its hits are checked again).
oci_leftover_processes() {
  local pid f cids pattern
  cids=$(oci_cids)
  pattern=$(paste -sd'|' <<<"$cids")
  {
    # The PIDs podman recorded: conmon's (its command line names $OCI_DIR), the containers'
    # (their cgroup names the container id).
    for f in "$OCI_DIR"/track/*.conmon; do
      [ -s "$f" ] || continue
      pid=$(cat "$f")
      grep -qsaF "$OCI_DIR" "/proc/$pid/cmdline" && echo "$pid conmon recorded in $(basename "$f")"
    done
    if [ -n "$pattern" ]; then
      for f in "$OCI_DIR"/track/*.pid; do
        [ -s "$f" ] || continue
        pid=$(cat "$f")
        grep -qsE "$pattern" "/proc/$pid/cgroup" && echo "$pid container process recorded in $(basename "$f")"
      done
    fi
    # And anything else: a command line naming $OCI_DIR (conmon, podman's cleanup, a
    # runtime), a cgroup naming a container of the run.
    for f in $(grep -lsaF "$OCI_DIR" /proc/[0-9]*/cmdline); do
      pid=${f#/proc/}
      pid=${pid%/cmdline}
      [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
      grep -qsaF "$OCI_DIR" "$f" && echo "$pid $({ tr '\0' ' ' <"$f"; } 2>/dev/null | cut -c1-160)"
    done
    if [ -n "$pattern" ]; then
      for f in $(grep -lsE "$pattern" /proc/[0-9]*/cgroup); do
        pid=${f#/proc/}
        pid=${pid%/cgroup}
        grep -qsE "$pattern" "$f" &&
          echo "$pid in a cgroup of the run: $({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-100)"
      done
    fi
  } | sort -u -n
}

oci_leftover_mounts() { awk -v d="$OCI_DIR" 'index($5, d) == 1 { print $5 " (" $9 ")" }' /proc/self/mountinfo; }

oci_leftover_cgroups() {
  local cid
  for cid in $(oci_cids); do
    find /sys/fs/cgroup -maxdepth 6 -type d -name "*$cid*" 2>/dev/null
  done | sort -u
}

oci_new_host_paths() {
  local p
  for p in $(oci_host_paths); do
    [ -e "$p" ] && ! grep -qxF "$p" <<<"$OCI_HOST_BEFORE" && echo "$p"
  done
}

# oci_cleanup RUNTIME...: removes containers and images (with each runtime: a container must
# be removed by its own), waits a little for conmon and podman's cleanup processes to end,
# then reports what is left on stdout ("leftover: ..." lines; empty when nothing is) and
# removes it all the same. Idempotent.
oci_cleanup() {
  [ -n "${OCI_DIR:-}" ] && [ -d "$OCI_DIR" ] || return 0
  local rt
  for rt in "$@"; do
    [ -x "$rt" ] || continue
    oci_podman "$rt" rm --all --force --time 0 >/dev/null 2>&1
  done
  [ $# -gt 0 ] && oci_podman "$1" rmi --all --force >/dev/null 2>&1
  # Rootless podman keeps its user namespace in a pause process (catatonit -P) by design;
  # what it still has mounted under $OCI_DIR is a leftover, then it goes.
  local pause ns_mounts=""
  pause=$(cat "$OCI_DIR/libpod/pause.pid" 2>/dev/null)
  if [ -n "$pause" ] && grep -qs catatonit "/proc/$pause/comm"; then
    ns_mounts=$(awk -v d="$OCI_DIR" 'index($5, d) == 1 { print $5 " (" $9 ", rootless podman'"'"'s namespace)" }' \
                "/proc/$pause/mountinfo")
    kill -KILL "$pause"
  fi
  local i left
  for i in $(seq 50); do
    left=$(oci_leftover_processes)
    [ -z "$left" ] && break
    sleep 0.1
  done
  local report=""
  [ -n "$left" ] && report+=$(sed 's/^/leftover process: /' <<<"$left")$'\n'
  local mounts cgroups paths
  mounts=$(oci_leftover_mounts; [ -n "$ns_mounts" ] && echo "$ns_mounts")
  [ -n "$mounts" ] && report+=$(sed 's/^/leftover mount: /' <<<"$mounts")$'\n'
  cgroups=$(oci_leftover_cgroups)
  [ -n "$cgroups" ] && report+=$(sed 's/^/leftover cgroup: /' <<<"$cgroups")$'\n'
  paths=$(oci_new_host_paths)
  [ -n "$paths" ] && report+=$(sed 's/^/host path created: /' <<<"$paths")$'\n'
  # The runtime's state of a removed container (under /run, the namespace's tmpfs; rootless,
  # under $XDG_RUNTIME_DIR).
  local cid state
  for cid in $(oci_cids); do
    state=$(find /run "$OCI_DIR/xdg" -maxdepth 3 -name "$cid*" 2>/dev/null)
    [ -n "$state" ] && report+=$(sed 's/^/runtime state left: /' <<<"$state")$'\n'
  done
  # Now remove whatever is left, reported or not: processes by PID (SIGKILL), mounts (lazily,
  # deepest first), cgroups (deepest first, once empty), the parents podman made.
  local pid
  for pid in $(awk '{print $1}' <<<"$left"); do kill -KILL "$pid" 2>/dev/null; done
  [ -n "$left" ] && sleep 0.5
  for i in $(oci_leftover_mounts | awk '{print $1}' | sort -r); do umount -l "$i" 2>/dev/null; done
  for i in $(oci_leftover_cgroups | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-); do
    rmdir "$i" 2>/dev/null
  done
  local parent
  while read -r parent; do
    [ -n "$parent" ] || continue
    grep -qxF "$parent" <<<"$OCI_PARENTS_BEFORE" && continue
    [ -d "$parent/conmon" ] && rmdir "$parent/conmon" 2>/dev/null
    rmdir "$parent" 2>/dev/null ||
      report+="leftover cgroup: $parent (made by this run, not empty: $(ls -d "$parent"/*/ 2>/dev/null | tr '\n' ' '))"$'\n'
  done <<<"$(find /sys/fs/cgroup -maxdepth 2 -name libpod_parent 2>/dev/null)"
  for p in $paths; do rm -rf "$p"; done
  rm -rf "$OCI_DIR"
  OCI_DIR=""
  printf '%s' "$report"
}
