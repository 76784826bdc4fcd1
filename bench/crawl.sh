#!/usr/bin/env bash
# Benchmark of the whole-site crawl (issue 18), SQLite, release build: a farm
# of deep sites on loopback (a separate process), every site crawled (up to
# 200 pages each: fetch, every content check, views on a sample, outbound
# links, dates, stored) — pages per second (≥ 1,000), CPU per page, the
# second crawl's 304s, spam three clicks deep found, peak RSS (< 400 MB).
# Exits 1 on a miss.
#   bash bench/crawl.sh            (BENCH_SITES=20 for fewer sites)
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || true
WANGAN_LOG=warn cargo bench --bench crawl
