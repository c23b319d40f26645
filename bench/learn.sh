#!/usr/bin/env bash
# cloister learn's figures: the slowdown of each workload under learning against the same
# run without it (median wall time of N runs, interleaved), and the size of each learned
# allowlist against the default policy (as `cloister explain --profile` counts them).
#   bash bench/learn.sh build-rel/cloister [N]
set -euo pipefail
cloister=$(realpath "$1")
n=${2:-15}
work=$(mktemp -d /tmp/cloister-learn-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir "$work/data"
head -c 4000000 /usr/bin/python3.11 > "$work/data/file"
gzip_root=(--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64
           --ro-bind "$work/data" /data --proc /proc --dev /dev)

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# One timed run of "$@" (ns on stdout); its output goes to /dev/null.
timed() { local t0; t0=$(now); "$@" >/dev/null 2>&1; echo $(( $(now) - t0 )); }

port=18765
serve_once() {  # $@: cloister run|learn ... ; starts http.server, one request, SIGINT
  "$@" python3 -m http.server --bind 127.0.0.1 --directory /usr/share/doc/python3 $port >/dev/null 2>&1 &
  local pid=$!
  until curl -s -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.01; done
  kill -INT $pid; wait $pid || true
}

declare -A run_ns learn_ns
for name in sh python gzip; do : > "$work/$name.run"; : > "$work/$name.learn"; done
for i in $(seq "$n"); do
  timed "$cloister" run -- sh -c 'ls /usr; cat /etc/os-release' >> "$work/sh.run"
  timed "$cloister" learn -o "$work/sh.toml" -- sh -c 'ls /usr; cat /etc/os-release' >> "$work/sh.learn"
  timed serve_once "$cloister" run --net=host --chdir /usr/share/doc/python3 -- >> "$work/python.run"
  timed serve_once "$cloister" learn -o "$work/python.toml" --net=host --chdir /usr/share/doc/python3 -- >> "$work/python.learn"
  timed "$cloister" run "${gzip_root[@]}" -- gzip -c /data/file >> "$work/gzip.run"
  timed "$cloister" learn -o "$work/gzip.toml" "${gzip_root[@]}" -- gzip -c /data/file >> "$work/gzip.learn"
done

allowed() { "$cloister" explain "$@" -- COMMAND | sed -n 's/^seccomp: \([0-9]*\) of \([0-9]*\) syscalls allowed, \([0-9]*\) more with conditions.*/\1 + \3 conditional (of \2)/p'; }
echo "default policy: $(allowed)"
printf '%-8s %12s %12s %8s  %s\n' workload run_ms learn_ms slowdown "learned allowlist"
for name in sh python gzip; do
  r=$(median < "$work/$name.run"); l=$(median < "$work/$name.learn")
  printf '%-8s %12.1f %12.1f %8.2f  %s\n' "$name" "$(echo "$r/1000000" | bc -l)" \
    "$(echo "$l/1000000" | bc -l)" "$(echo "$l/$r" | bc -l)" "$(allowed --profile "$work/$name.toml")"
done
