/* derived.h: connectivity masks, inhibition vectors and synapse statistics
 * (BIONIC.md §1), derived from the adjacency one row at a time, so that the
 * in-memory and the out-of-core compile (stream.h) share them. */
#ifndef CONNC_DERIVED_H
#define CONNC_DERIVED_H

#include "ir.h"
#include "spill.h"

/* A mask's CSR rows; its column indices (local to the presynaptic layer)
 * are elements first .. first + nnz of a spill shared by all layers. */
typedef struct {
    int64_t nrows, ncols, nnz;
    int64_t *indptr;          /* nrows + 1 (owned) */
    uint64_t first;
} mask;

typedef enum { INHIBITION_SYNAPSES, INHIBITION_PARTNERS } inhibition_mode;

/* The cells and options rows are read against (all borrowed). */
typedef struct {
    const int32_t *layer, *type;   /* per IR cell; layer -1: in none */
    const uint8_t *inhibitory;
    const ir_layer *layers;        /* offset and size of each */
    size_t nlayers, ntypes;
    int threshold;                 /* mask entry where count >= threshold */
    int autapses;                  /* keep the diagonal of intra-layer masks */
    inhibition_mode inhibition;
} derive_setup;

typedef struct {
    derive_setup u;
    spill inter_indices, intra_indices; /* every layer's masks, layer after layer */
    mask *inter, *intra;           /* per layer; layer 0 has no inter mask (nrows 0) */
    int32_t **inhibition;          /* per layer: I_k, incoming synapses from inhibitory
                                    * cells (or distinct inhibitory partners) */
    int64_t *inter_synapses;       /* per layer: synapses in the inter and intra */
    int64_t *intra_synapses;       /* blocks (intra: without autapses unless kept) */
    int64_t *type_synapses;        /* ntypes x ntypes, [pre type * ntypes + post type] */
    int64_t autapses;
    int32_t *row;                  /* a row's mask indices (row_cap of them) */
    size_t row_cap;
} derived;

/* Empty results for the cells of u; mask indices go to scratch files in
 * dir, or stay in memory when dir is NULL. */
int derived_init(derived *d, const derive_setup *u, const char *dir);
/* Adds IR row r (rows come in order 0, 1, ...): its k connections, from
 * the presynaptic cells pre (ascending) with count synapses each. */
int derived_row(derived *d, int64_t r, const int32_t *pre, const int32_t *count, size_t k);
void derived_free(derived *d);

#endif
