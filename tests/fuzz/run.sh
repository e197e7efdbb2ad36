#!/bin/sh
# run.sh BUILD SECONDS TARGET...: runs each libFuzzer target BUILD/fuzz/fuzz_T
# for SECONDS seconds from its seeds (tests/fuzz/corpus/T, never modified:
# new inputs go to BUILD/corpus/T) and prints its executions and coverage
# (edges, features); with FUZZ_RUNS=N set, each runs N executions instead.  A finding is
# saved under BUILD/findings/T/; copy it to tests/fuzz/regressions/T/ once
# fixed, so that `make test` replays it.  Exit 1 if any target found one.
BUILD=$1 SECONDS_EACH=$2
shift 2
status=0
# The targets hand each input to the parsers as a file: on a disk-backed /tmp
# that costs ~100x the parse, so files go to memory when /dev/shm is there.
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
for t in "$@"; do
    mkdir -p "$BUILD/corpus/$t" "$BUILD/findings/$t"
    log="$BUILD/fuzz/fuzz_$t.log"
    if [ -n "$FUZZ_RUNS" ]; then limit=-runs=$FUZZ_RUNS; else limit=-max_total_time=$SECONDS_EACH; fi
    "$BUILD/fuzz/fuzz_$t" "$limit" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$BUILD/findings/$t/" "$BUILD/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
    cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/\1 edges, \2 features/p')
    if [ "$rc" -eq 0 ]; then
        echo "fuzz_$t: ${runs:-?} executions in ${secs:-?} s, coverage ${cov:-?}, no finding"
    else
        echo "fuzz_$t: FINDING after ${runs:-?} executions (exit $rc): see $log and $BUILD/findings/$t/"
        status=1
    fi
done
exit $status
