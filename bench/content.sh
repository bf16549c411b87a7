#!/usr/bin/env bash
# Load test of the public notice pages with 10,000 published notices:
# tsunagu against nginx serving the identical bytes from files, in the same
# run, on loopback.  For each page it prints requests/s of both and the ratio;
# then the query plans of the list (EXPLAIN QUERY PLAN) with their times.
#
#   bench/content.sh          (DURATION=10s, CONNS=64, NOTICES=10000)
#   EXTRA_SQL='CREATE INDEX ...' bench/content.sh
#                             the same with SQL run on the database after loading (to
#                             measure an index or a query change before it is a migration)
#
# Pages: the list's first page, its last page (20 a page: page 500 of
# 10,000, the deepest OFFSET), one notice, and the home page (its notice
# slots read the same table).  Each is measured as a visitor gets it: the
# first request renders it, the rest come from the page cache
# (web/page_cache.h) until something changes.  Absolute figures drift on
# shared machines; compare the ratios (aim >= 0.5 each).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
WRK_THREADS=${WRK_THREADS:-2}
THREADS=${THREADS:-16}
NOTICES=${NOTICES:-10000}
PER_PAGE=20 # WEB_PUBLIC_PER_PAGE (src/web/content_public.h)
BIN=${BIN:-build/tsunagu}
PY=/usr/bin/python3

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

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

rps() { # url -> requests/s
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency "$1" >"$work/wrk.out" 2>&1
  awk '/Requests\/sec/ {print $2}' "$work/wrk.out"
}

"$BIN" migrate --data "$work/data" >/dev/null
newest=$($PY bench/content_load.py load "$work/data/tsunagu.db" "$NOTICES")
last=$(((NOTICES + PER_PAGE - 1) / PER_PAGE))
if [ -n "${EXTRA_SQL:-}" ]; then
  $PY bench/content_load.py sql "$work/data/tsunagu.db" "$EXTRA_SQL"
  echo "extra SQL: $EXTRA_SQL"
fi

T_PORT=$(free_port)
"$BIN" serve --data "$work/data" --listen "127.0.0.1:$T_PORT" --threads "$THREADS" \
  >"$work/tsunagu.log" 2>&1 &
T_PID=$!
pids+=("$T_PID")
wait_port "$T_PORT"

# name tsunagu-path: the pages measured; each is fetched once and put in
# nginx's root under its name, so nginx serves the same bytes.
pages=("list /notices" "last /notices?page=$last" "detail /notices/$newest" "home /")
mkdir -p "$work/www"
for p in "${pages[@]}"; do
  set -- $p
  code=$(curl -s -o "$work/www/$1" -w '%{http_code}' "http://127.0.0.1:$T_PORT$2")
  [ "$code" = 200 ] || { echo "GET $2 answered $code" >&2; tail "$work/tsunagu.log" >&2; exit 1; }
done

N_PORT=$(free_port)
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
    location / { default_type "text/html; charset=utf-8"; }
  }
}
CONF
"$NGINX" -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_port "$N_PORT"

echo "$NOTICES published notices; wrk -t$WRK_THREADS -c$CONNS -d$DURATION, tsunagu threads $THREADS"
for p in "${pages[@]}"; do
  set -- $p
  bytes=$(stat -c %s "$work/www/$1")
  t=$(rps "http://127.0.0.1:$T_PORT$2")
  t_lat=$(awk '/ 99%/ {print $2}' "$work/wrk.out")
  n=$(rps "http://127.0.0.1:$N_PORT/$1")
  n_lat=$(awk '/ 99%/ {print $2}' "$work/wrk.out")
  awk -v path="$2" -v b="$bytes" -v t="$t" -v n="$n" -v tl="$t_lat" -v nl="$n_lat" 'BEGIN {
    printf "%-22s %6d bytes  tsunagu %8.0f req/s (p99 %s)  nginx %8.0f req/s (p99 %s)",
      path, b, t, tl, n, nl
    printf "  ratio %.2f%s\n", t / n, (t / n >= 0.5 ? "" : "  (below 0.5)") }'
done
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$T_PID/status")
awk -v k="$rss_kb" 'BEGIN { printf "tsunagu peak RSS: %.1f MB\n", k / 1024 }'

echo
echo "query plans (page $last of the list):"
$PY bench/content_load.py plan "$work/data/tsunagu.db" "$last" "$PER_PAGE"
