#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/CMakeLists.txt) with clang in BUILD_DIR, replays
# every input under tests/fuzz/regressions/, then runs the targets side by side for SECONDS
# from a copy of the checked-in corpus (new corpus entries are not kept). Exits 0 when no
# input crashed, hung (10 s) or grew memory (512 MiB per allocation, 2 GiB resident); else 1,
# printing each failing input (base64) to check in as a regression. Exit 77: no clang or no
# libFuzzer runtime here (scripts/deps.sh clang-14 libclang-rt-14-dev installs them).
#   bash tests/fuzz/run.sh SOURCE_DIR BUILD_DIR [SECONDS]
set -euo pipefail
src=$(cd "$1" && pwd) build=$2 seconds=${3:-60}
cxx=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$cxx" ]; then
  echo "SKIP: no clang++ (install clang-14 and libclang-rt-14-dev: scripts/deps.sh)"
  exit 77
fi
probe=$(mktemp -d /tmp/cloister-fuzz-probe.XXXXXX)
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
  "$cxx" -fsanitize=fuzzer -x c++ - -o "$probe/probe" 2>"$probe/err"; then
  echo "SKIP: $cxx cannot link -fsanitize=fuzzer (install libclang-rt-14-dev): $(head -n 3 "$probe/err")"
  rm -rf "$probe"
  exit 77
fi
rm -rf "$probe"
cmake -S "$src" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCLOISTER_SANITIZE=ON -DCLOISTER_TESTS=OFF -DCLOISTER_BENCH=OFF -DCLOISTER_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_profile fuzz_group fuzz_cli

work=$(mktemp -d /tmp/cloister-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
limits=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512)
# libFuzzer starts llvm-symbolizer and exits without reaping it: each fuzzer runs under a
# subreaper that reaps what it leaves.
reaped=(python3 "$src/tests/subreaper.py" 10)
status=0

report() {  # TARGET LOG: print what failed and the inputs to keep
  echo "fuzz_$1 failed; its log ends:"
  tail -n 40 "$2"
  for input in "$work/$1-"crash-* "$work/$1-"timeout-* "$work/$1-"oom-* "$work/$1-"leak-*; do
    [ -e "$input" ] || continue
    echo "input $(basename "$input") (base64; add it under tests/fuzz/regressions/$1/):"
    base64 -w 0 "$input"
    echo
  done
}

targets=(profile group cli)
for target in "${targets[@]}"; do
  regressions=("$src/tests/fuzz/regressions/$target"/*)
  [ -e "${regressions[0]}" ] || continue
  if ! "${reaped[@]}" "$build/tests/fuzz/fuzz_$target" "${limits[@]}" "${regressions[@]}" >"$work/$target-replay.log" 2>&1; then
    report "$target" "$work/$target-replay.log"
    status=1
  else
    echo "fuzz_$target: ${#regressions[@]} regression inputs replayed, all pass"
  fi
done

pids=()
for target in "${targets[@]}"; do
  mkdir -p "$work/$target-corpus"
  cp "$src/tests/fuzz/corpus/$target"/* "$work/$target-corpus/"
  "${reaped[@]}" "$build/tests/fuzz/fuzz_$target" "${limits[@]}" -max_total_time="$seconds" -max_len=8192 \
    -dict="$src/tests/fuzz/$target.dict" -artifact_prefix="$work/$target-" -print_final_stats=1 \
    "$work/$target-corpus" >"$work/$target.log" 2>&1 &
  pids+=($!)
done
for i in "${!targets[@]}"; do
  target=${targets[$i]}
  if wait "${pids[$i]}"; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target.log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz_$target: ${seconds} s, $runs inputs, no crash, hang or memory growth"
  else
    report "$target" "$work/$target.log"
    status=1
  fi
done
exit $status
