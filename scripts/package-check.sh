#!/usr/bin/env bash
# Build the Debian package, install it on this machine, start the binary
# exactly as the packaged systemd unit would (its ExecStart, as the `wangan`
# user, with the packaged configuration), check /healthz and what the
# package set up, then purge it again.
#
#   bash scripts/package-check.sh            # the release package (cargo build --release first)
#   bash scripts/package-check.sh dev        # the debug build CI already has (cargo test built it)
#
# Needs root (dpkg). Installs cargo-deb (pinned) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-release}
port=${WANGAN_PACKAGE_PORT:-18099}
CARGO_DEB_VERSION=3.8.0

if ! cargo deb --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then
  cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked --quiet
fi
if [ "$profile" = release ]; then
  cargo deb
else
  # The tests' debug binary, packaged as the release one would be (cargo-deb
  # warns that it is meant for releases: this package only tests the packaging).
  cargo deb --profile "$profile" --no-build --fast 2>&1 | grep -v "dev profile is not supported\|To enable debug symbols" || true
fi
deb=$(ls -t target/debian/wangan_*.deb | head -1)
echo "package: $deb ($(du -h "$deb" | cut -f1))"

cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
  dpkg --purge wangan >/dev/null 2>&1 || true
  rm -rf /var/lib/wangan /etc/wangan
}
trap cleanup EXIT
cleanup

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "./$deb" >/dev/null
unit=/usr/lib/systemd/system/wangan.service
test -f "$unit"
grep -q '^ProtectSystem=strict' "$unit"
grep -q '^NoNewPrivileges=yes' "$unit"
grep -q '^ReadWritePaths=/var/lib/wangan' "$unit"
grep -q '^Restart=on-failure' "$unit"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$unit" 2>&1 | grep -v "^$" || true
fi
getent passwd wangan >/dev/null || { echo "no wangan user"; exit 1; }
[ "$(stat -c '%U:%G %a' /etc/wangan/wangan.toml)" = "root:wangan 640" ] || { stat -c '%U:%G %a' /etc/wangan/wangan.toml; exit 1; }
[ "$(stat -c '%U %a' /var/lib/wangan)" = "wangan 750" ] || { stat -c '%U %a' /var/lib/wangan; exit 1; }
dpkg-query -W -f='${Conffiles}\n' wangan | grep -q /etc/wangan/wangan.toml

# The unit's command line, as the unit's user, in the unit's directory.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
log=$(mktemp)
(cd /var/lib/wangan && exec runuser -u wangan -- env WANGAN_LISTEN="127.0.0.1:$port" WANGAN_LOG=info $exec_start) >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "the service stopped"; exit 1; fi
  sleep 0.2
done
[ "$(curl -fsS "http://127.0.0.1:$port/healthz")" = ok ] || { cat "$log"; exit 1; }
# The whole page first: `curl | grep -q` fails now and then under pipefail (SIGPIPE).
signin=$(curl -fsS "http://127.0.0.1:$port/login")
grep -q '网安' <<<"$signin" || { echo "no sign-in page"; exit 1; }
# What the service wrote is its own, and the first password is for it alone.
[ "$(stat -c '%U %a' /var/lib/wangan/initial-admin-password)" = "wangan 600" ]
[ "$(stat -c '%U' /var/lib/wangan/wangan.db)" = wangan ]
ls /var/lib/wangan/logs/access.*.log >/dev/null
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
echo "package check passed: installed, started as the unit would, /healthz ok, purged"
