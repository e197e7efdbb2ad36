# lib.sh: helpers for end-to-end tests (sourced).  Each check prints one
# PASS / FAIL / SKIP line; tests/run.sh totals them.
# Environment: CONNC (the binary), SHARED (../shared), T (a scratch dir).

: "${CONNC:=bin/connc}"
: "${SHARED:=../shared}"
T=$(mktemp -d /tmp/connc-e2e-XXXXXX)
trap 'rm -rf "$T"' EXIT
SUITE=$(basename "$0" .sh)

pass() { echo "PASS e2e/$SUITE/$1"; }
fail() { echo "FAIL e2e/$SUITE/$1${2:+: $2}"; }
skip() { echo "SKIP e2e/$SUITE/$1 ($2)"; }

# expect_ok NAME CMD...: the command exits 0.
expect_ok() {
    name=$1; shift
    if "$@" >"$T/out" 2>"$T/err"; then pass "$name"; else fail "$name" "exit $? $(head -c 300 "$T/err")"; fi
}

# expect_err NAME CODE TEXT CMD...: exits with CODE, stderr is one line containing TEXT.
expect_err() {
    name=$1 code=$2 text=$3; shift 3
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    lines=$(wc -l <"$T/err")
    if [ "$rc" -ne "$code" ]; then fail "$name" "exit $rc, wanted $code: $(head -c 300 "$T/err")"
    elif ! grep -qF -- "$text" "$T/err"; then fail "$name" "stderr lacks '$text': $(head -c 300 "$T/err")"
    elif [ "$lines" -ne 1 ]; then fail "$name" "stderr has $lines lines"
    else pass "$name"; fi
}

# expect_eq NAME GOT WANT
expect_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', wanted '$3'"; fi
}

# Debian's python3 (numpy/scipy come from Debian packages), if present.
PY=/usr/bin/python3
