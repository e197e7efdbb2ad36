#!/bin/sh
# export.sh: `connc export` in every format.  The files are loaded the way
# their users load them (scipy.sparse.load_npz, numpy.load without pickle,
# scipy.io.mmread, csv, h5py) and compared with masks, adjacency and
# inhibition computed a second way, straight from the raw tables, in Python.
# Checks that need an optional tool print SKIP when it is missing.
. tests/lib.sh

# A hand-made column: two cells of each pyramidal layer (5P-PT is an alias of
# 5P-ET), inhibitory BC and MC, one unmapped type.  Root ids are 18 digits,
# above 2^53, and ...011 / ...012 are the same number as a double.
cat >"$T/cells.csv" <<'EOF'
pt_root_id,cell_type
864691135000000012,4P
864691135000000011,4P
864691135000000105,23P
864691135000000102,23P
864691135999999999,23P
864691135000000207,5P-IT
864691135000000201,5P-PT
864691135000000300,6P-IT
864691135000000301,6P-IT
864691135000000900,BC
864691135000000901,MC
864691135000000777,Unsure
EOF
# Repeated pairs, an autapse (105 -> 105), backward and skipping projections,
# inhibitory input to every layer and to an inhibitory cell.
cat >"$T/syn.csv" <<'EOF'
pre_pt_root_id,post_pt_root_id,size
864691135000000012,864691135000000105,120
864691135000000012,864691135000000105,80.5
864691135000000011,864691135000000102,300
864691135000000012,864691135999999999,44
864691135000000105,864691135000000105,10
864691135000000105,864691135000000102,15
864691135000000102,864691135000000105,20
864691135000000102,864691135000000105,21
864691135000000102,864691135000000105,22
864691135000000105,864691135000000207,500
864691135999999999,864691135000000201,250.25
864691135000000207,864691135000000300,60
864691135000000207,864691135000000300,61
864691135000000201,864691135000000301,62
864691135000000012,864691135000000011,7
864691135000000300,864691135000000301,8
864691135000000900,864691135000000012,30
864691135000000900,864691135000000012,31
864691135000000900,864691135000000105,32
864691135000000901,864691135000000207,33
864691135000000901,864691135000000300,34
864691135000000900,864691135000000901,35
864691135000000105,864691135000000012,36
864691135000000300,864691135000000012,37
864691135000000777,864691135000000105,38
EOF

MASKS="mask_A_intra mask_B_inter mask_B_intra mask_C_inter mask_C_intra mask_D_inter mask_D_intra"
MATRICES="adjacency_count adjacency_size $MASKS"
VECTORS="inhibition_A inhibition_B inhibition_C inhibition_D"
CELLS_NPY="cells_root_id.npy cells_layer.npy cells_type.npy cells_inhibitory.npy"

# expect_files NAME DIR FILE...: DIR holds exactly these files (no temporaries).
expect_files() {
    name=$1 dir=$2
    shift 2
    expect_eq "$name" "$(ls -A "$dir" | sort | tr '\n' ' ')" "$(printf '%s\n' "$@" | sort | tr '\n' ' ')"
}
# with_ext EXT NAME...: each name with .EXT appended.
with_ext() {
    ext=$1
    shift
    for n in "$@"; do printf '%s.%s ' "$n" "$ext"; done
}

expect_ok compile "$CONNC" -q compile --cells "$T/cells.csv" --synapses "$T/syn.csv" -o "$T/x.cir"
for f in npz npy mtx csv; do
    expect_ok "export_$f" "$CONNC" export "$T/x.cir" --format "$f" -o "$T/$f"
done
# (the unquoted lists split into file names on purpose)
expect_files files_npz "$T/npz" $(with_ext npz $MATRICES) $(with_ext npy $VECTORS) $CELLS_NPY metadata.json
expect_files files_npy "$T/npy" $(with_ext npy $MATRICES $VECTORS) $CELLS_NPY metadata.json
expect_files files_mtx "$T/mtx" $(with_ext mtx $MATRICES $VECTORS) cells.csv metadata.json
expect_files files_csv "$T/csv" adjacency.csv $(with_ext csv $MASKS $VECTORS) \
    cells.csv metadata.json

