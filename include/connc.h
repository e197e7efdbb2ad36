/* connc.h: the public API of libconnc, the connectome-to-network compiler.
 *
 * Every function returns a connc_status: 0 on success, a negative code on
 * failure.  After a failure connc_errmsg() gives one line naming the file,
 * line and field at fault.  Handles are opaque; each *_open / *_new has a
 * matching *_close / *_free that accepts NULL.  Getters (counts, names)
 * return a plain value; the connc_ir_ and connc_model_ functions refuse a
 * NULL handle with CONNC_ERR_USAGE, and their getters return 0 or NULL
 * ("?" for a class name).
 */
#ifndef CONNC_H
#define CONNC_H

#include <stddef.h>
#include <stdint.h>

#define CONNC_VERSION_STRING "0.1.0"

typedef enum {
    CONNC_OK = 0,
    CONNC_ERR_USAGE = -1,       /* bad argument or option */
    CONNC_ERR_IO = -2,          /* a file could not be read or written */
    CONNC_ERR_FORMAT = -3,      /* input data violates its format */
    CONNC_ERR_CORRUPT = -4,     /* checksum or structure of a connc file is wrong */
    CONNC_ERR_VERSION = -5,     /* a connc file of an unknown version */
    CONNC_ERR_NOMEM = -6,       /* out of memory */
    CONNC_ERR_LIMIT = -7,       /* a size or count exceeds a safety limit */
    CONNC_ERR_UNSUPPORTED = -8, /* feature not built in (e.g. HDF5) */
    CONNC_ERR_NETWORK = -9,     /* a remote service failed */
    CONNC_ERR_NOTFOUND = -10    /* a named item does not exist */
} connc_status;

/* One line describing the last error of this thread ("" if none). */
const char *connc_errmsg(void);
/* A short name for a status code ("format error", ...). */
const char *connc_strstatus(int status);

/* ---- Files written by the compiler: IR (.cir) and network (.cnet) ---- */

typedef struct connc_file connc_file;

typedef enum {
    CONNC_U8 = 1, CONNC_I32 = 2, CONNC_U32 = 3, CONNC_I64 = 4,
    CONNC_U64 = 5, CONNC_F32 = 6, CONNC_F64 = 7
} connc_dtype;

typedef struct {
    const char *name;
    connc_dtype dtype;
    uint32_t ndim;
    uint64_t shape[4];
    const void *data;   /* borrowed: valid until connc_file_close */
    uint64_t nbytes;
} connc_array;

/* Opens and fully validates a .cir or .cnet file (memory-mapped). */
int connc_file_open(const char *path, connc_file **out);
void connc_file_close(connc_file *f);
/* "ir", "network" or "checkpoint". */
const char *connc_file_kind(const connc_file *f);
/* The JSON metadata block (NUL-terminated, borrowed). */
const char *connc_file_metadata(const connc_file *f);
size_t connc_file_array_count(const connc_file *f);
int connc_file_array_at(const connc_file *f, size_t i, connc_array *out);
int connc_file_array(const connc_file *f, const char *name, connc_array *out);

/* ---- The compiled connectome (.cir): layers, masks, inhibition ----
 *
 * Cells are numbered globally in IR order: by layer (in the mapping's
 * order), then by root id; cells in no layer (the inhibitory interneurons
 * under the BioNIC mapping, unmapped types) come last.  schemas/ir.md has
 * every array; connc_file_open on the same path gives them all, this API the
 * layer structure in typed form.  Everything returned is borrowed: valid
 * until connc_ir_close. */

typedef struct connc_ir connc_ir;

typedef struct {
    const char *name;           /* the mapping's layer name ("A" ... "D" for BioNIC) */
    int64_t first_cell, ncells; /* the layer's cells are first_cell .. first_cell + ncells - 1 */
    /* I_L, ncells entries: per cell of the layer, the synapses it receives
     * from cells of inhibitory types (distinct inhibitory cells when
     * compiled with --inhibition partners) */
    const int32_t *inhibition;
    int64_t inhibited_cells;    /* cells with inhibition > 0 ("nonzero" in connc inspect) */
} connc_layer;

/* A binary sparse matrix (every stored entry is 1) in CSR form. */
typedef struct {
    int64_t nrows, ncols, nnz;
    const int64_t *indptr;      /* nrows + 1 row starts */
    const int32_t *indices;     /* nnz column indices, ascending within each row */
} connc_csr;

/* Opens and fully validates an IR file (memory-mapped); a .cnet is refused. */
int connc_ir_open(const char *path, connc_ir **out);
void connc_ir_close(connc_ir *x);
/* The JSON metadata (provenance, mapping, options, statistics; schemas/ir.md). */
const char *connc_ir_metadata(const connc_ir *x);
size_t connc_ir_layer_count(const connc_ir *x);
/* Layer i (0 <= i < connc_ir_layer_count) in the mapping's order. */
int connc_ir_layer(const connc_ir *x, size_t i, connc_layer *out);
/* A layer's mask by name: "L.intra" is N_L, the connections within layer
 * L (ncells_L x ncells_L; the diagonal only when compiled with --autapses);
 * "L.inter" is M_L, the connections into L from the layer before it
 * (ncells_L x ncells_{L-1}); the first layer has none.  Rows are the
 * postsynaptic cells, columns the presynaptic ones, both numbered from 0
 * within their layer (global cell = first_cell + index).  An entry exists
 * where the synapse count reaches the compile threshold.  An unknown name
 * is CONNC_ERR_NOTFOUND with a message listing the valid ones. */
int connc_ir_mask(const connc_ir *x, const char *name, connc_csr *out);

/* ---- Inference with a trained run ----
 *
 * A model is a run directory of `connc train`: its network.cnet with the
 * best-validation weights of its checkpoint.ckpt and the run's ablation
 * list, the weights `connc eval` evaluates, and the training set's pixel
 * mean and std the images are standardised with (recorded in the
 * checkpoint; for older checkpoints, which lack them, read from the run's
 * metrics.json, which `connc train` and `connc eval` write). */

typedef struct connc_model connc_model;

#define CONNC_IMAGE_SIDE 48     /* images are 48 x 48 grey levels, as in FER-2013 */
#define CONNC_IMAGE_PIXELS (CONNC_IMAGE_SIDE * CONNC_IMAGE_SIDE)

/* Loads the run in run_dir.  threads (1-16; more are clamped) split each
 * batch as `connc eval --threads` does; like connc itself this sets
 * OpenBLAS's thread count for the whole process. */
int connc_model_open(const char *run_dir, int threads, connc_model **out);
void connc_model_close(connc_model *m);
/* Number of classes (7 for FER-2013). */
int connc_model_classes(const connc_model *m);
/* Name of class c ("Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise",
 * "Neutral"), static; "?" out of range. */
const char *connc_model_class_name(const connc_model *m, int c);
/* Classifies n images (CONNC_IMAGE_PIXELS grey levels 0-255 each, row-major,
 * image after image, as in the FER-2013 CSV) into probs (n x classes,
 * caller-allocated, row i for image i): the softmax of the logits `connc
 * eval` computes for them.  Images go through the network in batches of 64
 * from the first on, as eval runs a split (in file order); given a split in
 * that order and with eval's thread count, the logits are eval's to the bit.
 * One model is not for two threads at once. */
int connc_model_predict(connc_model *m, const uint8_t *pixels, size_t n, float *probs);

#endif
