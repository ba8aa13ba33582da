#!/usr/bin/env bash
# Installs, builds and runs hwload-server on its SQLite default with the demo school.
# HWLOAD_LISTEN (default 127.0.0.1:8080) and HWLOAD_DB (default ./hwload.db) override.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh -DHWLOAD_BUILD_TESTS=OFF -DHWLOAD_SANITIZE=OFF
echo
echo "hwload-server on http://${HWLOAD_LISTEN:-127.0.0.1:8080} (Ctrl-C stops it); the CLI is build/client-sdk/hwload"
exec build/server/hwload-server --demo --listen "${HWLOAD_LISTEN:-127.0.0.1:8080}" --db "${HWLOAD_DB:-hwload.db}"
