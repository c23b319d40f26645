#!/usr/bin/env bash
# Builds cloister with ASan+UBSan and runs every test (unit, integration as root and as
# uid 65534); ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh cmake g++ make libgtest-dev libseccomp-dev libtomlplusplus-dev bubblewrap util-linux passt
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DCLOISTER_SANITIZE=ON -DCLOISTER_BENCH=OFF >/dev/null
cmake --build build-test -j"$(nproc)"
ctest --test-dir build-test --output-on-failure
