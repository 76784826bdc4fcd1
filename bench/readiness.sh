#!/usr/bin/env bash
# Benchmark of readiness (issue 16), SQLite, release build, 2 cores. On a
# generated university of 200 units and 20,000 systems (2,000 important),
# with 7,400 shifts, 2,000 incidents and a key period for every unit:
#  - "who is on duty now" for every important system, in the process — p99 < 5 ms
#  - the incident, duty and key-period pages over HTTP (wrk) — p99 < 50 ms
#  - GET /api/v1/duty/now over HTTP (2,000 entries, ~300 KB) — for information
# Prints each figure against its target; exits 1 if one is missed.
#   bash bench/readiness.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
# WANGAN_BIN: a binary already built (to compare two builds in one session).
if [ -n "${WANGAN_BIN:-}" ]; then
  bin=$(realpath "$WANGAN_BIN")
else
  cargo build --release -q
  bin=$PWD/target/release/wangan
fi
work=$(mktemp -d /tmp/wangan-bench.XXXXXX)
pid=
trap '[ -n "$pid" ] && { kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; }; rm -rf "$work"' EXIT
export WANGAN_LOG=warn WANGAN_DATABASE_URL=
fail=0
WANGAN_LOG=warn cargo bench -q --bench readiness -- "$work" | tee "$work/inprocess.txt" || fail=1

$bin --data-dir "$work" user create bench --role officer --password 'Ready-Pass-2026' >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
$bin --data-dir "$work" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
until curl -sf "$base/healthz" >/dev/null 2>&1; do sleep 0.05; done
token=$($bin --data-dir "$work" token create bench --name bench | tail -1)
cookie=$(curl -s -o /dev/null -D - -d "username=bench&password=Ready-Pass-2026" "$base/login" | sed -n 's/^[Ss]et-[Cc]ookie: \(wangan_session=[^;]*\).*/\1/p')
[ -n "$cookie" ] || { echo "could not sign in"; exit 1; }
open=$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/incidents?state=open&per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
period=$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/key-periods" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

p99() { # url header -> p99 in ms
  wrk -t1 -c4 -d4s --latency -H "$2" "$1" > "$work/wrk.txt"
  local non2xx
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
  [ -z "$non2xx" ] || { echo "errors during load on $1: $non2xx non-2xx" >&2; cat "$work/wrk.txt" >&2; exit 1; }
  awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' "$work/wrk.txt"
}
check() { # name value target unit
  if awk -v v="$2" -v t="$3" 'BEGIN { exit !(v < t) }'; then r=ok; else r=MISSED; fail=1; fi
  printf '%-46s %10s %-3s (target < %s) %s\n' "$1" "$2" "$4" "$3" "$r"
}
echo "wangan readiness benchmark over HTTP: SQLite, $(nproc) cores, wrk -t1 -c4 -d4s on the same machine"
for page in /incidents "/incidents?state=open" "/incidents/$open" /duty /key-periods "/key-periods/$period"; do
  check "GET $page (HTML) p99" "$(p99 "$base$page" "Cookie: $cookie")" 50 ms
done
for api in /api/v1/incidents "/api/v1/incidents/$open" /api/v1/duty/coverage "/api/v1/key-periods/$period"; do
  check "GET $api p99" "$(p99 "$base$api" "Authorization: Bearer $token")" 50 ms
done
printf '%-46s %10s ms (for information: 2,000 entries as JSON)\n' "GET /api/v1/duty/now p99" "$(p99 "$base/api/v1/duty/now" "Authorization: Bearer $token")"
exit $fail
