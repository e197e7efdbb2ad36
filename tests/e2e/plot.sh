# plot.sh: `connc inspect --plot DIR` on the shipped column: four well-formed
# SVG files whose numbers are the IR's (checked against `inspect --json`),
# and a clear error for a file that is not an IR.
. tests/lib.sh

COL=connectomes/minnie65_v1_column_synth
"$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/c.cir" &&
    "$CONNC" -q emit "$T/c.cir" -o "$T/n.cnet" || { fail setup "compile/emit failed"; exit 0; }
expect_ok plot "$CONNC" -q inspect --plot "$T/pics" "$T/c.cir"
n=0
for f in layers masks degrees inhibition; do [ -s "$T/pics/$f.svg" ] && n=$((n + 1)); done
expect_eq four_pictures "$n" 4
expect_err plot_needs_ir 2 "--plot draws an IR (.cir)" "$CONNC" -q inspect --plot "$T/x" "$T/n.cnet"
[ -e "$T/x" ] && fail plot_needs_ir_writes_nothing "$T/x exists" || pass plot_needs_ir_writes_nothing

if [ ! -x "$PY" ]; then skip plot_numbers "no /usr/bin/python3"; exit 0; fi
"$CONNC" inspect --json "$T/c.cir" >"$T/c.json"
got=$($PY - "$T/pics" "$T/c.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
pics, meta = sys.argv[1], json.load(open(sys.argv[2]))
text = {}
for f in ("layers", "masks", "degrees", "inhibition"):
    root = ET.parse(f"{pics}/{f}.svg").getroot()          # well-formed XML
    text[f] = " | ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
ok = []
for p in meta["projections"]:
    name = f"{p['to']}.{p['kind']}"
    ok.append(f"{p['rows']} x {p['cols']}, {p['nnz']} nonzeros" in text["masks"] and name in text["masks"])
for l in meta["layers"]:
    ok.append(f"{l['size']} cells" in text["layers"])
    ok.append(f"{l['name']}: {l['inhibition']['nonzero']} of {l['size']} cells with I > 0" in text["inhibition"])
print(all(ok), len(ok) == len(meta["projections"]) + 2 * len(meta["layers"]))
PY
)
expect_eq plot_numbers "$got" "True True"
exit 0