# SONATA needs HDF5 at build time; without it the refusal must be clean.
"$CONNC" export "$T/x.cir" --format sonata -o "$T/sonata" >"$T/out" 2>"$T/err"
rc=$?
sonata=0
if [ "$rc" -eq 0 ]; then
    sonata=1
    expect_files files_sonata "$T/sonata" nodes.h5 edges.h5 node_types.csv edge_types.csv metadata.json
elif [ "$rc" -eq 8 ] && grep -q 'HDF5' "$T/err" && [ ! -e "$T/sonata" ]; then
    pass export_sonata_refused_without_hdf5
else
    fail export_sonata "exit $rc: $(head -c 300 "$T/err")"
fi

# Without synapse sizes there is no size matrix and no size column.
cut -d, -f1,2 "$T/syn.csv" >"$T/syn_nosize.csv"
"$CONNC" -q compile --cells "$T/cells.csv" --synapses "$T/syn_nosize.csv" -o "$T/nosize.cir" >/dev/null 2>&1
expect_ok export_nosize "$CONNC" -q export "$T/nosize.cir" --format csv -o "$T/nosize"
expect_eq nosize_csv_header "$(head -n 1 "$T/nosize/adjacency.csv")" "pre_root_id,post_root_id,count"
expect_ok export_nosize_npz "$CONNC" -q export "$T/nosize.cir" --format npz -o "$T/nosize_npz"
expect_eq nosize_no_size_matrix "$(ls "$T/nosize_npz" | grep -c adjacency_size)" 0

# Errors: one line on stderr, the documented exit code.
"$CONNC" -q emit "$T/x.cir" -o "$T/x.cnet" >/dev/null 2>&1
expect_err network_not_ir 3 "not an IR" "$CONNC" export "$T/x.cnet" --format npz -o "$T/e1"
expect_err unknown_format 2 "unknown export format 'xls'" "$CONNC" export "$T/x.cir" --format xls -o "$T/e2"
expect_err missing_output 2 "-o are required" "$CONNC" export "$T/x.cir" --format npz
expect_err output_under_file 4 "$T/cells.csv/d" "$CONNC" export "$T/x.cir" --format csv -o "$T/cells.csv/d"
expect_err missing_input 4 "$T/none.cir" "$CONNC" export "$T/none.cir" --format csv -o "$T/e3"

if ! "$PY" -c 'import numpy, scipy.sparse, scipy.io' 2>/dev/null; then
    skip python_checks "no numpy/scipy for $PY"
    exit 0
fi
if [ "$sonata" -eq 1 ] && ! "$PY" -c 'import h5py' 2>/dev/null; then
    sonata=0
    if command -v h5dump >/dev/null 2>&1; then
        dump=$(h5dump -d /nodes/column/0/root_id "$T/sonata/nodes.h5" 2>&1)
        missing=$(cut -d, -f1 "$T/cells.csv" | tail -n +2 | while read -r id; do
            echo "$dump" | grep -q "$id" || echo "$id"; done)
        expect_eq sonata_root_ids_h5dump "$missing" ""
    else
        skip sonata_contents "neither h5py nor h5dump"
    fi
fi

# The script prints its own PASS/FAIL lines; a non-zero exit means it crashed
# outside the guarded checks (while reading the input tables).
"$PY" - "$T" "$sonata" <<'EOF' || fail python_checks "the checking script crashed"
import csv, os, sys
import numpy as np, scipy.io, scipy.sparse as sp

T, sonata = sys.argv[1], sys.argv[2] == "1"

def report(name, ok, why=""):
    print(("PASS e2e/export/%s" % name) if ok else ("FAIL e2e/export/%s: %s" % (name, why)))

# ---- the expected results, from the raw tables (BIONIC.md section 1) ----
LAYERS = {"A": ["4P"], "B": ["23P"], "C": ["5P-ET", "5P-IT", "5P-NP"], "D": ["6P-CT", "6P-IT", "6P-U", "WM-P"]}
NAMES = sorted(LAYERS)
ALIAS = {"5P-PT": "5P-ET"}
INHIBITORY = {"BC", "BPC", "MC", "NGC"}

def canon(t):
    return ALIAS.get(t, t)

def layer_index(t):
    return next((k for k, L in enumerate(NAMES) if canon(t) in LAYERS[L]), len(NAMES))

