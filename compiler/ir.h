/* ir.h: the compiled connectome (the IR), in memory and on disk (.cir).
 *
 * Cells are ordered by (layer, root id), cells of no layer last; every
 * matrix is CSR with rows = postsynaptic cells, columns = presynaptic cells
 * (BIONIC.md §1: count_adjacency[post, pre]).  The file layout, array by
 * array, is documented in schemas/ir.md.
 */
#ifndef CONNC_IR_H
#define CONNC_IR_H

#include "connc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IR_SCHEMA "connc-ir/1"

typedef struct {
    int64_t nrows, ncols, nnz;
    const int64_t *indptr;   /* nrows + 1 */
    const int32_t *indices;  /* nnz, sorted within each row */
} ir_pattern;

typedef struct {
    char name[40];
    int64_t offset, size;    /* the layer's cells are offset .. offset+size-1 */
    ir_pattern inter;        /* mask from the previous layer (nrows = 0 for the first) */
    ir_pattern intra;        /* mask within the layer */
    const int32_t *inhibition; /* size entries */
} ir_layer;

/* An array of a compiled IR kept in a scratch file, not in memory (the
 * out-of-core compile, stream.h): its pointer in the IR is NULL. */
typedef struct {
    char name[96];
    FILE *file;
    uint64_t offset;         /* of its bytes in file */
} ir_file_array;

typedef struct {
    char *meta;              /* metadata JSON text (owned) */
    int64_t ncells;
    const uint64_t *root_id;
    const int32_t *layer;    /* -1: in no layer */
    const int32_t *type;     /* index into the metadata's cells.types */
    const uint8_t *inhibitory;
    const double *position;  /* ncells x 3 voxels, or NULL */
    ir_pattern adj;          /* ncells x ncells */
    const int32_t *count;    /* synapses per adjacency entry */
    const double *size;      /* summed synapse size per entry, or NULL */
    size_t nlayers;
    ir_layer *layers;        /* owned */
    const ir_file_array *files; /* arrays of a compiled IR in scratch files (in its storage) */
    size_t nfiles;
    void *storage;           /* owned arrays of a compiled IR; NULL for one read from a file */
    void (*storage_free)(void *);
    connc_file *file;        /* the open file of an IR read from disk */
} ir;

int ir_write(const ir *x, const char *path);
/* Opens and validates an IR file; the arrays stay mapped until ir_free. */
int ir_read(const char *path, ir *out);
void ir_free(ir *x);

#endif
