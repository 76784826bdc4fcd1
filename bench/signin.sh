#!/usr/bin/env bash
# Sign-ins do not stall the server (issue 12, item 6): /healthz p99 while 16
# sign-ins run at once, on the demo data and SQLite, wrk on the same machine.
# Prints the sign-in rate and /healthz p50/p99 with and without the sign-in
# load; exits 1 when /healthz p99 under load is 20 ms or more.
#
#   bash bench/signin.sh            # 10 s
#   DURATION=30 bash bench/signin.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
SIGNINS=${SIGNINS:-16}
source bench/web-setup.sh
# The engine and runner stay off: only the web server is measured.
printf '[jobs]\nenabled = false\n' > "$data/wangan.toml"
$bin --data-dir "$data" --config "$data/wangan.toml" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
until curl -sf "$base/healthz" >/dev/null 2>&1; do sleep 0.01; done

cat > "$data/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "username=officer&password=Demo-Pass-2026"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
# A sign-in answers 303 with a session cookie; make sure the script's request does.
code=$(curl -s -o /dev/null -w '%{http_code}' -d "username=officer&password=Demo-Pass-2026" "$base/login")
[ "$code" = 303 ] || { echo "sign-in answered $code, not 303"; exit 1; }

p() { # percentile from wrk --latency output in ms
  awk -v q="$1" '$1==q {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' "$2"
}
# Sign-ins alone: how many the server completes with nothing else to do.
wrk -t1 -c"$SIGNINS" -d"${DURATION}s" -s "$data/login.lua" "$base/login" > "$data/alone.txt"
# /healthz alone: one connection, as a load balancer's probe would be.
wrk -t1 -c1 -d"${DURATION}s" --latency "$base/healthz" > "$data/idle.txt"
# /healthz while SIGNINS sign-ins run at once.
wrk -t1 -c"$SIGNINS" -d"$((DURATION + 2))s" -s "$data/login.lua" "$base/login" > "$data/login.txt" &
lp=$!
sleep 1
wrk -t1 -c1 -d"${DURATION}s" --latency "$base/healthz" > "$data/busy.txt"
wait $lp
signin_rate=$(awk '/Requests\/sec/ {print $2}' "$data/login.txt")
errors=$(awk '/Non-2xx/ {print $NF}' "$data/login.txt")
echo "wangan sign-in benchmark: demo data, SQLite, $(nproc) cores, $SIGNINS sign-ins at once, ${DURATION}s"
printf '%-40s %10s\n' "sign-ins per second, alone" "$(awk '/Requests\/sec/ {print $2}' "$data/alone.txt")"
printf '%-40s %10s\n' "sign-ins per second, beside /healthz" "$signin_rate"
printf '%-40s %10s ms\n' "/healthz p50, idle" "$(p 50% "$data/idle.txt")"
printf '%-40s %10s ms\n' "/healthz p99, idle" "$(p 99% "$data/idle.txt")"
printf '%-40s %10s ms\n' "/healthz p50, during sign-ins" "$(p 50% "$data/busy.txt")"
busy99=$(p 99% "$data/busy.txt")
printf '%-40s %10s ms\n' "/healthz p99, during sign-ins" "$busy99"
printf '%-40s %10s\n' "/healthz requests during sign-ins" "$(awk '/requests in/ {print $1}' "$data/busy.txt")"
[ -z "$errors" ] || echo "note: $errors sign-in answers were not 2xx/3xx"
if awk -v v="$busy99" 'BEGIN { exit !(v < 20) }'; then echo "/healthz p99 < 20 ms under sign-ins: ok"; else echo "/healthz p99 < 20 ms under sign-ins: MISSED"; exit 1; fi
