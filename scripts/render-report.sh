#!/usr/bin/env bash
# Render a rectification report (.docx) as it prints: LibreOffice headless
# turns it into PDF, pdftoppm into one PNG per A4 page.
#
#   scripts/render-report.sh REPORT.docx [OUT_DIR]
#
# Without a file, it makes one: a demo database in a temporary directory,
# the report of its first rectification, then renders that.
# Installs libreoffice-writer, poppler-utils and CJK fonts with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${2:-target/report-render}"
mkdir -p "$out"

need=()
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
if ((${#need[@]})); then
  echo "installing ${need[*]} ..." >&2
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

docx="${1:-}"
if [ -z "$docx" ]; then
  cargo build -q --bin wangan
  data="$(mktemp -d)"
  trap 'rm -rf "$data"' EXIT
  ./target/debug/wangan --data-dir "$data" demo >/dev/null
  token="$(./target/debug/wangan --data-dir "$data" token create officer | tail -n1)"
  port=$((20000 + RANDOM % 20000))
  ./target/debug/wangan --data-dir "$data" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  # The closed one of the demo: every field and signature filled in.
  id="$(curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/rectifications?status=closed" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
  docx="$out/report-$id.docx"
  curl -fs -H "Authorization: Bearer $token" -o "$docx" "http://127.0.0.1:$port/api/v1/rectifications/$id/report.docx"
fi

soffice --headless --convert-to pdf --outdir "$out" "$docx" >/dev/null 2>&1
pdf="$out/$(basename "${docx%.docx}").pdf"
pdftoppm -r 80 -png "$pdf" "${pdf%.pdf}"
ls "$out"/*.png
