#!/bin/sh
# run.sh BUILD_DIR: runs the unit tests and every tests/e2e/*.sh, one line per
# test, and closes with "N passed, N failed, N skipped".  Exit 1 on any failure.
BUILD=${1:-build}
CONNC=${CONNC:-bin/connc}
SHARED=${SHARED:-$(cd .. && pwd)/shared}
export BUILD CONNC SHARED CONNC_SHARED="$SHARED"
all=$(mktemp /tmp/connc-tests-XXXXXX)
one=$(mktemp /tmp/connc-test-XXXXXX)

# run NAME CMD...: a suite that exits non-zero without a FAIL line has crashed.
run() {
    name=$1; shift
    "$@" >"$one" 2>&1
    rc=$?
    cat "$one"
    cat "$one" >>"$all"
    if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$one"; then
        echo "FAIL $name: exited with status $rc" | tee -a "$all"
    fi
}

run unit "$BUILD/unit_tests"
run gradcheck "$BUILD/gradcheck_tests"
for t in tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    run "e2e/$(basename "$t" .sh)" sh "$t"
done
p=$(grep -c '^PASS ' "$all")
f=$(grep -c '^FAIL ' "$all")
s=$(grep -c '^SKIP ' "$all")
rm -f "$all" "$one"
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
