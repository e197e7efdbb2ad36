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

# sample_run CONNC DIR: the shipped column compiled and emitted into DIR,
# trained for one epoch on 300 images of the shipped FER-2013 sample into
# DIR/run and evaluated there: the run the API examples are checked against.
sample_run() {
    col=connectomes/minnie65_v1_column_synth data=examples/data/fer2013_sample.csv.gz
    "$1" -q compile --cells $col/cells.csv --synapses $col/synapses.csv.gz -o "$2/c.cir" &&
        "$1" -q emit "$2/c.cir" -o "$2/c.cnet" &&
        "$1" -q train "$2/c.cnet" --data $data --cache-dir "$2/cache" --limit 300 --epochs 1 --threads 1 -o "$2/run" &&
        "$1" -q eval "$2/run" --data $data --cache-dir "$2/cache" --threads 1
}

# private_test: the header and PrivateTest rows of the shipped sample (plain CSV).
private_test() { gzip -dc examples/data/fer2013_sample.csv.gz | awk -F, 'NR == 1 || $3 == "PrivateTest"'; }

# same_confusion LISTING METRICS: "True N" when the N rows of a classify
# example's listing (row, label, predicted, p), counted by (label,
# predicted), make up the PrivateTest confusion matrix of metrics.json.
same_confusion() {
    $PY -c '
import json, sys
names = ["Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"]
got = [[0] * 7 for _ in names]
rows = [line.split() for line in open(sys.argv[1]).read().splitlines()[1:]]
for _, label, predicted, _ in rows:
    got[names.index(label)][names.index(predicted)] += 1
want = json.load(open(sys.argv[2]))["test"]["confusion"]
print(got == [[int(v) for v in row] for row in want], len(rows))' "$1" "$2" 2>&1
}
