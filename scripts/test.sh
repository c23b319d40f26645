#!/usr/bin/env bash
# Builds cloister with ASan+UBSan and runs every test (unit, integration as root and as
# uid 65534, bubblewrap's own suite against cloister as bwrap, fuzzing with clang for a
# bounded time, the README's examples, the man pages, completions and install rules); ends
# with ctest's summary. The Debian package is tested by tests/package.sh (.ci/run runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh cmake g++ make libgtest-dev libseccomp-dev libtomlplusplus-dev nlohmann-json3-dev bubblewrap util-linux passt
# bubblewrap's own tests (tests/bwrap-suite.sh): apt-get source unpacks with dpkg-source; the
# tests use python3-seccomp, capsh/getpcaps and strace's fault injection.
bash scripts/deps.sh dpkg-dev xz-utils gcc python3 python3-seccomp python3-tap libcap2-bin strace uidmap
# The fuzz test (tests/fuzz/run.sh) builds with clang's libFuzzer.
bash scripts/deps.sh clang-14 libclang-rt-14-dev
# The shipped profiles' tests run real programs under them (tests/integration/profiles_test.cpp).
bash scripts/deps.sh busybox-static xvfb x11-utils libxml2-utils make curl
# The OCI runtime under real podman (tests/oci/): podman with conmon, crun and runc beside.
bash scripts/deps.sh podman conmon crun runc uidmap bc
# ... and under containerd's ctr with its runc v2 shim (tests/oci/ctr-suite.sh).
bash scripts/deps.sh containerd
# libcloister's examples are built against an installed tree with pkg-config.
bash scripts/deps.sh pkg-config
# The man pages are checked with man and groff, the completions with bash and zsh.
bash scripts/deps.sh man-db groff-base zsh
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DCLOISTER_SANITIZE=ON -DCLOISTER_BENCH=OFF >/dev/null
cmake --build build-test -j"$(nproc)"
# ctest runs under a subreaper that reaps the orphans tests leave (a keeper outliving its
# launcher, a shell's process substitution) as they end, whatever PID 1 here does with them;
# what still runs is the census's to find.
python3 tests/subreaper.py 10 ctest --test-dir build-test --output-on-failure
