#!/usr/bin/env bash
# Builds cloister and runs a program in its default sandbox, showing what it can and
# cannot reach.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh cmake g++ make libseccomp-dev libtomlplusplus-dev nlohmann-json3-dev
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCLOISTER_TESTS=OFF -DCLOISTER_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
secret="${TMPDIR:-/tmp}/cloister-demo-secret.$$"
echo "secret of $(id -un)" > "$secret"
trap 'rm -f "$secret"' EXIT
echo "\$ cloister run --setenv SECRET $secret --setenv HOST_PID $$ -- /bin/sh -c \"\$(cat scripts/demo-payload.sh)\""
build/cloister run --setenv SECRET "$secret" --setenv HOST_PID $$ -- /bin/sh -c "$(cat scripts/demo-payload.sh)"
