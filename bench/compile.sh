#!/bin/sh
# compile.sh: wall time of `connc compile` on the shipped column, and of
# `connc emit`, as the median of N runs (with min and max).  Appends one
# dated row per figure to docs/BENCHMARKS.md.
set -e
CONNC=${CONNC:-bin/connc}
N=${N:-9}
COL=connectomes/minnie65_v1_column_synth
OUT=$(mktemp -d /tmp/connc-bench-XXXXXX)
trap 'rm -rf "$OUT"' EXIT

# times CMD... N times; prints "median min max" in seconds
timed() {
    i=0
    while [ $i -lt "$N" ]; do
        s=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        e=$(date +%s.%N)
        awk "BEGIN { print $e - $s }"
        i=$((i + 1))
    done | sort -g | awk '{v[NR] = $1} END {printf "%.4f %.4f %.4f\n", v[int((NR + 1) / 2)], v[1], v[NR]}'
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
date=$(date -u +%Y-%m-%d)
compile=$(timed "$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$OUT/c.cir")
"$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$OUT/c.cir"
emit=$(timed "$CONNC" -q emit "$OUT/c.cir" -o "$OUT/c.cnet")
rows=$(zcat $COL/synapses.csv.gz | wc -l)

[ -f docs/BENCHMARKS.md ] || printf '# Benchmarks\n\nAppended by `make bench`; each figure is the median of N runs with min and max, on the machine named.\n\n| date | CPU | what | median | min | max | N |\n|---|---|---|---|---|---|---|\n' > docs/BENCHMARKS.md
set -- $compile
printf '| %s | %s | compile, shipped column (%s synapse rows, csv.gz), 1 thread | %s s | %s s | %s s | %s |\n' "$date" "$cpu" "$((rows - 1))" "$1" "$2" "$3" "$N" >> docs/BENCHMARKS.md
set -- $emit
printf '| %s | %s | emit, shipped column | %s s | %s s | %s s | %s |\n' "$date" "$cpu" "$1" "$2" "$3" "$N" >> docs/BENCHMARKS.md
tail -2 docs/BENCHMARKS.md
