#!/usr/bin/env bash
# Runs every native Go fuzz target for a bounded time (FUZZTIME, default
# 15s), one target per invocation (go test -fuzz takes one at a time). A
# failure leaves the crashing input in the package's testdata/fuzz/FuzzX/:
# commit it with the fix, and it stays a regression test of `go test`.
#   scripts/fuzz.sh                 every target
#   scripts/fuzz.sh ./report/       the targets of one package
#   FUZZTIME=2m scripts/fuzz.sh     longer
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-15s}
# Minimising each new interesting input may take 60 s by default, which ate
# whole runs of the slower targets (roster import: 14 execs in 15 s); keep it
# to a few tries (a count, not a time: the machine is shared).
FUZZMIN=${FUZZMIN:-10x}
# package: its fuzz targets (the normaliser and ID parser, catalogue and
# overlay loading, roster import, the sync API's push decoding)
TARGETS=(
  "./casework/ FuzzNormalize FuzzParseIDNumber FuzzLoadCatalogue FuzzLoadOverlay"
  "./report/ FuzzReadRoster"
  "./hub/ FuzzPushRequest"
)
only=${1:-}
start=$(date +%s)
for line in "${TARGETS[@]}"; do
  read -r pkg fuzzers <<<"$line"
  if [ -n "$only" ] && [ "$only" != "$pkg" ]; then continue; fi
  for fz in $fuzzers; do
    t0=$(date +%s)
    nice "$GO" test -run '^$' -fuzz "^${fz}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMIN" "$pkg"
    echo "fuzz: $pkg $fz done in $(( $(date +%s) - t0 ))s"
  done
done
echo "fuzz: all targets in $(( $(date +%s) - start ))s"
