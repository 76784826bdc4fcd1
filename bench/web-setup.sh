# Sourced by bench/run.sh and bench/signin.sh: wrk installed, the release
# binary built (or WANGAN_BIN=path, to measure another build side by side),
# a fresh data directory holding the demo, and a free port on loopback.
# Sets: bin, data, port, base.
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
[ -n "${WANGAN_BIN:-}" ] || cargo build --release -q
bin=${WANGAN_BIN:-target/release/wangan}
data=$(mktemp -d /tmp/wangan-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export WANGAN_LOG=warn WANGAN_DATABASE_URL=
$bin --data-dir "$data" demo >/dev/null
