#!/bin/sh
# regenerate.sh [OUT_DIR]: remakes the shipped synthetic column with the
# exact command documented in README.md (default OUT_DIR: this folder).
# CONNC names the connc binary (default bin/connc of this checkout).  The
# inputs are named relative to the repository root, as provenance.json
# records them, so the command runs from there.
set -eu
abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
here=$(cd "$(dirname "$0")" && pwd)
out=$(abspath "${1:-$here}")
connc=$(abspath "${CONNC:-$here/../../bin/connc}")
cd "$here/../.."
col=connectomes/minnie65_v1_column_synth
"$connc" synth \
    --types $col/inputs/types.csv \
    --matrix $col/inputs/column_celltype_synapse_counts_proofread_v1718.csv \
    --proxy WM-P=6P-U \
    --reference-graph connectomes/pinky100_l23_pyc/synapses.csv \
    --sizes $col/inputs/synapse_sizes_examples.csv \
    --matrix-source "minnie65_public v1718: synapses between typed, axon-proofread V1-column cells; AllenInstitute/microns_tutorial@5c497b41725824ddd34061a27646468ae02694fa tutorial_book/quickstart_notebooks/04-cave-query-synapses.ipynb, output of cell 61 (transcribed)" \
    --column-origin-um 700,400,860 --column-width-um 100 --synapse-spread-um 50 \
    --seed 1718 -o "$out"
