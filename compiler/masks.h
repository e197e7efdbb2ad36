/* masks.h: connectivity masks and inhibition vectors (BIONIC.md §1). */
#ifndef CONNC_MASKS_H
#define CONNC_MASKS_H

#include "adjacency.h"

typedef struct {
    int64_t nrows, ncols, nnz;
    int64_t *indptr;
    int32_t *indices;
} mask;

/* The block rows [row0, row0+nrows) x columns [col0, col0+ncols) of the
 * adjacency, 1 where count >= threshold.  With drop_diagonal (intra-layer
 * masks, autapses excluded) entries with row == column are left out.
 * Column indices are local to the block. */
int mask_extract(const adjacency *a, int64_t row0, int64_t nrows, int64_t col0, int64_t ncols,
                 int threshold, int drop_diagonal, mask *out);
void mask_free(mask *m);

typedef enum { INHIBITION_SYNAPSES, INHIBITION_PARTNERS } inhibition_mode;

/* I_k for the rows [row0, row0+nrows): incoming synapses from inhibitory
 * cells (or distinct inhibitory partners), written to out[nrows]. */
void inhibition_vector(const adjacency *a, const uint8_t *inhibitory, int64_t row0, int64_t nrows,
                       inhibition_mode mode, int32_t *out);

#endif
