#!/usr/bin/env bash
# Runs every benchmark of the project (the figures in README.md come from
# here). The store's 100,000-case data set is built once and cached.
#   scripts/bench.sh           all
#   scripts/bench.sh store     one part: casework, store, printing, report, hub
set -euo pipefail
cd "$(dirname "$0")/.."
part="${1:-all}"
run() { [ "$part" = all ] || [ "$part" = "$1" ]; }
if run casework; then go test -run '^$' -bench . -benchmem ./casework/ ./fontset/; fi
if run store; then ./scripts/bench-store.sh; fi
if run printing; then go test -run '^$' -bench . -benchmem -benchtime 100x ./printing/; fi
if run report; then COUNT=1 ./scripts/bench-report.sh; fi
if run hub; then go test -run '^$' -bench . -benchtime 1x -timeout 30m ./hub/ ./syncclient/; fi
