#!/bin/sh
# stream.sh: `connc compile --mem` out of core gives the in-memory IR byte for
# byte (the shipped column; a generated volume table of 3 M synapses), bad
# input fails as in memory and leaves nothing behind, --mem is checked; and
# `connc synth --volume` is reproducible and follows the column it is fitted to.
. tests/lib.sh

COL=connectomes/minnie65_v1_column_synth
compile() { "$CONNC" compile "$@"; }
quiet() { "$CONNC" -q compile "$@"; } # errors: the one line, no progress lines before it

# same_ir NAME A B: the two IR files are the same bytes
same_ir() {
    if cmp -s "$2" "$3"; then pass "$1"; else fail "$1" "$2 and $3 differ"; fi
}

# out_of_core NAME: the last command compiled out of core, in 2 blocks or more
out_of_core() {
    blocks=$(sed -n 's/.*compiling out of core (chunks: [0-9]*, blocks of rows: \([0-9]*\).*/\1/p' "$T/err")
    if [ "${blocks:-0}" -ge 2 ]; then pass "$1"; else fail "$1" "not out of core in blocks: $(head -c 300 "$T/err")"; fi
}

# ---- the shipped column: in memory (default --mem) and out of core
expect_ok column_in_memory compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/col.cir"
if grep -q "out of core" "$T/err"; then fail column_default_in_memory "$(head -c 300 "$T/err")"; else pass column_default_in_memory; fi
expect_ok column_out_of_core compile --mem 33M --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/col-s.cir"
out_of_core column_in_blocks
same_ir column_same_ir "$T/col.cir" "$T/col-s.cir"

# ---- a generated volume table: 20 000 cells, 3 M synapses (about 130 MB)
expect_ok synth_volume "$CONNC" -q synth --volume --like $COL --ncells 20000 --nsynapses 3000000 --seed 9 -o "$T/vol"
V=$T/vol
rows=$(($(wc -l <"$V/synapses.csv") - 1))
expect_eq volume_rows "$rows" 3000000
expect_ok volume_in_memory compile --cells "$V/cells.csv" --synapses "$V/synapses.csv" -o "$T/vol.cir"
expect_ok volume_out_of_core compile --mem 40M --cells "$V/cells.csv" --synapses "$V/synapses.csv" -o "$T/vol-s.cir"
out_of_core volume_in_blocks
same_ir volume_same_ir "$T/vol.cir" "$T/vol-s.cir"
mkdir "$T/scratch"
expect_ok volume_tmpdir env TMPDIR="$T/scratch" "$CONNC" compile --mem 40M --cells "$V/cells.csv" --synapses "$V/synapses.csv" -o "$T/vol-t.cir"
if grep -q "scratch files in $T/scratch" "$T/err"; then pass scratch_in_tmpdir; else fail scratch_in_tmpdir "$(head -c 300 "$T/err")"; fi
same_ir volume_tmpdir_same_ir "$T/vol.cir" "$T/vol-t.cir"

# ---- bad input out of core: one line naming file:line:field, exit 3, nothing left
sed '2500000s/^[0-9]*/x7/' "$V/synapses.csv" >"$T/bad.csv"
expect_err bad_row_out_of_core 3 "bad.csv:2500000: field 'pre_pt_root_id': not an unsigned integer: 'x7'" \
    env TMPDIR="$T/scratch" "$CONNC" -q compile --mem 40M --cells "$V/cells.csv" --synapses "$T/bad.csv" -o "$T/x.cir"
head -n 2000000 "$V/synapses.csv" >"$T/unknown.csv"
echo "990000000000000001,123,5" >>"$T/unknown.csv"
expect_err unknown_cell_out_of_core 3 "unknown.csv:2000001: field 'post_pt_root_id': root id 123 is not in the cell table" \
    quiet --mem 40M --cells "$V/cells.csv" --synapses "$T/unknown.csv" -o "$T/x.cir"
