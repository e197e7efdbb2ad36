#!/bin/sh
# volume.sh: the out-of-core compile of a whole synthetic volume.  Generates
# CELLS cells and ROWS synapses (defaults: 200 000 and 300 M, the size of the
# minnie65 volume; about 13.5 GB of CSV, and as much again of scratch files
# and IR while it compiles) with `connc synth --volume`, fitted to the shipped
# column, then times `connc compile --mem MEM` (default 4G) N times (default
# 1): wall time (median, min, max) and the largest peak RSS, both from
# /usr/bin/time.  Appends one row to docs/BENCHMARKS.md.  The files go to a
# temporary directory in $TMPDIR (default /tmp), removed at the end.
set -e
CONNC=${CONNC:-bin/connc}
CELLS=${CELLS:-200000}
ROWS=${ROWS:-300000000}
MEM=${MEM:-4G}
N=${N:-1}
COL=connectomes/minnie65_v1_column_synth
OUT=$(mktemp -d "${TMPDIR:-/tmp}/connc-volume-XXXXXX")
trap 'rm -rf "$OUT"' EXIT

s=$(date +%s.%N)
"$CONNC" -q synth --volume --like $COL --ncells "$CELLS" --nsynapses "$ROWS" --seed 1 -o "$OUT/vol"
gen=$(awk "BEGIN { printf \"%.0f\", $(date +%s.%N) - $s }")
bytes=$(wc -c <"$OUT/vol/synapses.csv")

i=0
while [ $i -lt "$N" ]; do
    /usr/bin/time -f "%e %M" -o "$OUT/time" "$CONNC" -q compile --mem "$MEM" --cells "$OUT/vol/cells.csv" \
        --synapses "$OUT/vol/synapses.csv" -o "$OUT/volume.cir"
    cat "$OUT/time"
    i=$((i + 1))
done >"$OUT/runs"
ir=$(wc -c <"$OUT/volume.cir")
set -- $(sort -g "$OUT/runs" | awk '{t[NR] = $1; if ($2 > m) m = $2}
    END { printf "%.1f %.1f %.1f %.0f", t[int((NR + 1) / 2)], t[1], t[NR], m / 1024 }')
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
printf '| %s | %s | out-of-core compile of a synthetic volume (connc synth --volume, fitted to the shipped column): %s cells, %s synapses (%s MB CSV, generated in %s s), --mem %s, %s cores; peak RSS %s MiB, IR %s MB | %s s | %s s | %s s | %s |\n' \
    "$(date -u +%Y-%m-%d)" "$cpu" "$CELLS" "$ROWS" "$((bytes / 1000000))" "$gen" "$MEM" "$(nproc)" "$4" \
    "$((ir / 1000000))" "$1" "$2" "$3" "$N" >>docs/BENCHMARKS.md
tail -1 docs/BENCHMARKS.md
