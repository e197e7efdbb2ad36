"""connc_container.py: reads a connc container file (schemas/container.md) for
the end-to-end tests: read(path) -> (metadata dict, {name: flat numpy array}).
Checksums are the C reader's business; this only unpacks."""
import json
import struct

import numpy as np

DTYPES = {1: np.uint8, 2: np.int32, 3: np.uint32, 4: np.int64, 5: np.uint64, 6: np.float32, 7: np.float64}


def read(path):
    b = open(path, "rb").read()
    meta_off, meta_len, dir_off, n = struct.unpack_from("<QQQQ", b, 32)
    meta = json.loads(b[meta_off:meta_off + meta_len].decode())
    arrays = {}
    for i in range(n):
        e = dir_off + 160 * i
        name = b[e:e + 96].split(b"\0")[0].decode()
        dtype = struct.unpack_from("<I", b, e + 96)[0]
        off, length = struct.unpack_from("<QQ", b, e + 136)
        arrays[name] = np.frombuffer(b[off:off + length], dtype=DTYPES[dtype])
    return meta, arrays