expect_ok skip_unknown_out_of_core compile --mem 40M --skip-unknown --cells "$V/cells.csv" --synapses "$T/unknown.csv" -o "$T/skip-s.cir"
expect_ok skip_unknown_in_memory compile --skip-unknown --cells "$V/cells.csv" --synapses "$T/unknown.csv" -o "$T/skip.cir"
same_ir skip_unknown_same_ir "$T/skip.cir" "$T/skip-s.cir"
expect_err output_dir_missing 4 "cannot create" quiet --mem 40M --cells "$V/cells.csv" --synapses "$V/synapses.csv" \
    -o "$T/nodir/x.cir"
[ -e "$T/x.cir" ] && fail no_output_after_errors "x.cir exists" || pass no_output_after_errors
left=$(find "$T" -name '*.tmp.*' -o -name '.connc-scratch-*' | wc -l)
expect_eq no_scratch_files_left "$left $(ls -A "$T/scratch" | wc -l)" "0 0"
expect_ok tmpdir_missing_in_memory env TMPDIR="$T/absent" "$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/col-t.cir"
same_ir tmpdir_missing_in_memory_same_ir "$T/col.cir" "$T/col-t.cir"
expect_err tmpdir_missing 4 "cannot create a scratch file" \
    env TMPDIR="$T/absent" "$CONNC" -q compile --mem 40M --cells "$V/cells.csv" --synapses "$V/synapses.csv" -o "$T/x.cir"

# ---- --mem
for bad in 0 12Q abc 2GB -1G 99999999999999999999; do
    expect_err "mem_rejects_$bad" 2 "--mem: expected a size such as 512M or 2G" \
        quiet --mem "$bad" --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/x.cir"
done
expect_err mem_too_small 7 "--mem: too small for 20000 cells, which need at least 38M" \
    quiet --mem 16M --cells "$V/cells.csv" --synapses "$V/synapses.csv" -o "$T/x.cir"

# ---- synth --volume: reproducible; the model is the column's
expect_ok synth_small "$CONNC" -q synth --volume --like $COL --ncells 3000 --nsynapses 200000 --seed 5 -o "$T/v1"
expect_ok synth_small_again "$CONNC" -q synth --volume --like $COL --ncells 3000 --nsynapses 200000 --seed 5 -o "$T/v2"
if cmp -s "$T/v1/synapses.csv" "$T/v2/synapses.csv" && cmp -s "$T/v1/cells.csv" "$T/v2/cells.csv"; then
    pass synth_volume_reproducible
else
    fail synth_volume_reproducible "same seed, other bytes"
fi
expect_ok synth_other_seed "$CONNC" -q synth --volume --like $COL --ncells 3000 --nsynapses 200000 --seed 6 -o "$T/v3"
cmp -s "$T/v1/synapses.csv" "$T/v3/synapses.csv" && fail synth_seed_matters "seeds 5 and 6 give the same table" || pass synth_seed_matters
got=$($PY -c '
import csv, json, sys
p = json.load(open(sys.argv[1] + "/provenance.json"))
m = p["model"]
types = {t["cell_type"]: t for t in m["types"]}
n = {}
for r in csv.DictReader(open(sys.argv[1] + "/cells.csv")):
    n[r["cell_type"]] = n.get(r["cell_type"], 0) + 1
print(m["reference_cells"], m["reference_synapses"], m["reference_connections"], len(types),
      "%.4f %.4f" % tuple(m["size_lognormal"]), "%.4f" % m["synapses_per_connection"][0],
      n["23P"], p["cells_per_type"]["23P"], "%.3f %.3f" % tuple(types["BC"]["out_degree"][:2]))
' "$T/v1" 2>&1)
expect_eq synth_volume_model "$got" "1333 143832 126700 13 7.7745 1.3326 0.8870 785 785 6.479 0.265"
expect_err synth_volume_needs_like 2 "--volume takes --like, --seed and -o" "$CONNC" synth --volume --seed 1 -o "$T/x"
expect_err synth_volume_no_column_inputs 2 "--volume takes --like" \
    "$CONNC" synth --volume --like $COL --types $COL/inputs/types.csv --seed 1 -o "$T/x"
expect_err synth_volume_bad_count 2 "--ncells: expected an integer" "$CONNC" synth --volume --like $COL --ncells 0 --seed 1 -o "$T/x"
expect_err synth_volume_bad_like 4 "cannot open" "$CONNC" -q synth --volume --like "$T/absent" --seed 1 -o "$T/x"
