#!/bin/sh
# throughput.sh: connc against a PyTorch reference of the identical model
# (bench/torch_reference.py), both with 2 threads, in one run on this
# machine: training images/s (augmentation on, batch 32), inference images/s
# (batch 256), and the sgemm-bound limit (the model's training FLOPs per image
# over OpenBLAS sgemm FLOP/s measured in the same run).  Ratios are what to
# compare across machines.  Appends to docs/BENCHMARKS.md.
set -e
CONNC=${CONNC:-bin/connc}
THREADS=${THREADS:-2}
REPS=${REPS:-5}
PY=/usr/bin/python3
COL=connectomes/minnie65_v1_column_synth
OUT=$(mktemp -d /tmp/connc-bench-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
"$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$OUT/c.cir"
"$CONNC" -q emit "$OUT/c.cir" -o "$OUT/c.cnet"
"$CONNC" bench "$OUT/c.cnet" --json --threads "$THREADS" --reps "$REPS" >"$OUT/connc.json"

# The reference as a competent user runs it (../shared/spec/MACHINE.md):
# glibc keeps freed tensors instead of returning them to the kernel, and
# OpenBLAS stays single-threaded under torch's own threads.  Both programs
# use the same OpenBLAS kernels (the environment's OPENBLAS_CORETYPE, if set).
ref() { # ref OUTFILE [--sparse]
    out=$1
    shift
    env MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296 OPENBLAS_NUM_THREADS=1 \
        "$PY" bench/torch_reference.py "$OUT/npz" --threads "$THREADS" --reps "$REPS" "$@" >"$out"
}
# the reference twice: masked weights stored dense and multiplied by the mask
# (the usual PyTorch way), and stored as their nnz entries (--sparse)
torch=""
if "$CONNC" -q export "$OUT/c.cir" --format npz -o "$OUT/npz" && ref "$OUT/dense.txt" && ref "$OUT/sparse.txt" --sparse; then
    torch="$OUT"
else
    echo "bench/throughput.sh: no PyTorch column (install it with: apt-get install python3-torch)"
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
"$PY" - "$OUT/connc.json" "$torch" "$(date -u +%Y-%m-%d)" "$cpu" "$REPS" <<'PY' >>docs/BENCHMARKS.md
import json, sys
c, torch_path, day, cpu, reps = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
def reference(path):
    t = {}
    for line in open(path):
        key, *fields = line.split()
        if key.endswith("_img_per_s"):
            t[key] = {k: float(v) for k, v in (f.split("=") for f in fields) if k != "reps"}
    return t
def row(what, s, unit, note=""):
    print("| %s | %s | %s%s | %.1f %s | %.1f %s | %.1f %s | %s |" % (day, cpu, what, note, s["median"], unit, s["min"], unit, s["max"], unit, reps))
th = c["threads"]
bound = c["sgemm_bound_train_img_s"]
tr, inf = c["train_img_per_s"], c["infer_img_per_s"]
row("connc training throughput, BioNIC column, batch 32, augmentation on, %d threads, OpenBLAS core %s" % (th, c["blas_core"]), tr, "img/s",
    " (sgemm-bound limit %.0f img/s: %.2fx slower than the limit)" % (bound, bound / tr["median"]))
row("connc inference throughput, batch %d, %d threads" % (c["infer_batch"], th), inf, "img/s")
row("OpenBLAS sgemm, %d threads (the limit above: %.2f MFLOP per training image)" % (th, c["train_flops_per_image"] / 1e6),
    c["sgemm_gflops"], "GFLOP/s")
for k in c["kernels"]:
    for kernel in ("csr", "dense"):
        row("masked projection %s (%dx%d, density %.4f), forward + backward of one batch of 32 through the %s kernel%s, %d threads"
            % (k["projection"], k["rows"], k["cols"], k["density"], kernel.upper() if kernel == "csr" else "dense GEMM",
               " (picked by emit)" if k["picked"] == kernel else "", th), k[kernel + "_us"], "us")
for variant, note in (("dense", "masked weights dense x mask"), ("sparse", "masked weights as nnz entries")):
    if not torch_path:
        break
    t = reference("%s/%s.txt" % (torch_path, variant))
    for key, label, mine in (("train_img_per_s", "training", tr), ("infer_img_per_s", "inference", inf)):
        row("PyTorch reference %s throughput, identical model (%s), %d threads, tuned (MACHINE.md)" % (label, note, th),
            t[key], "img/s", " (connc is %.1fx faster)" % (mine["median"] / t[key]["median"]))
PY
tail -n 7 docs/BENCHMARKS.md
