#!/usr/bin/env bash
# Installs, builds and runs every test: once as built for release, once under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh --tests
jobs=${JOBS:-2}

echo "== build and test (RelWithDebInfo) =="
BUILD_DIR=build bash deploy/build.sh -DHWLOAD_BUILD_TESTS=ON -DHWLOAD_SANITIZE=OFF
ctest --test-dir build --output-on-failure --no-tests=error -j "$jobs"

if [ "${HWLOAD_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== build and test (ASan + UBSan) =="
  BUILD_DIR=build-asan BUILD_TYPE=Debug bash deploy/build.sh -DHWLOAD_BUILD_TESTS=ON -DHWLOAD_SANITIZE=ON
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure --no-tests=error -j "$jobs"
fi
