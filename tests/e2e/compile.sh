#!/bin/sh
# compile.sh: `connc compile` / `emit` / `inspect` end to end on the tiny
# column of tests/data (expected values worked out in tests/unit/test_compile.c),
# bad tables, crash safety and corruption detection.
. tests/lib.sh

D=tests/data
CELLS=$D/tiny_cells.csv
SYN=$D/tiny_synapses.csv
compile() { "$CONNC" -q compile "$@"; }

# ---- a good compile, twice, and in other layouts
expect_ok compile_tiny compile --cells "$CELLS" --synapses "$SYN" -o "$T/tiny.cir"
expect_ok compile_tiny_again compile --cells "$CELLS" --synapses "$SYN" -o "$T/tiny2.cir"
if cmp -s "$T/tiny.cir" "$T/tiny2.cir"; then pass compile_twice_identical; else fail compile_twice_identical "the two IR files differ"; fi

gzip -c "$SYN" >"$T/syn.csv.gz"
gzip -c "$CELLS" >"$T/cells.csv.gz"
expect_ok compile_gzip compile --cells "$T/cells.csv.gz" --synapses "$T/syn.csv.gz" -o "$T/gz.cir"
if cmp -s "$T/tiny.cir" "$T/gz.cir"; then pass gzip_same_ir; else fail gzip_same_ir "CSV.gz gives other bytes than CSV"; fi

# rows in reverse order (header kept first)
{ head -n 1 "$SYN"; tail -n +2 "$SYN" | sort -r; } >"$T/syn-rev.csv"
expect_ok compile_reversed compile --cells "$CELLS" --synapses "$T/syn-rev.csv" -o "$T/rev.cir"
if cmp -s "$T/tiny.cir" "$T/rev.cir"; then pass row_order_same_ir; else fail row_order_same_ir "reordered rows give other bytes"; fi

# ---- a plain table of 4 MiB or more is read in two threads: the IR is the
# one gzip (read by one thread) gives, and an error late in it keeps its line
awk 'BEGIN { split("10 20 30 35 40 45 50 55 60", id, " "); print "pre_pt_root_id,post_pt_root_id,size";
             for (i = 0; i < 400000; i++) printf "%s,%s,%d.%d\n", id[i % 9 + 1], id[int(i / 9) % 9 + 1], i % 1000, i % 2 * 5 }' >"$T/big.csv"
gzip -c "$T/big.csv" >"$T/big.csv.gz"
expect_ok compile_big_plain compile --cells "$CELLS" --synapses "$T/big.csv" -o "$T/big.cir"
expect_ok compile_big_gzip compile --cells "$CELLS" --synapses "$T/big.csv.gz" -o "$T/big-gz.cir"
if cmp -s "$T/big.cir" "$T/big-gz.cir"; then pass split_read_same_ir; else fail split_read_same_ir "two threads give other bytes than one"; fi
sed '390000s/^[0-9]*/x7/' "$T/big.csv" >"$T/big-bad.csv"
expect_err split_read_error_line 3 "big-bad.csv:390000: field 'pre_pt_root_id': not an unsigned integer: 'x7'" \
    compile --cells "$CELLS" --synapses "$T/big-bad.csv" -o "$T/x.cir"

# ---- inspect --json: layers (name, size) and projections (from, to, kind, nnz)
if "$CONNC" inspect --json "$T/tiny.cir" >"$T/inspect.json" 2>"$T/err"; then
    got=$($PY -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m["kind"], ";", " ".join("%s:%d" % (l["name"], l["size"]) for l in m["layers"]), ";",
      " ".join("%s>%s/%s=%d" % (p["from"], p["to"], p["kind"], p["nnz"]) for p in m["projections"]), ";",
      m["cells"]["count"], m["synapses"]["in_column"], m["synapses"]["skipped_invalid"], len(m["arrays"]))
' "$T/inspect.json" 2>&1)
    expect_eq inspect_json "$got" "ir ; A:2 B:2 C:2 D:1 ; A>A/intra=2 A>B/inter=3 B>B/intra=2 B>C/inter=2 C>C/intra=1 C>D/inter=2 D>D/intra=0 ; 10 26 1 27"
