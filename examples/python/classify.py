"""classify.py: classifies faces with a network `connc train` trained, through
the ctypes binding (connc.py); the Python twin of examples/c/classify.c, with
the same output.  Reads the first N images (default: all) of a FER-2013 CSV
(plain or gzip: emotion,pixels,Usage rows of 2304 grey levels).

    LD_LIBRARY_PATH=$PREFIX/lib python3 classify.py RUNDIR fer2013.csv 10
"""
import csv
import gzip
import itertools
import sys

import numpy as np

import connc


def read_images(path, n):
    """Labels and uint8 images (k, 48, 48) of the first n rows (None: all)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        rows = list(itertools.islice(csv.DictReader(f), n))
    labels = np.array([int(r["emotion"]) for r in rows], dtype=np.int64)
    images = np.array([np.array(r["pixels"].split(), dtype=np.uint8) for r in rows], dtype=np.uint8)
    return labels, images.reshape(-1, connc.IMAGE_SIDE, connc.IMAGE_SIDE)


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(f"usage: {argv[0]} RUNDIR FER2013.csv [N]")
    labels, images = read_images(argv[2], int(argv[3]) if len(argv) == 4 else None)
    with connc.Model(argv[1]) as model:
        names = model.class_names()
        probs = model.predict(images)
    print(f"{'row':<6} {'label':<9} {'predicted':<9} p")
    for i, (label, p) in enumerate(zip(labels, probs)):
        best = int(np.argmax(p))  # the first of equal maxima, as the C example picks
        print(f"{i + 1:<6} {names[label]:<9} {names[best]:<9} {p[best]:.6f}")


if __name__ == "__main__":
    main(sys.argv)
