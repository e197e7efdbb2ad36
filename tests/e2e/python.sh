# python.sh: the ctypes binding (examples/python/connc.py) and the Python
# examples on the library `make install` puts in place: the IR seen through
# the binding is what `connc inspect --json` reports, masks_scipy.py's
# statistics agree with inspect and with the binding's masks, and
# classify.py prints exactly what the C example prints, the predictions of
# `connc eval`, whose loss the predicted probabilities reproduce.  (Plain build only: Python cannot load the sanitized library.)
. tests/lib.sh

if [ "${BUILD:-build}" != build ]; then skip python "runs in the plain build's pass"; exit 0; fi
if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' 2>/dev/null; then skip python "no /usr/bin/python3 with numpy"; exit 0; fi
P=$T/prefix
make -s install PREFIX="$P" >"$T/make.log" 2>&1 || { fail make_install "$(tail -c 300 "$T/make.log")"; exit 0; }
sample_run "$P/bin/connc" "$T" || { fail sample_run "compile, emit, train or eval failed"; exit 0; }
"$P/bin/connc" inspect --json "$T/c.cir" >"$T/inspect.json"
export CONNC_LIB="$P/lib/libconnc.so" PYTHONPATH=examples/python PYTHONDONTWRITEBYTECODE=1

# layers, inhibition and every mask's shape and size, as inspect reports them
got=$($PY -c '
import json, sys, connc
want = json.load(open(sys.argv[2]))
with connc.IR(sys.argv[1]) as ir:
    layers = [[y.name, y.first_cell, y.ncells, int(y.inhibition.sum()), int(y.inhibition.max()), y.inhibited_cells]
              for y in ir.layers()]
    masks = {n: tuple(m.shape) + (m.indices.size,) for n in ir.mask_names() for m in [ir.mask(n)]}
    same_meta = ir.metadata()["cells"] == want["cells"]
print(layers == [[y["name"], y["offset"], y["size"], y["inhibition"]["total"], y["inhibition"]["max"],
                  y["inhibition"]["nonzero"]] for y in want["layers"]],
      masks == {p["to"] + "." + p["kind"]: (p["rows"], p["cols"], p["nnz"]) for p in want["projections"]}, same_meta)
' "$T/c.cir" "$T/inspect.json" 2>&1)
expect_eq ir_matches_inspect "$got" "True True True"

got=$($PY -c '
import sys, connc
try:
    connc.IR(sys.argv[1]).mask("A.inter")
except connc.ConncError as e:
    print(e.status, "A.intra, B.inter, B.intra, C.inter, C.intra, D.inter, D.intra" in e.message)
try:
    connc.Model(sys.argv[1] + ".missing")
except connc.ConncError as e:
    print(e.status)
' "$T/c.cir" 2>&1 | tr '\n' ' ')
expect_eq errors_raise "$got" "-10 True -2 "

# masks_scipy.py: nnz and density as inspect counts them; reciprocity as the
# binding's masks give it, computed densely
if "$PY" -c 'import scipy.sparse' 2>/dev/null; then
    "$P/bin/connc" -q export "$T/c.cir" --format npz -o "$T/npz"
    expect_ok masks_scipy "$PY" examples/python/masks_scipy.py "$T/npz"
    cp "$T/out" "$T/stats.txt"
    got=$($PY -c '
import json, sys, numpy as np, connc
want = json.load(open(sys.argv[2]))["projections"]
rows = {r[0]: r for r in (line.split() for line in open(sys.argv[3]).read().splitlines()[2:])}
ok = len(rows) == len(want)
with connc.IR(sys.argv[1]) as ir:
    for p in want:
        r = rows[p["to"] + "_" + p["kind"]]
        ok &= int(r[2]) == p["nnz"] and r[3] == "%.6f" % p["density"]
        if p["kind"] == "intra":
            m = ir.mask(p["to"] + ".intra").toarray().astype(bool)
            ok &= r[-1] == "%.6f" % ((m & m.T).sum() / m.sum())
print(ok)
' "$T/c.cir" "$T/inspect.json" "$T/stats.txt" 2>&1)
    expect_eq masks_scipy_numbers "$got" "True"
else
    skip masks_scipy "no scipy for $PY"
fi

# classify.py: the C example's listing, byte for byte, and eval's predictions
private_test >"$T/private.csv"
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
cc -std=c11 examples/c/classify.c $(pkg-config --cflags --libs connc) -o "$T/classify" &&
    LD_LIBRARY_PATH="$P/lib" "$T/classify" "$T/run" "$T/private.csv" >"$T/c.txt" 2>&1
expect_ok classify_py "$PY" examples/python/classify.py "$T/run" "$T/private.csv"
expect_eq classify_py_matches_c "$(cmp "$T/out" "$T/c.txt" 2>&1)" ""
expect_eq classify_py_matches_eval "$(same_confusion "$T/out" "$T/run/metrics.json")" "True 242"

# every probability: eval's PrivateTest loss (class weights of the 300
# training images, label smoothing, batches of 64) recomputed from the
# binding's predictions
"$P/bin/connc" inspect --json "$T/run/network.cnet" >"$T/net.json"
got=$($PY -c '
import csv, gzip, json, sys, numpy as np, classify, connc
labels, images = classify.read_images(sys.argv[2], None)
with gzip.open(sys.argv[3], "rt", newline="") as f:
    train = [int(r["emotion"]) for r in csv.DictReader(f) if r["Usage"] == "Training"][:300]
w = len(train) / (7 * np.bincount(train, minlength=7))
eps = json.load(open(sys.argv[4]))["hyperparameters"]["label_smoothing"]
with connc.Model(sys.argv[1]) as model:
    nll = -np.log(model.predict(images).astype(np.float64))
per = (1 - eps) * w[labels] * nll[np.arange(len(labels)), labels] + eps / 7 * (nll * w).sum(1)
# the weighted mean of each batch of 64, weighted by the batch size, as train.c averages
batches = np.array_split(np.arange(len(labels)), range(64, len(labels), 64))
loss = sum(len(b) * per[b].sum() / w[labels[b]].sum() for b in batches) / len(labels)
want = json.load(open(sys.argv[1] + "/metrics.json"))["test"]["loss"]
print(abs(loss - want) < 1e-6 * want or (loss, want))
' "$T/run" "$T/private.csv" examples/data/fer2013_sample.csv.gz "$T/net.json" 2>&1)
expect_eq predict_matches_eval_loss "$got" "True"
exit 0