cells = list(csv.DictReader(open(T + "/cells.csv")))
synapses = list(csv.DictReader(open(T + "/syn.csv")))
order = sorted(cells, key=lambda c: (layer_index(c["cell_type"]), int(c["pt_root_id"])))
ids = [c["pt_root_id"] for c in order]              # exact text of the input
row = {r: i for i, r in enumerate(ids)}
n = len(order)
count, size = np.zeros((n, n), np.int64), np.zeros((n, n))
for s in synapses:
    post, pre = row[s["post_pt_root_id"]], row[s["pre_pt_root_id"]]
    count[post, pre] += 1
    size[post, pre] += float(s["size"])
members = {L: [i for i, c in enumerate(order) if layer_index(c["cell_type"]) == k] for k, L in enumerate(NAMES)}
inhibitory = np.array([canon(c["cell_type"]) in INHIBITORY for c in order])
want = {"adjacency_count": count, "adjacency_size": size}
for k, L in enumerate(NAMES):
    rows = members[L]
    intra = count[np.ix_(rows, rows)] >= 1
    np.fill_diagonal(intra, False)
    want["mask_%s_intra" % L] = intra.astype(np.int8)
    if k:
        want["mask_%s_inter" % L] = (count[np.ix_(rows, members[NAMES[k - 1]])] >= 1).astype(np.int8)
inhibition = {L: count[members[L]][:, inhibitory].sum(axis=1) for L in NAMES}
dtypes = {"adjacency_count": np.int32, "adjacency_size": np.float64}

def dtype_of(name):
    return dtypes.get(name, np.int8)

def same(got, expected, dtype=None):
    got = np.asarray(got)
    return got.shape == expected.shape and np.array_equal(got, expected) and (dtype is None or got.dtype == dtype)

def show(a):
    return np.array2string(np.asarray(a), threshold=50).replace("\n", " ")

def rows_of(path):
    return list(csv.DictReader(open(path)))

def check_npz():
    """scipy.sparse.load_npz; the members in save_npz's order."""
    for name, expected in sorted(want.items()):
        path = "%s/npz/%s.npz" % (T, name)
        m = sp.load_npz(path)
        keys = np.load(path, allow_pickle=False).files
        ok = m.format == "csr" and same(m.toarray(), expected, dtype_of(name))
        report("npz_" + name, ok and keys == ["indices", "indptr", "format", "shape", "data"],
               "%s %s keys %s: %s" % (m.format, m.dtype, keys, show(m.toarray())))

def check_npy():
    for name, expected in sorted(want.items()):
        a = np.load("%s/npy/%s.npy" % (T, name), allow_pickle=False)
        report("npy_" + name, same(a, expected, dtype_of(name)), "%s %s" % (a.dtype, show(a)))

def check_vectors(fmt):
    """The inhibition vectors and cell table both NumPy formats write."""
    d = "%s/%s/" % (T, fmt)
    for L in NAMES:
        a = np.load(d + "inhibition_%s.npy" % L, allow_pickle=False)
        report("%s_inhibition_%s" % (fmt, L), same(a, inhibition[L], np.int32), show(a))
    roots = np.load(d + "cells_root_id.npy", allow_pickle=False)
    report(fmt + "_cells_root_id", roots.dtype == np.uint64 and [str(r) for r in roots] == ids, show(roots))
    layer = np.load(d + "cells_layer.npy", allow_pickle=False)
    want_layer = [NAMES[k] if k < len(NAMES) else "" for k in (layer_index(c["cell_type"]) for c in order)]
    report(fmt + "_cells_layer", list(layer) == want_layer, show(layer))
    types = np.load(d + "cells_type.npy", allow_pickle=False)
    report(fmt + "_cells_type", list(types) == [canon(c["cell_type"]) for c in order], show(types))
    inh = np.load(d + "cells_inhibitory.npy", allow_pickle=False)
    report(fmt + "_cells_inhibitory", same(inh, inhibitory, np.bool_), show(inh))

def check_mtx():
    for name, expected in sorted(want.items()):
        m = scipy.io.mmread("%s/mtx/%s.mtx" % (T, name))
        dense = m.toarray() if name.startswith("adjacency") else (m.toarray() != 0).astype(np.int8)
        report("mtx_" + name, same(dense, expected), show(dense))
    for L in NAMES:
        v = scipy.io.mmread("%s/mtx/inhibition_%s.mtx" % (T, L))
        report("mtx_inhibition_" + L, same(v.ravel(), inhibition[L]), show(v))

