#!/usr/bin/env bash
# Runs the store benchmarks over 100,000 synthetic cases (VETDESK_BENCH_CASES
# overrides the count). The data set is built once and cached under
# $TMPDIR/vetdesk-store-bench, keyed by a hash of the schema; the first run
# spends about six minutes building it. EachCase walks all cases, so it runs
# once.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench 'Dataset|SaveIntake|EditCase|Search|OpenCase' -benchtime "${BENCHTIME:-200x}" -timeout 60m ./store/
go test -run '^$' -bench 'EachCase|WriteSnapshot' -benchtime 1x -timeout 60m ./store/
