#!/bin/sh
# ingest.sh: synapse-table ingest rate of `connc compile` on a large
# synthetic table: ROWS rows (default 50 M) of random pre/post pairs among
# the shipped column's cells, with sizes, as plain CSV (generated here, never
# committed).  Reports rows/s (median of N runs, min, max) and peak resident
# memory, appended to docs/BENCHMARKS.md.
set -e
CONNC=${CONNC:-bin/connc}
ROWS=${ROWS:-50000000}
N=${N:-3}
COL=connectomes/minnie65_v1_column_synth
OUT=$(mktemp -d "${TMPDIR:-/tmp}/connc-ingest-XXXXXX")
trap 'rm -rf "$OUT"' EXIT

# the table: a fixed seed, so every run of the bench reads the same bytes
awk -F, -v rows="$ROWS" 'NR == FNR { if (FNR > 1) id[n++] = $3; next }
    END {
        srand(20261124);
        print "pre_pt_root_id,post_pt_root_id,size";
        for (i = 0; i < rows; i++)
            printf "%s,%s,%d\n", id[int(rand() * n)], id[int(rand() * n)], 50 + int(rand() * 5000);
    }' $COL/cells.csv $COL/cells.csv >"$OUT/synapses.csv"
bytes=$(wc -c <"$OUT/synapses.csv")

i=0
while [ $i -lt "$N" ]; do
    /usr/bin/time -f "%e %M" -o "$OUT/time" "$CONNC" -q compile --cells $COL/cells.csv --synapses "$OUT/synapses.csv" \
        -o "$OUT/big.cir"
    cat "$OUT/time"
    i=$((i + 1))
done >"$OUT/runs"
set -- $(sort -g "$OUT/runs" | awk -v rows="$ROWS" '{t[NR] = $1; if ($2 > m) m = $2}
    END { printf "%.0f %.0f %.0f %.2f %.2f %.2f %.0f", rows / t[int((NR + 1) / 2)], rows / t[NR], rows / t[1],
          t[int((NR + 1) / 2)], t[1], t[NR], m / 1024 }')
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
printf '| %s | %s | synapse table ingest: connc compile of %s synthetic rows (%s MB CSV, column cells), %s s median (%s-%s s), peak RSS %s MiB | %s rows/s | %s rows/s | %s rows/s | %s |\n' \
    "$(date -u +%Y-%m-%d)" "$cpu" "$ROWS" "$((bytes / 1000000))" "$4" "$5" "$6" "$7" "$1" "$2" "$3" "$N" >>docs/BENCHMARKS.md
tail -1 docs/BENCHMARKS.md
