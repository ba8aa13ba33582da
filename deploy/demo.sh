#!/usr/bin/env bash
# Installs, builds and runs hwload-server on its SQLite default with the demo school.
# HWLOAD_LISTEN (default 127.0.0.1:8080) and HWLOAD_DB (default ./hwload.db) override.
#
# Every route but the public ones needs a token. The first run issues the demo's
# operator token and keeps it in $HWLOAD_DB.demo-token (mode 0600), so the README's
# tour can use it: export HWLOAD_TOKEN=$(cat hwload.db.demo-token).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh -DHWLOAD_BUILD_TESTS=OFF -DHWLOAD_BUILD_BENCH=OFF -DHWLOAD_SANITIZE=OFF
listen="${HWLOAD_LISTEN:-127.0.0.1:8080}"
db="${HWLOAD_DB:-hwload.db}"
token_file="$db.demo-token"
if [ ! -s "$token_file" ]; then
  (umask 077 && build/server/hwload-server --db "$db" token create --role operator --label "demo operator" |
    tail -n 1 > "$token_file")
fi
echo
echo "hwload-server on http://$listen (Ctrl-C stops it); the CLI is build/client-sdk/hwload"
echo "the demo's operator token is in $token_file; for the CLI and curl:"
echo "  export HWLOAD_TOKEN=\$(cat $token_file)"
exec build/server/hwload-server --demo --listen "$listen" --db "$db"
