#!/bin/sh
# bcm.sh: the BCM local learning rates of BIO_LAYERS.md §3 end to end on the
# shipped sample: with a threshold no unit reaches, training is exactly the
# plain run's (every scale stays 1); with a low one, units saturate, their
# weights' scales decay, the state is in the checkpoint, and --resume after
# SIGKILL gives the uninterrupted run's metrics.
. tests/lib.sh

DATA=examples/data/fer2013_sample.csv.gz
COL=connectomes/minnie65_v1_column_synth
"$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/c.cir" &&
    "$CONNC" -q emit "$T/c.cir" -o "$T/plain.cnet" &&
    "$CONNC" -q emit "$T/c.cir" --on bcm --set bcm_theta=1e9 -o "$T/never.cnet" &&
    "$CONNC" -q emit "$T/c.cir" --on bcm --set bcm_theta=0.05 --set bcm_decay_epochs=2 -o "$T/bcm.cnet" ||
    { fail setup "compile/emit failed"; exit 0; }
train() { "$CONNC" -q train "$1" --data $DATA --cache-dir "$T/cache" --limit 300 --epochs 3 --seed 5 --threads 1 -o "$2"; }

metrics() { $PY -c "
import json,sys
m=json.load(open(sys.argv[1]))
print(json.dumps([{k: e[k] for k in e if k != 'seconds'} for e in m['epochs']] + [m['test_accuracy'], m['test_loss']]))" "$1"; }

expect_ok train_plain train "$T/plain.cnet" "$T/plain"
expect_ok train_never_saturating train "$T/never.cnet" "$T/never"
expect_eq unsaturated_bcm_is_plain "$(metrics "$T/never/metrics.json")" "$(metrics "$T/plain/metrics.json")"
expect_ok train_bcm train "$T/bcm.cnet" "$T/ref"
if [ "$(metrics "$T/ref/metrics.json")" != "$(metrics "$T/plain/metrics.json")" ]; then pass bcm_changes_training
else fail bcm_changes_training "same metrics with and without saturation"; fi

if [ -s "$T/ref/bcm_scales.svg" ] && grep -q "units saturated" "$T/ref/bcm_scales.svg"; then pass bcm_histograms
else fail bcm_histograms "no bcm_scales.svg with the saturation counts"; fi

# SIGKILL after the first checkpoint, then --resume: the same final metrics
train "$T/bcm.cnet" "$T/killed" >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -f "$T/killed/checkpoint.ckpt" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
expect_ok resume "$CONNC" -q train "$T/bcm.cnet" --data $DATA --cache-dir "$T/cache" --limit 300 --epochs 3 --seed 5 \
    --threads 1 --resume -o "$T/killed"
expect_eq resume_same_metrics "$(metrics "$T/killed/metrics.json")" "$(metrics "$T/ref/metrics.json")"

# the checkpoint: scales in [0, 1], 1 outside the bio layers (conv1 is the
# first tensor), some below 1; saturation epochs >= 0 for some units
if [ ! -x "$PY" ]; then skip bcm_state "no /usr/bin/python3"; exit 0; fi
got=$(PYTHONPATH=tests $PY - "$T/ref/checkpoint.ckpt" <<'PY'
import sys, numpy as np, connc_container
arr = connc_container.read(sys.argv[1])[1]
a, sat, p = arr["bcm_scale"], arr["bcm_saturated_at"], arr["param"]
print(len(a) == len(p), bool(np.all((a >= 0) & (a <= 1))), bool(np.all(a[:72] == 1)), bool(a.min() < 1),
      bool(sat.max() >= 0), len(sat) == len(arr["bcm_sq_avg"]))
PY
)
expect_eq bcm_state "$got" "True True True True True True"
exit 0