else
    fail inspect_json "exit $? $(head -c 300 "$T/err")"
fi
expect_ok inspect_text "$CONNC" inspect --arrays "$T/tiny.cir"
if grep -q 'adjacency/indices' "$T/out" && grep -q '^  B ' "$T/out"; then pass inspect_text_content; else fail inspect_text_content "$(head -c 300 "$T/out")"; fi

# ---- options
expect_ok compile_options compile --cells "$CELLS" --synapses "$SYN" -o "$T/opt.cir" --threshold 2 --autapses --inhibition partners
"$CONNC" inspect --json "$T/opt.cir" >"$T/opt.json" 2>/dev/null
got=$($PY -c '
import json, sys
m = json.load(open(sys.argv[1]))
o = m["options"]
print(o["threshold"], o["autapses"], o["inhibition"], [p["nnz"] for p in m["projections"]],
      [l["inhibition"]["total"] for l in m["layers"]])
' "$T/opt.json" 2>&1)
expect_eq compile_options_recorded "$got" "2 True partners [1, 1, 0, 1, 0, 0, 0] [0, 2, 3, 0]"

# ---- provenance is recorded as given; bad JSON is a data error
printf '{"datastack": "minnie65_public", "version": 1718}' >"$T/prov.json"
expect_ok compile_provenance compile --cells "$CELLS" --synapses "$SYN" --provenance "$T/prov.json" -o "$T/prov.cir"
got=$("$CONNC" inspect --json "$T/prov.cir" 2>&1 | $PY -c 'import json, sys; s = json.load(sys.stdin)["source"]; print(s["datastack"], s["version"])' 2>&1)
expect_eq provenance_recorded "$got" "minnie65_public 1718"
printf '{"datastack": ' >"$T/badprov.json"
expect_err provenance_bad_json 3 "--provenance: not valid JSON" compile --cells "$CELLS" --synapses "$SYN" --provenance "$T/badprov.json" -o "$T/x.cir"

# ---- emit
expect_ok emit_tiny "$CONNC" -q emit "$T/tiny.cir" -o "$T/tiny.cnet"
got=$("$CONNC" inspect --json "$T/tiny.cnet" 2>&1 | $PY -c '
import json, sys
m = json.load(sys.stdin)
off = sorted(k for k, v in m["switches"].items() if not v)
print(m["kind"], m["parameters"], off, [o["name"] for o in m["ops"] if o["op"] == "bio_layer"])
' 2>&1)
# every ablation switch on; the BIO_LAYERS.md mechanisms off by default
expect_eq emit_inspect "$got" "network 10751 ['bcm', 'bio_neuron', 'crystallise', 'dale', 'fuzzy_lr', 'rejuvenation', 'weight_splitting'] ['A', 'B', 'C', 'D']"
expect_ok emit_options "$CONNC" -q emit "$T/tiny.cir" --off masks --set lr=0.001 -o "$T/abl.cnet"
got=$("$CONNC" inspect --json "$T/abl.cnet" 2>&1 | $PY -c '
import json, sys
m = json.load(sys.stdin)
print(m["switches"]["masks"], m["hyperparameters"]["lr"], m["parameters"])
' 2>&1)
expect_eq emit_options_recorded "$got" "False 0.001 10762"
expect_err emit_unknown_key 2 "unknown hyperparameter" "$CONNC" -q emit "$T/tiny.cir" --set nope=1 -o "$T/x.cnet"
expect_err emit_unknown_switch 2 "unknown switch" "$CONNC" -q emit "$T/tiny.cir" --off nope -o "$T/x.cnet"
expect_err emit_from_cnet 3 "a network description, not an IR" "$CONNC" -q emit "$T/tiny.cnet" -o "$T/x.cnet"
[ -e "$T/x.cnet" ] && fail emit_no_output_on_error "x.cnet was written" || pass emit_no_output_on_error

# ---- bad tables: exit 3, one line naming file:line and field
printf 'pt_root_id,type\n1,4P\n' >"$T/nocol.csv"
expect_err missing_column 3 "nocol.csv:1: missing column 'cell_type'" compile --cells "$T/nocol.csv" --synapses "$SYN" -o "$T/x.cir"
printf 'pre_pt_root_id,post\n10,20\n' >"$T/nocol-syn.csv"
expect_err missing_syn_column 3 "nocol-syn.csv:1: missing column 'post_pt_root_id'" compile --cells "$CELLS" --synapses "$T/nocol-syn.csv" -o "$T/x.cir"
{ cat "$CELLS"; echo '20,23P,"[1, 1, 1]",t'; } >"$T/dup.csv"
expect_err duplicate_root 3 "dup.csv:14: field 'pt_root_id': duplicate root id 20 (first at line 5)" compile --cells "$T/dup.csv" --synapses "$SYN" -o "$T/x.cir"
{ cat "$SYN"; echo '2000,10,777,1,t'; } >"$T/unknown.csv"
expect_err unknown_cell 3 "unknown.csv:29: field 'post_pt_root_id': root id 777 is not in the cell table" compile --cells "$CELLS" --synapses "$T/unknown.csv" -o "$T/x.cir"
expect_ok skip_unknown compile --cells "$CELLS" --synapses "$T/unknown.csv" --skip-unknown -o "$T/skip.cir"
got=$("$CONNC" inspect --json "$T/skip.cir" 2>&1 | $PY -c '
import json, sys
m = json.load(sys.stdin)
print(m["synapses"]["skipped_unknown"], m["synapses"]["in_column"], m["options"]["skip_unknown"])
' 2>&1)
expect_eq skip_unknown_recorded "$got" "1 26 True"
{ head -n 3 "$SYN"; echo '2000,10,20,-3,t'; } >"$T/neg.csv"
expect_err negative_size 3 "neg.csv:4: field 'size': expected a number >= 0, got '-3'" compile --cells "$CELLS" --synapses "$T/neg.csv" -o "$T/x.cir"
{ head -n 2 "$SYN"; echo '2000,10x,20,1,t'; } >"$T/nonnum.csv"
expect_err non_numeric_id 3 "nonnum.csv:3: field 'pre_pt_root_id': not an unsigned integer: '10x'" compile --cells "$CELLS" --synapses "$T/nonnum.csv" -o "$T/x.cir"
{ head -n 2 "$SYN"; echo '2000,18446744073709551616,20,1,t'; } >"$T/big.csv"
expect_err id_over_2_64 3 "big.csv:3: field 'pre_pt_root_id': does not fit in 64 bits" compile --cells "$CELLS" --synapses "$T/big.csv" -o "$T/x.cir"
{ head -n 2 "$CELLS"; echo '18446744073709551616,4P,"[1, 1, 1]",t'; } >"$T/bigcell.csv"
expect_err cell_id_over_2_64 3 "bigcell.csv:3: field 'pt_root_id'" compile --cells "$T/bigcell.csv" --synapses "$SYN" -o "$T/x.cir"
: >"$T/empty.csv"
expect_err empty_file 3 "empty.csv: empty file" compile --cells "$CELLS" --synapses "$T/empty.csv" -o "$T/x.cir"
expect_err missing_file 4 "absent.csv: cannot open" compile --cells "$T/absent.csv" --synapses "$SYN" -o "$T/x.cir"
{ head -n 3 "$SYN"; echo '2000,10,20'; } >"$T/short.csv"
expect_err short_row 3 "short.csv:4: 3 fields, the header has 5" compile --cells "$CELLS" --synapses "$T/short.csv" -o "$T/x.cir"
printf '[{"pre_pt_root_id": 10, "post_pt_root_id": 20},\n {"pre_pt_root_id": 10, "post_pt_root_id": 20' >"$T/trunc.json"
expect_err truncated_json 3 "trunc.json: record 2: truncated JSON object" compile --cells "$CELLS" --synapses "$T/trunc.json" -o "$T/x.cir"
n=$(wc -c <"$T/syn.csv.gz")
head -c $((n - 10)) "$T/syn.csv.gz" >"$T/trunc.csv.gz"
expect_err truncated_gzip 3 "trunc.csv.gz" compile --cells "$CELLS" --synapses "$T/trunc.csv.gz" -o "$T/x.cir"
printf 'pt_root_id,cell_type\n1,4P\n2,23P\n3,5P-IT\n' >"$T/nod.csv"
printf 'pre_pt_root_id,post_pt_root_id\n1,2\n' >"$T/nod-syn.csv"
expect_err empty_layer 3 "layer 'D' has no cells" compile --cells "$T/nod.csv" --synapses "$T/nod-syn.csv" -o "$T/x.cir"
[ -e "$T/x.cir" ] && fail no_output_after_errors "x.cir exists" || pass no_output_after_errors

# ---- output safety
expect_err missing_output_dir 4 "cannot create" compile --cells "$CELLS" --synapses "$SYN" -o "$T/nodir/sub/out.cir"
[ -e "$T/nodir" ] && fail missing_dir_untouched "$T/nodir was created" || pass missing_dir_untouched
cp "$T/tiny.cir" "$T/keep.cir"
cp "$T/tiny.cir" "$T/keep.orig"
expect_err failing_compile_over_existing 3 "neg.csv:4" compile --cells "$CELLS" --synapses "$T/neg.csv" -o "$T/keep.cir"
if cmp -s "$T/keep.cir" "$T/keep.orig"; then pass existing_output_untouched; else fail existing_output_untouched "keep.cir changed"; fi
mkdir "$T/adir"
expect_err output_is_directory 4 "adir" compile --cells "$CELLS" --synapses "$SYN" -o "$T/adir"
left=$(find "$T" -name '*.tmp.*' | wc -l)
expect_eq no_temp_files_left "$left" "0"

# ---- corruption: a flipped byte is reported with exit 5
flip() { $PY -c '
import sys
p, at = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
at = at if at >= 0 else len(b) + at
b[at] ^= 0x20
open(p, "wb").write(b)
' "$@"; }
for where in 40 200 -100 -1; do
    cp "$T/tiny.cir" "$T/flip.cir"
    flip "$T/flip.cir" $where
    expect_err "inspect_flipped_byte_$where" 5 "corrupt connc file" "$CONNC" inspect "$T/flip.cir"
done
cp "$T/tiny.cir" "$T/flip.cir"
flip "$T/flip.cir" 300
expect_err emit_flipped_ir 5 "checksum mismatch" "$CONNC" -q emit "$T/flip.cir" -o "$T/x.cnet"
head -c 1000 "$T/tiny.cir" >"$T/cut.cir"
expect_err inspect_truncated 5 "truncated" "$CONNC" inspect "$T/cut.cir"
expect_err inspect_not_connc 3 "bad magic" "$CONNC" inspect "$CELLS"

# ---- the real CAVE rows: 1000 synapses 500 -> 501, ids beyond 2^53, CSV and JSON records alike
FIX=$SHARED/connectomes/caveclient_fixture
if [ -r "$FIX/synapse_query_split.csv" ] && [ -r "$FIX/synapse_query_split.records.json" ]; then
    printf 'pt_root_id,cell_type\n500,4P\n501,23P\n502,5P-IT\n503,6P-CT\n' >"$T/fix-cells.csv"
    expect_ok fixture_csv compile --cells "$T/fix-cells.csv" --synapses "$FIX/synapse_query_split.csv" -o "$T/fix1.cir"
    expect_ok fixture_json compile --cells "$T/fix-cells.csv" --synapses "$FIX/synapse_query_split.records.json" -o "$T/fix2.cir"
    if cmp -s "$T/fix1.cir" "$T/fix2.cir"; then pass fixture_csv_json_same_ir; else fail fixture_csv_json_same_ir "CSV and JSON records differ"; fi
    got=$("$CONNC" inspect --json "$T/fix1.cir" 2>&1 | $PY -c '
import json, sys
m = json.load(sys.stdin)
print(m["synapses"]["in_column"], m["synapses"]["connections"], [p["synapses"] for p in m["projections"] if p["kind"] == "inter"])
' 2>&1)
    expect_eq fixture_counts "$got" "1000 1 [1000, 0, 0]"
else
    skip fixture_csv "no $FIX"
fi
