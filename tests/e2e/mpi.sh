# mpi.sh: data-parallel training over MPI (runtime/dist.h).  Builds the MPI
# flavour into build-mpi/ (bin/connc is left alone), then trains the shipped
# sample with `mpirun -np 2` and compares with one process.  SKIP without
# mpicc and mpirun (Debian: libopenmpi-dev openmpi-bin, in .ci/install-deps).
. tests/lib.sh

if ! command -v mpicc >/dev/null 2>&1 || ! command -v mpirun >/dev/null 2>&1; then
    skip mpi "no mpicc or mpirun"
    exit 0
fi
# The suite's make passes its own command-line variables (CC=clang, BUILD=...)
# down through MAKEFLAGS: the MPI build takes none of them.
MPI_CONNC=build-mpi/connc
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL nice make --no-print-directory -j2 MPI=1 BUILD=build-mpi BIN=$MPI_CONNC \
    $MPI_CONNC >"$T/build.log" 2>&1; then
    pass build_mpi
else
    fail build_mpi "$(tail -c 300 "$T/build.log")"
    exit 0
fi
MPIRUN="mpirun --oversubscribe"
[ "$(id -u)" = 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"

DATA=examples/data/fer2013_sample.csv.gz
COL=connectomes/minnie65_v1_column_synth
"$MPI_CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/c.cir" &&
    "$MPI_CONNC" -q emit "$T/c.cir" -o "$T/c.cnet" &&
    "$MPI_CONNC" -q emit "$T/c.cir" --on bcm -o "$T/bcm.cnet" &&
    "$MPI_CONNC" -q emit "$T/c.cir" --on bio_neuron -o "$T/bln.cnet" || { fail setup "compile/emit failed"; exit 0; }
ARGS="--data $DATA --cache-dir $T/cache --limit 300 --seed 7"
one() { "$MPI_CONNC" -q train "$1" $ARGS --epochs 2 --threads "$2" -o "$3"; }
two() {
    net=$1 out=$2
    shift 2
    $MPIRUN -np 2 "$MPI_CONNC" -q train "$net" $ARGS --epochs 2 --threads 1 -o "$out" "$@"
}

# compare A B TOL: "same" when runs A and B agree: every epoch's numbers and
# every split's loss, accuracy and confusion matrix; losses and the learning
# rate within relative TOL (0: exactly), accuracies and counts exactly.
compare() { $PY - "$1/metrics.json" "$2/metrics.json" "$3" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
tol = float(sys.argv[3])
bad = []
def num(where, x, y, exact):
    if x != y and (exact or abs(x - y) > tol * abs(x)):
        bad.append("%s: %r vs %r" % (where, x, y))
if len(a["epochs"]) != len(b["epochs"]):
    bad.append("epoch counts")
for i, (x, y) in enumerate(zip(a["epochs"], b["epochs"])):
    for k in x:
        if k != "seconds":
            num("epoch %d %s" % (i + 1, k), x[k], y[k], "loss" not in k and k != "lr")
for s in ("test", "public_test", "train"):
    num(s + " loss", a[s]["loss"], b[s]["loss"], False)
    num(s + " accuracy", a[s]["accuracy"], b[s]["accuracy"], True)
    if a[s]["confusion"] != b[s]["confusion"]:
        bad.append(s + " confusion")
num("best_epoch", a["best_epoch"], b["best_epoch"], True)
print("same" if not bad else "; ".join(bad[:4]))
EOF
}

expect_ok one_process_1_thread one "$T/c.cnet" 1 "$T/one_t1"
expect_ok one_process_2_threads one "$T/c.cnet" 2 "$T/one_t2"
# without -q: the log lines of rank 0 alone
if $MPIRUN -np 2 "$MPI_CONNC" train "$T/c.cnet" $ARGS --epochs 2 --threads 1 -o "$T/two" >"$T/out" 2>"$T/err"; then
    pass two_ranks
else
    fail two_ranks "$(head -c 300 "$T/err")"
fi
expect_eq rank0_logs_alone "$(grep -c 'epoch 2: train loss' "$T/err")" 1
expect_eq metrics_record_ranks "$($PY -c "import json; print(json.load(open('$T/two/metrics.json'))['run']['ranks'])")" 2
# Two ranks of one thread split every batch as one process of two threads
# does, and a + b = b + a: the very same numbers.
expect_eq two_ranks_equal_two_threads "$(compare "$T/one_t2" "$T/two" 0)" same
# Against one thread the gradient sums are associated differently (32 images
# in one GEMM, or two sums of 16 added): float32 rounding, ~1e-8 relative in
# these losses (a few ulps per step over 20 Adam steps); 1e-5 leaves a wide
# margin and still catches any real error (an image lost or counted twice
# moves a loss by ~1e-3).  Accuracies and confusion counts: identical.
expect_eq two_ranks_match_one_thread "$(compare "$T/one_t1" "$T/two" 1e-5)" same

# BCM (the units' deltas gathered after the backward pass) and the
# BioLogicalNeuron homeostasis (its outputs gathered after the forward)
for kind in bcm bln; do
    one "$T/$kind.cnet" 2 "$T/${kind}_one" && two "$T/$kind.cnet" "$T/${kind}_two" ||
        fail "${kind}_runs" "training failed"
    expect_eq "${kind}_two_ranks_equal_two_threads" "$(compare "$T/${kind}_one" "$T/${kind}_two" 0)" same
done

# An interrupted run resumed under two ranks: the uninterrupted result
$MPIRUN -np 2 "$MPI_CONNC" -q train "$T/c.cnet" $ARGS --epochs 1 --threads 1 -o "$T/resumed" >/dev/null 2>&1
expect_ok resume two "$T/c.cnet" "$T/resumed" --resume
expect_eq resume_same_metrics "$(compare "$T/two" "$T/resumed" 0)" same

# Ranks started with different settings are stopped before training
$MPIRUN -np 1 "$MPI_CONNC" -q train "$T/c.cnet" $ARGS --epochs 1 -o "$T/bad" : \
    -np 1 "$MPI_CONNC" -q train "$T/c.cnet" $ARGS --epochs 2 -o "$T/bad" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -ne 0 ] && grep -q "ranks disagree at the start" "$T/err"; then pass ranks_must_agree
else fail ranks_must_agree "exit $rc: $(head -c 300 "$T/err")"; fi

# The plain build under mpirun refuses instead of training K copies
$MPIRUN -np 2 "$CONNC" -q train "$T/c.cnet" $ARGS --epochs 1 -o "$T/plain" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -ne 0 ] && grep -q "built without MPI" "$T/err"; then pass plain_build_refuses
else fail plain_build_refuses "exit $rc: $(head -c 300 "$T/err")"; fi
