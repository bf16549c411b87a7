#!/usr/bin/env bash
# Mail throughput: tsunagu's durable outbox against a plain smtplib loop.
#
# Queues N (default 10,000) Japanese mails with `tsunagu mail bulk`, delivers
# them with `tsunagu worker --once` to an aiosmtpd server on loopback, then
# sends the very same messages to the same server with a /usr/bin/python3
# smtplib loop over one connection.  Prints mails/s of both and the ratio
# (tsunagu / smtplib).  The outbox writes every message to the database
# before sending and marks each one sent after the server accepts it; the
# ratio shows what that durability costs.
#
#   bench/mail.sh            N=10000
#   N=2000 bench/mail.sh
#
# Absolute figures drift on shared machines; compare the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/tsunagu}
N=${N:-10000}
[ -x "$BIN" ] || { echo "$BIN is missing: run make build" >&2; exit 1; }
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { echo "python3-aiosmtpd is missing: run scripts/bootstrap" >&2; exit 1; }
exec /usr/bin/python3 bench/mail.py "$BIN" "$N"
