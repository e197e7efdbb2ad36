# bench.sh: `connc bench` on the shipped column: the FLOPs it counts against
# BIONIC.md §2 worked out here from the layer sizes and mask nnz, and its
# JSON output (timings are not checked: they belong to `make bench`).
. tests/lib.sh

COL=connectomes/minnie65_v1_column_synth
"$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/c.cir" &&
    "$CONNC" -q emit "$T/c.cir" -o "$T/c.cnet" &&
    "$CONNC" inspect "$T/c.cnet" --json >"$T/net.json" || { fail setup "compile/emit/inspect failed"; exit 0; }
if [ ! -x "$PY" ]; then skip flops "no /usr/bin/python3"; exit 0; fi

expect_ok bench_json "$CONNC" bench "$T/c.cnet" --json --reps 2 --train-batches 2 --infer-batches 1 --infer-batch 16 --sgemm 64 --threads 1
cp "$T/out" "$T/bench.json"
got=$($PY - "$T/net.json" "$T/bench.json" <<'PY'
import json, sys
net, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
size = {l["name"]: l["size"] for l in net["layers"]}
first, last = net["layers"][0]["name"], net["layers"][-1]["name"]
nnz = sum(p["nnz"] for p in net["projections"])
conv1, conv2 = 48 * 48 * 8 * 1 * 9, 24 * 24 * 16 * 8 * 9
fwd = conv1 + conv2 + 12 * 12 * 16 * 9 + 2 * 16 * 2 + 2304 * size[first] + nnz + size[last] * 7
train = fwd + 2 * fwd - conv1          # weight and input gradients; the image needs none
ok = b["forward_flops_per_image"] == 2 * fwd and b["train_flops_per_image"] == 2 * train
rates = all(b[k]["min"] > 0 and b[k]["min"] <= b[k]["median"] <= b[k]["max"]
            for k in ("train_img_per_s", "infer_img_per_s", "sgemm_gflops"))
print(ok, rates, b["parameters"], b["batch"])
PY
)
expect_eq flops_and_rates "$got" "True True 649175 32"
expect_err bench_no_file 4 "cannot open" "$CONNC" bench "$T/missing.cnet"
expect_err bench_bad_reps 2 "--reps" "$CONNC" bench "$T/c.cnet" --reps 0
exit 0
