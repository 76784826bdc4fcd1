#!/usr/bin/env bash
# Benchmark of the foundation (issue 2), on the demo data and SQLite, with the
# load generator (wrk) on the same machine. Prints rates, p99 latency, peak
# memory and cold start, each against its target; exits 1 if one is missed.
#
#   bash bench/run.sh            # 10 s per load test
#   DURATION=30 bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
source bench/web-setup.sh
trap 'echo "bench/run.sh: stopped at line $LINENO: $BASH_COMMAND" >&2' ERR

# Cold start: process start to the first 200 from /healthz.
t0=$(date +%s%N)
$bin --data-dir "$data" serve --listen "127.0.0.1:$port" >/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
until curl -sf "$base/healthz" >/dev/null 2>&1; do sleep 0.005; done
cold_ms=$(( ($(date +%s%N) - t0) / 1000000 ))

token=$($bin --data-dir "$data" token create officer --name bench | tail -1)
cookie=$(curl -s -o /dev/null -D - -d "username=officer&password=Demo-Pass-2026" "$base/login" | sed -n 's/^[Ss]et-[Cc]ookie: \(wangan_session=[^;]*\).*/\1/p')
[ -n "$cookie" ] || { echo "could not sign in"; exit 1; }
curl -sf -H "Authorization: Bearer $token" "$base/api/v1/units" >/dev/null
# Read the whole page before looking in it: `curl | grep -q` fails now and
# then under pipefail (grep stops reading at the match, curl gets SIGPIPE).
page=$(curl -sf -H "Cookie: $cookie" "$base/units")
grep -q '<table>' <<<"$page" || { echo "the units page has no table"; exit 1; }

load() { # url header -> "rps p99_ms"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "$2" "$1" > "$data/wrk.txt"
  local rps p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$data/wrk.txt")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' "$data/wrk.txt")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$data/wrk.txt")
  [ -z "$non2xx" ] || { echo "errors during load: $non2xx non-2xx"; cat "$data/wrk.txt"; exit 1; }
  echo "$rps $p99"
}
read -r api_rps api_p99 < <(load "$base/api/v1/units" "Authorization: Bearer $token")
read -r page_rps page_p99 < <(load "$base/units" "Cookie: $cookie")
peak_kb=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)

fail=0
check() { # name value op target unit
  if awk -v v="$2" -v t="$4" -v op="$3" 'BEGIN { exit !((op==">=") ? v>=t : v<t) }'; then r=ok; else r=MISSED; fail=1; fi
  printf '%-38s %12s %-5s (target %s %s) %s\n' "$1" "$2" "$5" "$3" "$4" "$r"
}
echo "wangan benchmark: demo data, SQLite, $(nproc) cores, wrk -t2 -c$CONNECTIONS -d${DURATION}s on the same machine"
check "GET /api/v1/units (bearer) rate" "$api_rps" ">=" 10000 "req/s"
check "GET /api/v1/units p99" "$api_p99" "<" 10 "ms"
check "GET /units (HTML, session) rate" "$page_rps" ">=" 3000 "req/s"
check "GET /units p99" "$page_p99" "<" 50 "ms"
check "peak memory of wangan serve" "$((peak_kb / 1024))" "<" 100 "MB"
check "cold start to /healthz 200" "$cold_ms" "<" 1000 "ms"
exit $fail
