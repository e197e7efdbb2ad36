#!/bin/sh
# bio_neuron.sh: the BioLogicalNeuron layer of BIO_LAYERS.md §1 as BioNIC's
# input projection (`connc emit --on bio_neuron`), end to end on the shipped
# sample: it trains, writes its monitoring plot, keeps every piece of its
# state (monitoring included) in the checkpoint so --resume after SIGKILL
# gives the uninterrupted run's metrics and monitor, evaluation changes
# nothing, and the adaptive learning rate, when asked for, is applied.
. tests/lib.sh

DATA=examples/data/fer2013_sample.csv.gz
COL=connectomes/minnie65_v1_column_synth
"$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/c.cir" &&
    "$CONNC" -q emit "$T/c.cir" --on bio_neuron -o "$T/bln.cnet" &&
    "$CONNC" -q emit "$T/c.cir" --on bio_neuron --set bln_adaptive_lr=1 -o "$T/adaptive.cnet" ||
    { fail setup "compile/emit failed"; exit 0; }
ARGS="--data $DATA --cache-dir $T/cache --limit 300 --epochs 3 --seed 9 --threads 1"

metrics() { $PY -c "
import json,sys
m=json.load(open(sys.argv[1]))
print(json.dumps([{k: e[k] for k in e if k != 'seconds'} for e in m['epochs']] + [m['test_accuracy'], m['test_loss']]))" "$1"; }

expect_ok train_bio_neuron "$CONNC" -q train "$T/bln.cnet" $ARGS -o "$T/ref"
if [ -s "$T/ref/bio_neuron.svg" ] && grep -q "training steps" "$T/ref/bio_neuron.svg"; then pass monitoring_plot
else fail monitoring_plot "no bio_neuron.svg"; fi

# SIGKILL after the first checkpoint, then --resume: same metrics, same monitor
"$CONNC" -q train "$T/bln.cnet" $ARGS -o "$T/killed" >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -f "$T/killed/checkpoint.ckpt" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
expect_ok resume "$CONNC" -q train "$T/bln.cnet" $ARGS --resume -o "$T/killed"
expect_eq resume_same_metrics "$(metrics "$T/killed/metrics.json")" "$(metrics "$T/ref/metrics.json")"
if cmp -s "$T/killed/bio_neuron.svg" "$T/ref/bio_neuron.svg"; then pass resume_same_monitor
else fail resume_same_monitor "the monitoring plots differ"; fi

# evaluation changes no state: the checkpoint is untouched, metrics repeat
before=$(sha256sum <"$T/ref/checkpoint.ckpt")
expect_ok eval_once "$CONNC" -q eval "$T/ref" --data $DATA --cache-dir "$T/cache" --threads 1
cp "$T/ref/metrics.json" "$T/eval1.json"
expect_ok eval_twice "$CONNC" -q eval "$T/ref" --data $DATA --cache-dir "$T/cache" --threads 1
expect_eq eval_same_metrics "$(metrics "$T/ref/metrics.json")" "$(metrics "$T/eval1.json")"
expect_eq eval_keeps_checkpoint "$(sha256sum <"$T/ref/checkpoint.ckpt")" "$before"

expect_err ablate_refused 2 "'bio_neuron' is decided by connc emit" "$CONNC" -q train "$T/bln.cnet" $ARGS \
    --ablate bio_neuron -o "$T/ablated"

# the adaptive learning rate is applied: it changes training
expect_ok train_adaptive "$CONNC" -q train "$T/adaptive.cnet" $ARGS -o "$T/adaptive"
if [ "$(metrics "$T/adaptive/metrics.json")" != "$(metrics "$T/ref/metrics.json")" ]; then pass adaptive_lr_applied
else fail adaptive_lr_applied "same metrics with and without the adaptive learning rate"; fi

# the checkpoint holds the state and one monitor record (4 values) per step
if [ ! -x "$PY" ]; then skip checkpoint_state "no /usr/bin/python3"; exit 0; fi
got=$(PYTHONPATH=tests $PY - "$T/ref/checkpoint.ckpt" <<'PY'
import sys, connc_container
meta, arr = connc_container.read(sys.argv[1])
st = meta["bio_neuron"]["input_projection"]
want = {"bln/input_projection/" + k for k in ("calcium", "prev_calcium", "norm_hist", "health_hist", "monitor")}
print(want <= set(arr), len(arr["bln/input_projection/monitor"]) == 4 * st["updates"], st["updates"] > 0)
PY
)
expect_eq checkpoint_state "$got" "True True True"
exit 0
