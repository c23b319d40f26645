#!/usr/bin/env bash
# `podman run --rm --network none IMAGE true` with several OCI runtimes in one run: crun and
# runc (Debian's) and the runtime under test, cloister's cloister-oci by default.
#
#   bash bench/oci.sh [ROUNDS] [[NAME=]PATH ...]
#
# ROUNDS (default 30) measured rounds after 2 warm-up rounds; every round runs every
# runtime once, in an order shuffled per round (the seed is printed; OCI_BENCH_SEED=S
# repeats it). Runtimes default to /usr/bin/crun /usr/bin/runc build-rel/cloister-oci; a
# missing one is left out, said so. The last runtime given is the one under test: the table
# ends with its ratio to each other one (median of its times over the other's), with a 95%
# paired bootstrap interval over rounds (2000 resamples). Times are wall clock around the
# whole podman command: podman, conmon, the runtime's create/start/delete, the container.
#
# Same throwaway podman environment as tests/oci/podman-suite.sh (tests/oci/podman-env.sh):
# private mount namespace, its own storage and configuration, an imported busybox image, no
# registry; everything is removed at the end and a leftover fails the run. As root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/oci/podman-env.sh"
[ "$(id -u)" -eq 0 ] || { echo "bench/oci.sh runs as root" >&2; exit 2; }
oci_enter_namespace "$0" "$@" || exit 1

rounds=${1:-30}
[ $# -gt 0 ] && shift
[[ "$rounds" =~ ^[0-9]+$ ]] && [ "$rounds" -ge 2 ] || { echo "usage: $0 [ROUNDS>=2] [[NAME=]PATH ...]" >&2; exit 2; }
[ $# -gt 0 ] || set -- /usr/bin/crun /usr/bin/runc "$(cd "$here/.." && pwd)/build-rel/cloister-oci"

# Names and absolute paths; a repeated name gets #2, #3.
names=() paths=()
for arg in "$@"; do
  name=${arg%%=*} path=${arg#*=}
  [ "$name" = "$arg" ] && name=$(basename "$path")
  if [ ! -x "$path" ]; then
    echo "# left out: $name ($path does not exist or is not executable)"
    continue
  fi
  path=$(cd "$(dirname "$path")" && pwd)/$(basename "$path")
  base=$name i=1
  while printf '%s\n' "${names[@]}" | grep -qxF "$name"; do i=$((i + 1)); name="$base#$i"; done
  names+=("$name") paths+=("$path")
done
[ ${#names[@]} -ge 1 ] || { echo "no runtime to measure" >&2; exit 1; }

oci_setup "${paths[@]}"
cleanup() {
  trap - EXIT INT TERM
  local report
  report=$(oci_cleanup "${paths[@]}")
  if [ -n "$report" ]; then
    echo "the run left things behind (now removed):"
    sed 's/^/  /' <<<"$report"
    exit 1
  fi
}
trap 'cleanup; exit 1' INT TERM
trap cleanup EXIT
why=$(oci_why_not "${paths[0]}")
[ -z "$why" ] || { echo "podman cannot work here: $why"; exit 1; }
oci_image || { echo "podman import failed"; exit 1; }

seed=${OCI_BENCH_SEED:-$((EPOCHSECONDS % 32768))}
RANDOM=$seed
echo "reproduce: OCI_BENCH_SEED=$seed bash bench/oci.sh $rounds $(for i in "${!names[@]}"; do printf '%s=%s ' "${names[$i]}" "${paths[$i]}"; done)"
echo "podman $(podman --version | awk '{print $3}'), conmon $(conmon --version | awk 'NR==1{print $3}'), $(nproc) CPUs: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
for i in "${!names[@]}"; do
  echo "${names[$i]}: ${paths[$i]} ($("${paths[$i]}" --version 2>/dev/null | head -1))"
done

samples="$OCI_DIR/samples.csv" # round,name,ms
echo "round,name,ms" >"$samples"
# One timed podman run; a failure stops the bench with podman's output.
one() {
  local i=$1 round=$2 t0 t1 out
  t0=$EPOCHREALTIME
  out=$(oci_podman "${paths[$i]}" run --rm --network none "$OCI_IMAGE" true 2>&1)
  local rc=$?
  t1=$EPOCHREALTIME
  if [ $rc -ne 0 ]; then
    echo "${names[$i]}: podman run failed (exit $rc): $out"
    exit 1
  fi
  [ "$round" -gt 0 ] && echo "$round,${names[$i]},$(bc <<<"scale=3; ($t1 - $t0) * 1000 / 1")" >>"$samples"
  return 0
}

for round in $(seq -1 "$rounds"); do # rounds -1 and 0 warm up
  [ "$round" -eq 0 ] && continue
  order=("${!names[@]}")
  for ((k = ${#order[@]} - 1; k > 0; k--)); do # Fisher-Yates
    j=$((RANDOM % (k + 1)))
    t=${order[$k]} order[$k]=${order[$j]} order[$j]=$t
  done
  r=$round
  [ "$round" -lt 0 ] && r=0
  for i in "${order[@]}"; do one "$i" "$r"; done
done

python3 - "$samples" "$seed" "${names[@]}" <<'EOF'
import csv, random, statistics, sys
path, seed, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = {n: {} for n in names}
for row in csv.DictReader(open(path)):
    times[row["name"]][int(row["round"])] = float(row["ms"])
rounds = sorted(set.intersection(*(set(t) for t in times.values())))
rng = random.Random(seed)
resamples = [[rng.choice(rounds) for _ in rounds] for _ in range(2000)]
def interval(values):
    values = sorted(values)
    return values[int(0.025 * len(values))], values[int(0.975 * len(values)) - 1]
print(f"\n{len(rounds)} rounds, `podman run --rm --network none IMAGE true`, wall ms")
print(f"{'runtime':<16} {'median':>8} {'95% CI of median':>20} {'min':>8} {'max':>8}")
for n in names:
    v = [times[n][r] for r in rounds]
    lo, hi = interval(statistics.median(times[n][r] for r in s) for s in resamples)
    print(f"{n:<16} {statistics.median(v):8.1f} {f'[{lo:.1f}, {hi:.1f}]':>20} {min(v):8.1f} {max(v):8.1f}")
if len(names) > 1:
    test = names[-1]
    print(f"\n{'ratio':<24} {'median':>8} {'95% paired bootstrap':>22}")
    for n in names[:-1]:
        ratio = statistics.median(times[test][r] for r in rounds) / statistics.median(times[n][r] for r in rounds)
        lo, hi = interval(statistics.median(times[test][r] for r in s) /
                          statistics.median(times[n][r] for r in s) for s in resamples)
        print(f"{test + '/' + n:<24} {ratio:8.3f} {f'[{lo:.3f}, {hi:.3f}]':>22}")
EOF
