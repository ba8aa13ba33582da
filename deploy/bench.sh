#!/usr/bin/env bash
# Runs the measurements of docs/PERFORMANCE.md on this machine, side by side:
#   1. Google Benchmark: the analytics and the protobuf/JSON codec, in process;
#   2. hwload-server under hwload-bench: single-assignment posts, 40-student timing
#      reports, and a mixed read/write load, each checked afterwards (every
#      acknowledged record stored exactly once);
#   3. the baselines: nginx answering `return 200` to the same load, and a raw SQLite
#      insert loop of the same timing rows;
#   4. reads on a county-sized store: a fresh server seeded through the API with a whole
#      term for 504 classes (~8M timings), then a class's week, a grade's week and the
#      district's term compliance, one after the other on one connection.
# HWLOAD_BENCH_SECONDS (default 10) and HWLOAD_BENCH_CONNECTIONS (default 64) override;
# HWLOAD_BENCH_SEED_DAYS limits section 4 to the term's first N school days (seeding the
# whole term takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx
fi
BUILD_DIR=${BUILD_DIR:-build-bench} bash deploy/build.sh -DHWLOAD_BUILD_TESTS=OFF -DHWLOAD_BUILD_BENCH=ON
b=${BUILD_DIR:-build-bench}
seconds=${HWLOAD_BENCH_SECONDS:-10}
connections=${HWLOAD_BENCH_CONNECTIONS:-64}
work=$(mktemp -d)
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A fresh hwload-server on DB at 127.0.0.1:PORT, limits off; sets $token (an operator's)
# and $server_pid, and returns once it listens.
start_server() {
  token=$("$b/server/hwload-server" --db "$1" token create --role operator --label bench | tail -n 1)
  rm -f "$work/port"
  "$b/server/hwload-server" --db "$1" --listen "127.0.0.1:$2" --config deploy/bench/hwload-bench.toml \
    --log-level warn --port-file "$work/port" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
}
# Prints the server's peak and current memory, then stops it.
stop_server() {
  echo "server RSS (kB): $(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status") peak," \
    "$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status") now"
  kill "$server_pid"
  wait "$server_pid" || true
  server_pid=
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
echo "== 1. in-process benchmarks"
"$b/bench/hwload_bench_analytics" --benchmark_min_time=0.5
"$b/bench/hwload_bench_codec" --benchmark_min_time=0.5

echo "== 2. hwload-server ($connections connections, $seconds s each)"
run() { "$b/tools/bench/hwload-bench" --token "$token" --connections "$connections" --seconds "$seconds" --schools 14 "$@"; }
# A county's shape: 14 schools x 9 grades x 4 classes. The single posts (each for a
# random school day of the term) leave about 4 assignments a class-day, and so does the
# timing pool (posted first, round-robin over classes and school days): each gets a
# fresh server and file, as the raw SQLite loop gets a fresh file, so that a class-day
# holds 2-6 assignments as the synthetic schools say, not both loads' 8. The mixed load
# follows the timings on their file.
db="$work/assign.db"
start_server "$db" 18181
run --server http://127.0.0.1:18181 --mode assign --verify-db "$db"
stop_server
db="$work/timings.db"
start_server "$db" 18184
run --server http://127.0.0.1:18184 --mode timings --pool 200000 --verify-db "$db"
run --server http://127.0.0.1:18184 --mode mixed
stop_server

echo "== 3. baselines"
mkdir -p "$work/nginx/logs"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx_bin" -p "$work/nginx" -c "$PWD/deploy/bench/nginx.conf" -e stderr
sleep 0.5
run --server http://127.0.0.1:18182 --mode assign --baseline
run --server http://127.0.0.1:18182 --mode timings --baseline --pool 1000
"$b/tools/bench/hwload-bench" --mode sqlite-raw --db "$work/raw.db" --seconds "$seconds"

echo "== 4. reads on a county-sized store (14 schools x 9 grades x 4 classes, ${HWLOAD_BENCH_SEED_DAYS:-all} school days)"
db="$work/county.db"
start_server "$db" 18183
county() {
  "$b/tools/bench/hwload-bench" --server http://127.0.0.1:18183 --token "$token" --schools 14 --classes-per-grade 4 \
    ${HWLOAD_BENCH_SEED_DAYS:+--days "$HWLOAD_BENCH_SEED_DAYS"} "$@"
}
# --verify-db: every seeded report stored with its 40 timings, and the store's row counts.
county --mode seed --connections 4 --verify-db "$db"
county --mode reads --connections 1 --seconds "$seconds"
# Server-side: the time in the API (no queueing or sockets), as /metrics histograms.
echo "server-side latency histograms of the reads (le = upper bound in seconds, cumulative counts):"
curl -s -H "Authorization: Bearer $token" http://127.0.0.1:18183/metrics |
  grep -E 'duration_seconds_(bucket|count)\{route="/v1/(compliance|schools/\{school_id\}/(classes/\{class_id\}/load|grades/\{grade\}/weeks/\{week\}))",method="GET"' |
  grep -E 'le="(0.0005|0.001|0.0025|0.005|0.25|0.5)"|_count'
echo "store files (the WAL holds what is not checkpointed yet):"
du -h "$db"*
stop_server
