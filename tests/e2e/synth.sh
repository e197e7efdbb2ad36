#!/bin/sh
# synth.sh: `connc synth` and the two shipped connectomes (connectomes/README.md).
. tests/lib.sh
COL=connectomes/minnie65_v1_column_synth
PINKY=connectomes/pinky100_l23_pyc

# ---- the shipped column is what the documented command makes, byte for byte
if CONNC=$CONNC sh $COL/regenerate.sh "$T/col" >"$T/out" 2>"$T/err"; then
    for f in cells.csv type_matrix.csv provenance.json; do
        if cmp -s "$COL/$f" "$T/col/$f"; then pass "regenerated_$f"; else fail "regenerated_$f" "differs from $COL/$f"; fi
    done
    # gzip bytes may differ between zlib versions; the CSV inside may not
    gzip -dc "$COL/synapses.csv.gz" >"$T/shipped.csv"
    gzip -dc "$T/col/synapses.csv.gz" >"$T/regenerated.csv"
    if cmp -s "$T/shipped.csv" "$T/regenerated.csv"; then pass regenerated_synapses; else fail regenerated_synapses "CSV differs"; fi
else
    fail regenerate "$(head -c 300 "$T/err")"
fi

# the calibration copy is the staged reference file
if [ -f "$SHARED/connectomes/calibration/column_celltype_synapse_counts_proofread_v1718.csv" ]; then
    expect_ok calibration_copy cmp "$SHARED/connectomes/calibration/column_celltype_synapse_counts_proofread_v1718.csv" \
        $COL/inputs/column_celltype_synapse_counts_proofread_v1718.csv
else
    skip calibration_copy "no $SHARED"
fi

# ---- the column compiles to BioNIC's layers, and its type matrix is the calibration
expect_ok column_compiles $CONNC -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/c.cir"
$CONNC inspect --json "$T/c.cir" >"$T/c.json" 2>"$T/err"
if [ ! -x "$PY" ]; then
    skip column_layers "no $PY"
else
    # prints one "name ok|detail" line per check
    $PY - "$T/c.json" $COL/inputs/column_celltype_synapse_counts_proofread_v1718.csv $COL/type_matrix.csv >"$T/checks" 2>&1 <<'EOF'
import csv, json, sys
ir = json.load(open(sys.argv[1]))
sizes = {l["name"]: l["size"] for l in ir["layers"]}
print("column_layers", "ok" if sizes == {"A": 266, "B": 349, "C": 185, "D": 383} else sizes)
print("column_inhibitory", "ok" if ir["cells"]["inhibitory"] == 150 else ir["cells"]["inhibitory"])
types, counts = ir["type_matrix"]["types"], ir["type_matrix"]["counts"]
canon = {"5P-PT": "5P-ET"}  # the table's spelling -> the paper's (mapping alias)
def differences(path):
    rows = list(csv.reader(open(path)))
    post = [canon.get(t, t) for t in rows[0][1:]]
    bad = []
    for r in rows[1:]:
        pre = canon.get(r[0], r[0])
        for p, want in zip(post, r[1:]):
            got = counts[types.index(pre)][types.index(p)]
            if got != int(want):
                bad.append("%s->%s %d != %s" % (pre, p, got, want))
    return len(rows) - 1, bad
n, bad = differences(sys.argv[2])
print("column_matches_calibration", "ok" if n == 12 and not bad else bad[:3])
n, bad = differences(sys.argv[3])
print("column_matches_type_matrix", "ok" if n == 13 and not bad else bad[:3])
EOF
    for name in column_layers column_inhibitory column_matches_calibration column_matches_type_matrix; do
        got=$(sed -n "s/^$name //p" "$T/checks")
        if [ "$got" = ok ]; then pass $name; else fail $name "${got:-$(head -c 300 "$T/checks")}"; fi
    done
fi

# ---- the real pinky100 graph: conversion re-runs, and the graph compiles whole
if [ -f "$SHARED/connectomes/pinky100_l23_pyc/soma.csv" ]; then
    mkdir -p "$T/pinky"
    expect_ok pinky_convert sh $PINKY/convert.sh "$SHARED/connectomes/pinky100_l23_pyc" "$T/pinky"
    for f in cells.csv synapses.csv; do
        if cmp -s "$PINKY/$f" "$T/pinky/$f"; then pass "pinky_converted_$f"; else fail "pinky_converted_$f" "differs from $PINKY/$f"; fi
    done
else
    skip pinky_convert "no $SHARED"
fi
expect_ok pinky_compiles $CONNC -q compile --cells $PINKY/cells.csv --synapses $PINKY/synapses.csv \
    --mapping connectomes/mappings/pinky100_l23.json -o "$T/p.cir"
$CONNC inspect --json "$T/p.cir" >"$T/p.json" 2>"$T/err"
compact=$(tr -d ' \n\t' <"$T/p.json")
count() { echo "$compact" | sed -n "s/.*\"$1\":{[^{}]*\"$2\":\([0-9]*\).*/\1/p"; }
expect_eq pinky_cells "$(count cells count)" 363
expect_eq pinky_synapses "$(count synapses in_column)" 1981
expect_eq pinky_connections "$(count synapses connections)" 1752

# ---- bad inputs: one line naming file, line and field; non-zero exit
printf 'cell_type,count,classification_system,depth_min_um,depth_max_um\nA,3,x,0,10\nB,2,x,0,10\n' >"$T/types.csv"
printf 'size\n100\n' >"$T/sizes.csv"
printf 'pre,post\n1,2\n' >"$T/ref.csv"
printf 'pre_cell_type,A,B\nA,1,2\nB,3,0\n' >"$T/ok.csv"
synth() {
    types=$1 matrix=$2; shift 2
    $CONNC synth --types "$types" --matrix "$matrix" --reference-graph "$T/ref.csv" --sizes "$T/sizes.csv" --seed 1 -o "$T/bad" "$@"
}
expect_ok synth_small synth "$T/types.csv" "$T/ok.csv"
printf 'cell_type,classification_system,depth_min_um,depth_max_um\nA,x,0,10\n' >"$T/nocount.csv"
expect_err missing_column 3 "nocount.csv: missing column 'count'" synth "$T/nocount.csv" "$T/ok.csv"
printf 'cell_type,count,classification_system,depth_min_um,depth_max_um\nA,-3,x,0,10\nB,2,x,0,10\n' >"$T/negative.csv"
expect_err negative_count 3 "negative.csv:2: field 'count'" synth "$T/negative.csv" "$T/ok.csv"
printf 'pre_cell_type,A,Q\nA,1,2\nQ,3,0\n' >"$T/unknown.csv"
expect_err unknown_type 3 "unknown.csv: column 'Q': cell type not in" synth "$T/types.csv" "$T/unknown.csv"
printf 'pre_cell_type,A,B\nA,1,2\n' >"$T/oblong.csv"
expect_err not_square 3 "oblong.csv: not square: cell type 'B'" synth "$T/types.csv" "$T/oblong.csv"
printf 'pre_cell_type,A\nA,1\n' >"$T/partial.csv"
expect_err no_proxy 3 "cell type 'B' of" synth "$T/types.csv" "$T/partial.csv"
expect_err bad_proxy 2 "--proxy B=Z" synth "$T/types.csv" "$T/partial.csv" --proxy B=Z
expect_err no_seed 2 "--seed" $CONNC synth --types "$T/types.csv" -o "$T/bad"
