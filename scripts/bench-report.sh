#!/usr/bin/env bash
# Runs the report benchmarks: the full report workbook over 100,000 cases
# (time, peak heap above the start, peak RSS of the process, bytes allocated,
# file size) and the import of a 10,000-row roster. Budget (DESIGN.md): a
# report over 100k cases under 3 s and 300 MB.
#   scripts/bench-report.sh            three runs of each
#   COUNT=5 scripts/bench-report.sh    more runs
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${COUNT:-3}"
go test ./report/ -run '^$' -bench 'Write100k|ReadRoster10k' -benchtime 3x -count "$COUNT" -benchmem -timeout 20m
# The same workbook read from a store: the store benchmarks' 100,000-case
# data set (scripts/bench-store.sh builds it), copied so the master stays clean.
master=$(ls -t "${TMPDIR:-/tmp}"/vetdesk-store-bench/cases-*.db 2>/dev/null | head -1 || true)
if [ -n "$master" ]; then
  work=$(mktemp -d)
  cp "$master" "$work/vetdesk.db"
  VETDESK_BENCH_STORE="$work/vetdesk.db" go test ./counter/ -run '^$' -bench ExportReportFromStore -benchtime 1x -count "$COUNT" -timeout 20m
  rm -rf "$work"
else
  echo "no store data set: run scripts/bench-store.sh first for the report from the store"
fi
