"""masks_scipy.py: graph statistics of the masks `connc export --format npz`
wrote, loaded with scipy.sparse and measured with NumPy alone: per mask its
shape, connections and density (of the possible connections: within a
layer compiled without --autapses a cell cannot connect to itself, as
`connc inspect` counts), the distributions of in-degree (presynaptic
partners of each postsynaptic cell, a row's entries) and out-degree (a
column's entries), and for masks within a layer the reciprocity, the share
of connections j -> i whose reverse i -> j exists too.

    connc export column.cir --format npz -o masks
    python3 masks_scipy.py masks
"""
import glob
import json
import os
import sys

import numpy as np
import scipy.sparse


def spread(degrees):
    """min median mean max of a degree distribution."""
    if degrees.size == 0:
        return "-"
    return f"{degrees.min()} {np.median(degrees):g} {degrees.mean():.2f} {degrees.max()}"


def reciprocity(m):
    """Share of the entries (i, j) of a square CSR matrix whose (j, i) is an entry too."""
    rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    cols = m.indices.astype(np.int64)
    n = m.shape[0]
    return float(np.isin(cols * n + rows, rows * n + cols).mean()) if cols.size else 0.0


def describe(path, autapses):
    m = scipy.sparse.load_npz(path).tocsr()
    name = os.path.basename(path)[len("mask_"):-len(".npz")]
    intra = name.endswith("_intra")
    rows, cols = m.shape
    possible = rows * (cols - (intra and not autapses))
    density = m.nnz / possible if possible else 0.0
    in_deg = np.diff(m.indptr)
    out_deg = np.bincount(m.indices, minlength=cols)
    recip = f"{reciprocity(m):.6f}" if intra else "-"
    return (f"{name:<10} {f'{rows}x{cols}':<10} {m.nnz:<8} {density:<9.6f} {spread(in_deg):<24} {spread(out_deg):<24} "
            f"{recip}")


def main(argv):
    if len(argv) != 2:
        sys.exit(f"usage: {argv[0]} EXPORT_DIR")
    paths = sorted(glob.glob(os.path.join(argv[1], "mask_*.npz")))
    if not paths:
        sys.exit(f"{argv[1]}: no mask_*.npz (write them with connc export FILE.cir --format npz -o DIR)")
    with open(os.path.join(argv[1], "metadata.json")) as f:
        autapses = json.load(f)["options"]["autapses"]
    print(f"{'mask':<10} {'shape':<10} {'nnz':<8} {'density':<9} {'in-degree':<24} {'out-degree':<24} reciprocity")
    print(f"{'':<40} {'(min median mean max)':<24} (min median mean max)")
    for p in paths:
        print(describe(p, autapses))


if __name__ == "__main__":
    main(sys.argv)
