"""connc.py: a ctypes binding of libconnc's IR and inference API (connc.h).

    import connc
    with connc.IR("column.cir") as ir:
        for layer in ir.layers():
            print(layer.name, layer.ncells, layer.inhibition.sum())
        m = ir.mask("B.inter")        # scipy.sparse.csr_matrix when scipy is installed
    with connc.Model("run") as model:
        probs = model.predict(images)  # images: uint8 (n, 48, 48) -> float32 (n, 7)

The library is libconnc.so found through LD_LIBRARY_PATH and the system's
search path, or the file named by load(path) or $CONNC_LIB.  Everything
returned is a NumPy copy: it stays valid after close().  Needs NumPy; scipy
is optional.
"""
import ctypes
import json
import os
from collections import namedtuple

import numpy as np

try:
    import scipy.sparse
except ImportError:  # masks are then plain CSR triples
    scipy = None

IMAGE_SIDE = 48

Layer = namedtuple("Layer", "name first_cell ncells inhibition inhibited_cells")
CSR = namedtuple("CSR", "indptr indices shape")


class ConncError(Exception):
    """A libconnc call failed: status is the connc_status, message connc_errmsg()."""

    def __init__(self, status, message):
        super().__init__(f"{message} ({status})")
        self.status = status
        self.message = message


class _Layer(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("first_cell", ctypes.c_int64), ("ncells", ctypes.c_int64),
                ("inhibition", ctypes.POINTER(ctypes.c_int32)), ("inhibited_cells", ctypes.c_int64)]


class _Csr(ctypes.Structure):
    _fields_ = [("nrows", ctypes.c_int64), ("ncols", ctypes.c_int64), ("nnz", ctypes.c_int64),
                ("indptr", ctypes.POINTER(ctypes.c_int64)), ("indices", ctypes.POINTER(ctypes.c_int32))]


_lib = None
_P = ctypes.c_void_p
_SIGNATURES = {
    "connc_errmsg": (ctypes.c_char_p, []),
    "connc_ir_open": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_P)]),
    "connc_ir_close": (None, [_P]),
    "connc_ir_metadata": (ctypes.c_char_p, [_P]),
    "connc_ir_layer_count": (ctypes.c_size_t, [_P]),
    "connc_ir_layer": (ctypes.c_int, [_P, ctypes.c_size_t, ctypes.POINTER(_Layer)]),
    "connc_ir_mask": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.POINTER(_Csr)]),
    "connc_model_open": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(_P)]),
    "connc_model_close": (None, [_P]),
    "connc_model_classes": (ctypes.c_int, [_P]),
    "connc_model_class_name": (ctypes.c_char_p, [_P, ctypes.c_int]),
    "connc_model_predict": (ctypes.c_int, [_P, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]),
}


def load(path=None):
    """Loads libconnc (path, else $CONNC_LIB, else libconnc.so on the search path) once."""
    global _lib
    if _lib is None:
        _lib = ctypes.CDLL(path or os.environ.get("CONNC_LIB") or "libconnc.so")
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(_lib, name)
            fn.restype, fn.argtypes = restype, argtypes
    return _lib


def _check(status):
    if status != 0:
        raise ConncError(status, _lib.connc_errmsg().decode(errors="replace"))


def _copy(pointer, n, dtype):
    """A NumPy copy of n items the library lends (n may be 0, pointer then NULL)."""
    if n == 0:
        return np.zeros(0, dtype=dtype)
    return np.ctypeslib.as_array(pointer, shape=(n,)).copy()


class _Handle:
    """An opaque handle closed by close() or at the end of a with block."""
    _close = None

    def __init__(self, opener, *args):
        self._h = _P()
        load()
        _check(getattr(_lib, opener)(*args, ctypes.byref(self._h)))

    def close(self):
        if self._h:
            getattr(_lib, self._close)(self._h)
            self._h = _P()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


class IR(_Handle):
    """A compiled connectome (.cir): metadata, layers and their masks."""
    _close = "connc_ir_close"

    def __init__(self, path):
        super().__init__("connc_ir_open", os.fsencode(path))

    def metadata(self):
        return json.loads(_lib.connc_ir_metadata(self._h).decode())

    def layers(self):
        out = []
        for i in range(_lib.connc_ir_layer_count(self._h)):
            y = _Layer()
            _check(_lib.connc_ir_layer(self._h, i, ctypes.byref(y)))
            out.append(Layer(y.name.decode(), y.first_cell, y.ncells, _copy(y.inhibition, y.ncells, np.int32),
                             y.inhibited_cells))
        return out

    def mask_names(self):
        """Every mask's name, in layer order: A.intra, B.inter, B.intra, ..."""
        names = [y.name for y in self.layers()]
        return [f"{n}.{k}" for i, n in enumerate(names) for k in (("inter", "intra") if i else ("intra",))]

    def mask(self, name):
        """Mask name (connc_ir_mask): rows postsynaptic, columns presynaptic
        cells of the layers, numbered within each layer; a scipy csr_matrix of
        int8 ones, or CSR(indptr, indices, shape) without scipy."""
        c = _Csr()
        _check(_lib.connc_ir_mask(self._h, name.encode(), ctypes.byref(c)))
        indptr = _copy(c.indptr, c.nrows + 1, np.int64)
        indices = _copy(c.indices, c.nnz, np.int32)
        shape = (c.nrows, c.ncols)
        if scipy is None:
            return CSR(indptr, indices, shape)
        return scipy.sparse.csr_matrix((np.ones(c.nnz, dtype=np.int8), indices, indptr), shape=shape)


class Model(_Handle):
    """A trained run (connc_model_open): classifies 48x48 grey images."""
    _close = "connc_model_close"

    def __init__(self, run_dir, threads=1):
        super().__init__("connc_model_open", os.fsencode(run_dir), threads)

    def class_names(self):
        return [_lib.connc_model_class_name(self._h, c).decode() for c in range(_lib.connc_model_classes(self._h))]

    def predict(self, images):
        """images: uint8, (n, 48, 48) or (n, 2304) -> float32 probabilities (n, classes)."""
        px = np.ascontiguousarray(images, dtype=np.uint8).reshape(-1, IMAGE_SIDE * IMAGE_SIDE)
        probs = np.empty((px.shape[0], _lib.connc_model_classes(self._h)), dtype=np.float32)
        _check(_lib.connc_model_predict(self._h, px.ctypes.data, px.shape[0], probs.ctypes.data))
        return probs
