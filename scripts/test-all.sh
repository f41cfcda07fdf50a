#!/usr/bin/env bash
# The whole suite: installs what it needs (Debian's Ceph packages for the real RGW; promtool and
# prometheus-pushgateway for the alert rules and --pushgateway; rclone and restic for the real-client
# agreement test), type-checks,
# builds, runs every unit and integration test, and ends with "N passed, N failed".
# A missing or broken RGW makes the integration tests fail; nothing is skipped.
set -uo pipefail
cd "$(dirname "$0")/.."

node scripts/rgw.mjs install || { echo "test:all: could not install Ceph RGW (see above)"; echo "0 passed, 1 failed"; exit 1; }
node scripts/prometheus.mjs install || { echo "test:all: could not install promtool and prometheus-pushgateway (see above)"; echo "0 passed, 1 failed"; exit 1; }
node scripts/clients.mjs install || { echo "test:all: could not install rclone and restic (see above)"; echo "0 passed, 1 failed"; exit 1; }
npx tsc --noEmit -p tsconfig.json || { echo "test:all: type errors"; echo "0 passed, 1 failed"; exit 1; }
node scripts/build.mjs || { echo "test:all: build failed"; echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
npx tap test/unit test/integration 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# tap's closing line: "# { total: N, pass: N, fail: N, skip: N }" (zero counts omitted).
summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -n 1)
num() { sed -nE "s/.*[{ ,]$1: ([0-9]+).*/\1/p" <<<"$summary"; }
pass=$(num pass); fail=$(num fail); skip=$(num skip)
pass=${pass:-0}; fail=${fail:-0}; skip=${skip:-0}
if [ -z "$summary" ]; then
  echo "test:all: tap printed no summary"
  fail=$((fail + 1))
elif [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then
  # e.g. a coverage threshold missed, or a test file that crashed before its first assertion
  echo "test:all: tap exited with status $status"
  fail=1
fi
if [ "$skip" -gt 0 ]; then
  echo "$pass passed, $fail failed, $skip skipped"
else
  echo "$pass passed, $fail failed"
fi
[ "$status" -eq 0 ] && [ "$fail" -eq 0 ]
