#!/usr/bin/env bash
# The rendered view (issue 17): farm pages rendered in headless Chromium
# with 2 tabs, every request through the fetcher; prints pages/s and the
# browser's peak RSS (< 500 MB). Exits 1 on a miss; says so and exits 0
# when chromium is not installed.
#   bash bench/render.sh             (BENCH_PAGES=200 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p wangan-monitor --bench render
