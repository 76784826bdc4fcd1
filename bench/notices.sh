#!/usr/bin/env bash
# Benchmark of notices and rectifications (issue 4), SQLite, release build:
# escalation over 100,000 open rectifications (< 2 s a pass), the rectification
# list over HTTP (p99 < 50 ms), one report as .docx (< 50 ms), the delivery
# worker to a local webhook receiver (≥ 500 messages/s). Exits 1 on a miss.
#   bash bench/notices.sh
set -euo pipefail
cd "$(dirname "$0")/.."
WANGAN_LOG=warn cargo bench --bench notices
