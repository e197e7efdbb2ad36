# train.sh: the runtime end to end on the shipped sample: a short training
# run, evaluation, reports, resume after SIGKILL, and bad invocations.
. tests/lib.sh

DATA=examples/data/fer2013_sample.csv.gz
COL=connectomes/minnie65_v1_column_synth
"$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/c.cir" &&
    "$CONNC" -q emit "$T/c.cir" -o "$T/c.cnet" || { fail setup "compile/emit failed"; exit 0; }
TRAIN="$CONNC -q train $T/c.cnet --data $DATA --cache-dir $T/cache --limit 400 --epochs 3 --seed 7 --threads 1"

# metrics without the wall times: what must match between two runs
metrics() { $PY -c "
import json,sys
m=json.load(open(sys.argv[1]))
for e in m['epochs']: e.pop('seconds')
m.pop('train_seconds')
print(json.dumps({k: m[k] for k in ('test_accuracy','test_loss','test_macro_f1','best_epoch','epochs','test')}, sort_keys=True))" "$1"; }

expect_ok train_short $TRAIN -o "$T/ref"
for f in metrics.json learning_curves.svg confusion.svg checkpoint.ckpt network.cnet; do
    if [ -s "$T/ref/$f" ]; then pass "report_$f"; else fail "report_$f" "missing"; fi
done
keys=$($PY -c "import json; m=json.load(open('$T/ref/metrics.json')); print(all(k in m for k in ('test_accuracy','test_macro_f1','test_loss','best_epoch','epochs')), len(m['epochs']))")
expect_eq metrics_keys "$keys" "True 3"

# the same seed and thread count give identical metrics
expect_ok train_again $TRAIN -o "$T/again"
expect_eq same_seed_same_metrics "$(metrics "$T/again/metrics.json")" "$(metrics "$T/ref/metrics.json")"

# every masked projection through dense GEMM instead of CSR (the kernel the
# compiler picks by density): the same training up to float summation order
"$CONNC" -q emit "$T/c.cir" --set dense_min_density=0 -o "$T/dense.cnet" 2>/dev/null
kernels=$("$CONNC" inspect "$T/dense.cnet" | awk '$3 == "inter" || $3 == "intra" { print $NF }' | sort -u | tr '\n' ' ')
expect_eq dense_kernels_picked "$kernels" "dense "
expect_ok train_dense_kernel $CONNC -q train "$T/dense.cnet" --data $DATA --cache-dir "$T/cache" --limit 400 --epochs 3 \
    --seed 7 --threads 1 -o "$T/dense"
close=$($PY -c "
import json,sys
a=json.load(open(sys.argv[1]))['epochs']; b=json.load(open(sys.argv[2]))['epochs']
print(all(abs(x['train_loss']-y['train_loss']) < 1e-3 * abs(x['train_loss']) for x, y in zip(a, b)) and len(a) == len(b))" \
    "$T/ref/metrics.json" "$T/dense/metrics.json" 2>&1)
expect_eq dense_kernel_same_training "$close" "True"

# SIGKILL in the middle of epoch 2, then --resume: the uninterrupted result
$TRAIN -o "$T/killed" >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -f "$T/killed/checkpoint.ckpt" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -f "$T/killed/metrics.json" ]; then skip killed_mid_run "the run finished before the kill"; else pass killed_mid_run; fi
expect_ok checkpoint_intact "$CONNC" -q inspect "$T/killed/checkpoint.ckpt"
case "$("$CONNC" inspect "$T/ref/checkpoint.ckpt")" in
*"3 epochs done"*"seed 7"*) pass inspect_checkpoint ;;
*) fail inspect_checkpoint "summary lacks the run state" ;;
esac
expect_ok resume $TRAIN --resume -o "$T/killed"
expect_eq resume_same_metrics "$(metrics "$T/killed/metrics.json")" "$(metrics "$T/ref/metrics.json")"

# eval reproduces the run's own final numbers
cp "$T/ref/metrics.json" "$T/ref.json"
expect_ok eval "$CONNC" -q eval "$T/ref" --data $DATA --cache-dir "$T/cache" --threads 1
expect_eq eval_same_metrics "$(metrics "$T/ref/metrics.json")" "$(metrics "$T/ref.json")"
# --json prints that same document on stdout
"$CONNC" -q eval "$T/ref" --data $DATA --cache-dir "$T/cache" --threads 1 --json >"$T/eval.json"
expect_eq eval_json "$(cmp "$T/eval.json" "$T/ref/metrics.json" && echo same)" same

# run-time ablations and the baseline
expect_ok ablate_masks_noise $TRAIN --epochs 1 --ablate masks,noise,conv -o "$T/abl"
"$CONNC" -q emit "$T/c.cir" --model cnn -o "$T/cnn.cnet"
expect_ok train_cnn_baseline "$CONNC" -q train "$T/cnn.cnet" --data $DATA --cache-dir "$T/cache" --limit 200 --epochs 1 -o "$T/cnn"

# the paper-style table: configurations x seeds, resumable
ABL="$CONNC ablate $T/c.cnet --baseline $T/cnn.cnet --configs full,noise+hebbian,baseline --seeds 2 --epochs 1 --limit 100 --threads 1 --data $DATA --cache-dir $T/cache -o $T/study"
expect_ok ablate_study $ABL
rows=$(grep -c '^| \(full\|noise+hebbian\|baseline\) ' "$T/study/results.md" 2>/dev/null)
expect_eq ablate_table_rows "$rows" 3
csv=$(sed -n 1p "$T/study/results.csv" | cut -d, -f1-2)
expect_eq ablate_csv_header "$csv" "model,n_runs"
again=$($ABL 2>&1 | grep -c 'training ')
expect_eq ablate_rerun_reuses_runs "$again" 0

# bad invocations: one-line errors, documented exit codes
expect_err train_ir_not_cnet 3 "not a network description" "$CONNC" train "$T/c.cir" --data $DATA -o "$T/bad1"
expect_err train_unknown_switch 2 "unknown switch 'wings'" $TRAIN --ablate wings -o "$T/bad2"
expect_err train_no_output 2 "-o RUNDIR is required" "$CONNC" train "$T/c.cnet"
expect_err resume_other_ablation 2 "resume it with the same list" $TRAIN --resume --ablate noise -o "$T/ref"
"$CONNC" -q emit "$T/c.cir" --set batch_size=1e300 -o "$T/huge.cnet"
expect_err train_huge_batch 3 "must be a whole number: batch_size" "$CONNC" train "$T/huge.cnet" --data $DATA -o "$T/bad3"
expect_err eval_no_run 4 "cannot open" "$CONNC" eval "$T/nothing" --data $DATA
exit 0