def check_csv():
    """Root ids compared as text with the input tables."""
    pairs = {}
    for s in synapses:
        key = (s["pre_pt_root_id"], s["post_pt_root_id"])
        c, z = pairs.get(key, (0, 0.0))
        pairs[key] = (c + 1, z + float(s["size"]))
    got = {(r["pre_root_id"], r["post_root_id"]): (int(r["count"]), float(r["size"]))
           for r in rows_of(T + "/csv/adjacency.csv")}
    report("csv_adjacency", got == pairs, str(sorted(set(got.items()) ^ set(pairs.items())))[:300])
    for name, expected in sorted(want.items()):
        if not name.startswith("mask_"):
            continue
        L, kind = name.split("_")[1:]
        post = members[L]
        pre = post if kind == "intra" else members[NAMES[NAMES.index(L) - 1]]
        edges = {(ids[pre[c]], ids[post[r]]) for r, c in zip(*np.nonzero(expected))}
        got = {(r["pre_root_id"], r["post_root_id"]) for r in rows_of("%s/csv/%s.csv" % (T, name))}
        report("csv_" + name, got == edges, str(sorted(got ^ edges))[:300])
    for L in NAMES:
        got = [(r["root_id"], int(r["inhibition"])) for r in rows_of("%s/csv/inhibition_%s.csv" % (T, L))]
        report("csv_inhibition_" + L, got == [(ids[i], int(v)) for i, v in zip(members[L], inhibition[L])], str(got))

def check_cells_csv(fmt):
    got = [(r["root_id"], r["cell_type"], r["inhibitory"]) for r in rows_of("%s/%s/cells.csv" % (T, fmt))]
    want_rows = [(i, canon(c["cell_type"]), str(int(h))) for i, c, h in zip(ids, order, inhibitory)]
    report(fmt + "_cells", got == want_rows, str(got)[:300])

def index_ok(group, node_ids):
    """Every node's ranges hold exactly the edges that name it."""
    slices, ranges = group["node_id_to_ranges"][:], group["range_to_edge_id"][:]
    return len(slices) == n and all(
        [e for a, b in ranges[slices[k][0]:slices[k][1]] for e in range(a, b)] ==
        [e for e in range(len(node_ids)) if node_ids[e] == k] for k in range(n))

def check_sonata():
    import h5py
    with h5py.File(T + "/sonata/nodes.h5", "r") as f:
        report("sonata_magic", f.attrs["magic"] == 0x0A7A and list(f.attrs["version"]) == [0, 1], str(dict(f.attrs)))
        g = f["nodes/column"]
        roots = g["0/root_id"][:]
        report("sonata_root_id", roots.dtype == np.uint64 and [str(r) for r in roots] == ids, show(roots))
        types = [t.decode() for t in g["0/cell_type"][:]]
        report("sonata_cell_type", types == [canon(c["cell_type"]) for c in order], str(types))
        report("sonata_node_groups", list(g["node_group_index"][:]) == list(range(n)) and not g["node_group_id"][:].any())
    with h5py.File(T + "/sonata/edges.h5", "r") as f:
        g = f["edges/column_to_column"]
        src, tgt = g["source_node_id"][:], g["target_node_id"][:]
        dense, dsize = np.zeros((n, n), np.int64), np.zeros((n, n))
        dense[tgt, src] = g["0/syn_count"][:]
        dsize[tgt, src] = g["0/syn_size"][:]
        pops = [g[d].attrs["node_population"] for d in ("source_node_id", "target_node_id")]
        report("sonata_edges", same(dense, count) and same(dsize, size) and pops == ["column", "column"], str(pops))
        report("sonata_index", index_ok(g["indices/source_to_target"], src) and
               index_ok(g["indices/target_to_source"], tgt))

def guarded(name, check, *args):
    """A file that cannot even be loaded fails its own group of checks, not the whole script."""
    try:
        check(*args)
    except Exception as e:
        report(name, False, "%s: %s" % (type(e).__name__, str(e)[:200]))

guarded("npz_files", check_npz)
guarded("npy_files", check_npy)
for fmt in ("npz", "npy"):
    guarded(fmt + "_vectors", check_vectors, fmt)
guarded("mtx_files", check_mtx)
guarded("csv_files", check_csv)
for fmt in ("csv", "mtx"):
    guarded(fmt + "_cells", check_cells_csv, fmt)
if sonata:
    guarded("sonata_files", check_sonata)
EOF
