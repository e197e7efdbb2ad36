#!/bin/sh
# make_sample.sh [FULL.csv.gz] [OUT.csv.gz]: makes the shipped FER-2013 sample.
#
# Stratified and deterministic: of each (emotion, Usage) cell it keeps every
# 15th row in file order, starting with the cell's first, so a cell of n rows
# gives ceil(n / 15).  The layout and the row order stay those of the full set.
# gzip -n leaves out the name and time stamp, so the output is byte-identical
# on every run.  Run from the repository root.
set -eu
full=${1:-../shared/data/fer2013.csv.gz}
out=${2:-examples/data/fer2013_sample.csv.gz}
gzip -dc "$full" |
    awk -F, -v k=15 'NR == 1 { print; next } { cell = $1 "," $3; if (seen[cell]++ % k == 0) print }' |
    gzip -9 -n >"$out.tmp"
mv "$out.tmp" "$out"
