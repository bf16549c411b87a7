#!/usr/bin/env bash
# Load test of the home page: tsunagu against nginx serving the identical
# bytes from a file, in the same run, on loopback.  Prints requests/s of both,
# the ratio, and tsunagu's peak memory (VmHWM) during the run.
#
#   bench/http.sh                 one comparison (DURATION=10s, CONNS=64)
#   bench/http.sh --threads-sweep also measure tsunagu with 2..64 threads
#
# Absolute figures drift on shared machines; compare the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
WRK_THREADS=${WRK_THREADS:-2}
BIN=${BIN:-build/tsunagu}
PATH_UNDER_TEST=${PATH_UNDER_TEST:-/}

command -v wrk >/dev/null || { echo "wrk is missing: run scripts/bootstrap" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$BIN" ] || { echo "$BIN is missing: run make build" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

start_tsunagu() { # threads -> sets T_PORT, T_PID
  T_PORT=$(free_port)
  "$BIN" serve --data "$work/data" --listen "127.0.0.1:$T_PORT" --threads "$1" >"$work/tsunagu.log" 2>&1 &
  T_PID=$!
  pids+=("$T_PID")
  wait_port "$T_PORT"
}

rps() { # url -> requests/s
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency "$1" >"$work/wrk.out" 2>&1
  awk '/Requests\/sec/ {print $2}' "$work/wrk.out"
}

"$BIN" demo --data "$work/data" >/dev/null
THREADS=${THREADS:-16}
start_tsunagu "$THREADS"
curl -s "http://127.0.0.1:$T_PORT$PATH_UNDER_TEST" -o "$work/page.html"
bytes=$(stat -c %s "$work/page.html")

# nginx serving the same bytes, at the same path, one worker per core.
N_PORT=$(free_port)
mkdir -p "$work/www"
cp "$work/page.html" "$work/www/index.html"
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$N_PORT;
    root $work/www;
    location = / { default_type "text/html; charset=utf-8"; try_files /index.html =404; }
  }
}
CONF
"$NGINX" -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_port "$N_PORT"

echo "page: $PATH_UNDER_TEST ($bytes bytes), wrk -t$WRK_THREADS -c$CONNS -d$DURATION, tsunagu threads $THREADS"
t_rps=$(rps "http://127.0.0.1:$T_PORT$PATH_UNDER_TEST")
t_lat=$(awk '/ 99%/ {print $2}' "$work/wrk.out")
n_rps=$(rps "http://127.0.0.1:$N_PORT/")
n_lat=$(awk '/ 99%/ {print $2}' "$work/wrk.out")
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$T_PID/status")
printf 'tsunagu: %10.0f req/s  p99 %s\n' "$t_rps" "$t_lat"
printf 'nginx:   %10.0f req/s  p99 %s\n' "$n_rps" "$n_lat"
awk -v t="$t_rps" -v n="$n_rps" 'BEGIN { printf "ratio tsunagu/nginx: %.2f (aim >= 0.5)\n", t / n }'
awk -v k="$rss_kb" 'BEGIN { printf "tsunagu peak RSS: %.1f MB (aim <= 64 MB)\n", k / 1024 }'

if [ "${1:-}" = "--threads-sweep" ]; then
  echo
  echo "thread-pool sweep (home page, same wrk settings):"
  kill "$T_PID"; wait "$T_PID" 2>/dev/null || true
  for th in 2 4 8 16 32 64; do
    start_tsunagu "$th"
    r=$(rps "http://127.0.0.1:$T_PORT$PATH_UNDER_TEST")
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$T_PID/status")
    awk -v th="$th" -v r="$r" -v n="$n_rps" -v k="$rss" \
      'BEGIN { printf "  threads %2d: %10.0f req/s  ratio %.2f  RSS %.1f MB\n", th, r, r / n, k / 1024 }'
    kill "$T_PID"; wait "$T_PID" 2>/dev/null || true
  done
fi
