# mechanisms.sh: the synaptic-diversity switches of BIO_LAYERS.md §2 end to
# end on the shipped sample: a description with them on trains, resumes
# after SIGKILL to the uninterrupted result, keeps its state in the
# checkpoint, and obeys Dale's signs and the masks in the weights it saves.
. tests/lib.sh

DATA=examples/data/fer2013_sample.csv.gz
COL=connectomes/minnie65_v1_column_synth
"$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/c.cir" &&
    "$CONNC" -q emit "$T/c.cir" --on fuzzy_lr --on rejuvenation --on weight_splitting --on crystallise --on dale \
        -o "$T/m.cnet" &&
    "$CONNC" -q emit "$T/c.cir" -o "$T/plain.cnet" || { fail setup "compile/emit failed"; exit 0; }
TRAIN="$CONNC -q train $T/m.cnet --data $DATA --cache-dir $T/cache --limit 300 --epochs 2 --seed 3 --threads 1"

metrics() { $PY -c "
import json,sys
m=json.load(open(sys.argv[1]))
print(json.dumps([{k: e[k] for k in e if k != 'seconds'} for e in m['epochs']] + [m['test_accuracy'], m['test_loss']]))" "$1"; }

expect_ok train_with_mechanisms $TRAIN -o "$T/ref"
expect_ok train_plain "$CONNC" -q train "$T/plain.cnet" --data $DATA --cache-dir "$T/cache" --limit 300 --epochs 2 --seed 3 --threads 1 -o "$T/plain"
if [ "$(metrics "$T/ref/metrics.json")" != "$(metrics "$T/plain/metrics.json")" ]; then pass mechanisms_change_training
else fail mechanisms_change_training "same metrics with and without the mechanisms"; fi

# SIGKILL after the first checkpoint, then --resume: the same final metrics
$TRAIN -o "$T/killed" >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -f "$T/killed/checkpoint.ckpt" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
expect_ok resume $TRAIN --resume -o "$T/killed"
expect_eq resume_same_metrics "$(metrics "$T/killed/metrics.json")" "$(metrics "$T/ref/metrics.json")"

# the checkpoint's weights: every weight of a targeted projection has the
# sign of its presynaptic unit (or is 0); fuzzy factors within 1 +- 0.045
# (crystallisation only ever shrinks them)
if [ ! -x "$PY" ]; then skip dale_signs "no /usr/bin/python3"; exit 0; fi
# the activity each epoch reports: some weights re-drawn and damped with the
# mechanisms on (fractions of the targeted weights), none without them
activity() { $PY -c "
import json,sys
e=json.load(open(sys.argv[1]))['epochs']
k=('rejuvenated','damped','zeroed','crystallised')
print(all(0 < x['rejuvenated'] < 1 and 0 < x['damped'] < 1 and 0 <= x['zeroed'] < 1 and 0 <= x['crystallised'] <= 1 for x in e),
      all(x[j] == 0 for x in json.load(open(sys.argv[2]))['epochs'] for j in k))" "$1" "$2"; }
expect_eq mechanisms_activity "$(activity "$T/ref/metrics.json" "$T/plain/metrics.json")" "True True"

got=$(PYTHONPATH=tests $PY - "$T/ref/checkpoint.ckpt" <<'PY'
import sys, numpy as np, connc_container
arr = connc_container.read(sys.argv[1])[1]
f, exc, p = arr["fuzzy_factor"], arr["dale_excitatory"], arr["param"]
# conv1 is the first tensor: 8 filters x 1 input channel x 9 taps, one sign (unit 0)
s = 1 if exc[0] else -1
conv1_ok = bool(np.all(s * p[:72] >= 0))
print(len(f) == len(p), bool(np.all((f > 0) & (f <= 1.045 + 1e-6))), bool(exc.min() >= 0 and exc.max() <= 1), conv1_ok)
PY
)
expect_eq checkpoint_state "$got" "True True True True"
expect_err unknown_on_switch 2 "--on 'wings': unknown switch" "$CONNC" -q emit "$T/c.cir" --on wings -o "$T/x.cnet"
exit 0
