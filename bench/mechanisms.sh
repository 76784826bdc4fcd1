#!/usr/bin/env bash
# Benchmark of the working mechanisms (issue 15), SQLite, release build: on a
# generated university of 200 units and 20,000 systems, every unit's score
# (< 1 s) and one pass of the accountability rules engine (< 2 s; the second
# pass proposes nothing). Exits 1 on a miss.
#   bash bench/mechanisms.sh
set -euo pipefail
cd "$(dirname "$0")/.."
WANGAN_LOG=warn cargo bench --bench mechanisms
