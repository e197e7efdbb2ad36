#!/bin/sh
# crash.sh: every long command killed with SIGKILL at random points while it
# rewrites an output that already exists.  After each kill the previous
# output must be intact (the same bytes: these commands are deterministic,
# so a run that finished before the kill wrote the same bytes again), and a
# last run must succeed and write it again.  Temp files a killed run leaves
# (NAME.tmp.XXXXXX, see common/outfile.c) are not outputs and are not hashed.
# A training checkpoint is checked by its checksums instead (see below).
. tests/lib.sh

COL=connectomes/minnie65_v1_column_synth
DATA=examples/data/fer2013_sample.csv.gz
KILLS=${CRASH_KILLS:-6}

# digest PATH: one hash of a file, or of a directory's files and names
digest() {
    if [ -d "$1" ]; then
        (cd "$1" && find . -type f ! -name '*.tmp.*' | LC_ALL=C sort | xargs sha256sum) | sha256sum
    else
        sha256sum <"$1"
    fi
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# same_as_reference OUTPUT: the output has the reference run's bytes
same_as_reference() { [ "$(digest "$1" 2>/dev/null)" = "$want" ]; }

# a readable checkpoint: training checkpoints record epoch wall times, so a
# newer one differs from the reference, but it must pass its checksums
valid_checkpoint() { "$CONNC" -q inspect "$1" >/dev/null 2>&1; }

# crash NAME OUTPUT CHECK CMD...: runs CMD once for the reference output,
# then KILLS times again with a SIGKILL after a random delay within 1.2x the
# reference run's wall time (CHECK OUTPUT after each), then once more to
# completion.
crash() {
    name=$1 out=$2 check=$3
    shift 3
    t0=$(now_ms)
    if ! "$@" >"$T/out" 2>"$T/err"; then
        fail "${name}_reference" "exit $? $(head -c 300 "$T/err")"
        return
    fi
    span=$(($(now_ms) - t0 + 1))
    want=$(digest "$out")
    i=0 broken=""
    while [ $i -lt "$KILLS" ]; do
        delay=$(awk -v s="$span" -v seed="$$$i" 'BEGIN { srand(seed); printf "%.3f", rand() * 1.2 * s / 1000 }')
        "$@" >/dev/null 2>&1 &
        pid=$!
        sleep "$delay"
        kill -9 $pid 2>/dev/null
        wait $pid 2>/dev/null
        $check "$out" || broken="$broken ${delay}s"
        i=$((i + 1))
    done
    if [ -z "$broken" ]; then pass "${name}_intact_after_${KILLS}_kills"
    else fail "${name}_intact_after_${KILLS}_kills" "output changed after a kill at$broken"; fi
    if "$@" >"$T/out" 2>"$T/err" && $check "$out"; then pass "${name}_next_run"
    else fail "${name}_next_run" "$(head -c 300 "$T/err")"; fi
}

crash compile "$T/c.cir" same_as_reference "$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/c.cir"
crash emit "$T/c.cnet" same_as_reference "$CONNC" -q emit "$T/c.cir" -o "$T/c.cnet"
crash export_npz "$T/npz" same_as_reference "$CONNC" -q export "$T/c.cir" --format npz -o "$T/npz"
crash export_mtx "$T/mtx" same_as_reference "$CONNC" -q export "$T/c.cir" --format mtx -o "$T/mtx"
crash fer_cache "$T/cache" same_as_reference "$CONNC" -q data --data $DATA --cache-dir "$T/cache"
crash synth "$T/synth" same_as_reference env CONNC="$CONNC" sh $COL/regenerate.sh "$T/synth"
crash train "$T/run/checkpoint.ckpt" valid_checkpoint "$CONNC" -q train "$T/c.cnet" --data $DATA --cache-dir "$T/cache" \
    --limit 200 --epochs 2 --seed 3 --threads 1 -o "$T/run"
