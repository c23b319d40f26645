#!/usr/bin/env bash
# What the machine holds that a test run could leave behind: processes, zombies, mounts,
# cgroup directories and /tmp entries.
#   census.sh take FILE      write a snapshot
#   census.sh compare FILE   compare the machine now with the snapshot; exit 1 naming each
#                            thing that appeared and stayed (processes get a grace period to
#                            end and be reaped: an orphan's parent may reap it a moment later)
set -uo pipefail

# This script's own ancestors and descendants (the test runner, ps, ...) are not counted.
own_tree() {
  local pid=$$
  while [ "$pid" -gt 1 ]; do
    echo "$pid"
    pid=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null || echo 1)
  done
}

# pid:starttime (unique across pid reuse), state, name. Left out: kernel threads (children of
# kthreadd, pid 2), this script's ancestors (the test runner) and its descendants (cat, sort).
processes() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v self=$$ -v ancestors=" $(own_tree | tr '\n' ' ') " '
    {
      lp = index($0, "("); rp = 0
      for (i = length($0); i > 0; i--) if (substr($0, i, 1) == ")") { rp = i; break }
      pid = substr($0, 1, lp - 2); name = substr($0, lp + 1, rp - lp - 1)
      split(substr($0, rp + 2), f, " ")
      state[pid] = f[1]; parent[pid] = f[2]; start[pid] = f[20]; comm[pid] = name
    }
    END {
      for (pid in state) {
        if (pid == 2 || parent[pid] == 2 || index(ancestors, " " pid " ")) continue
        mine = 0
        for (p = pid; p > 1 && !mine; p = parent[p]) if (p == self) mine = 1
        if (!mine) print "process " pid ":" start[pid] " " state[pid] " " comm[pid]
      }
    }'
}

mounts() { awk '{print "mount", $5, $(NF-2), $(NF-1)}' /proc/self/mountinfo; }
cgroups() { { find /sys/fs/cgroup -type d 2>/dev/null || true; } | sed 's/^/cgroup /'; }
tmp_entries() { { find /tmp -mindepth 1 -maxdepth 1 2>/dev/null || true; } | sed 's/^/tmp /'; }

snapshot() { { processes; mounts; cgroups; tmp_entries; } | LC_ALL=C sort; }

# Lines of now that the snapshot lacks (zombies always count: one that was there before and
# is still a zombie is a leak of someone else's, not ours, so only new ones are named).
# No process substitution: comm would be exec'd over the subshell that forked it, leaving
# that child for PID 1 to reap, which the next look then counts as a zombie of ours.
appeared() {
  snapshot >"$1.now"
  LC_ALL=C comm -13 "$1" "$1.now"
  rm -f "$1.now"
}

case "${1:-}" in
  take)
    snapshot >"$2" || exit 1
    echo "census: $(grep -c '^process' "$2") processes, $(grep -c '^mount' "$2") mounts," \
      "$(grep -c '^cgroup' "$2") cgroup directories, $(grep -c '^tmp' "$2") /tmp entries"
    ;;
  compare)
    left=""
    for _ in $(seq 1 20); do
      left=$(appeared "$2")
      [ -z "$left" ] && break
      sleep 0.5
    done
    if [ -n "$left" ]; then
      echo "census: left behind by the test run (compared with the snapshot taken before it):"
      echo "$left" | sed 's/^/  /'
      zombies=$(echo "$left" | awk '$1 == "process" && $3 == "Z"' | wc -l)
      echo "census: $(echo "$left" | wc -l) new entries, $zombies of them zombies"
      exit 1
    fi
    echo "census: nothing left behind: no new process, zombie, mount, cgroup directory or /tmp entry"
    ;;
  *)
    echo "usage: census.sh take FILE | compare FILE" >&2
    exit 2
    ;;
esac
