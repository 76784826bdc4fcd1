#!/usr/bin/env bash
# Benchmark of site monitoring (issue 5), SQLite, release build: a farm of
# 10,000 simulated sites on loopback (a separate process), full checks per
# second (≥ 2,000), planted faults found (100 %) and none on clean pages,
# peak RSS (< 300 MB), and a defacement found within 62 s at a 60 s interval;
# then the HTML analysis alone on one core (≥ 100 MB/s). Exits 1 on a miss.
#   bash bench/monitor.sh            (BENCH_SITES=2000 for fewer sites, BENCH_QUICK=1 skips the live minute)
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || true
WANGAN_LOG=warn cargo bench --bench monitor
cargo bench -p wangan-monitor --bench html
