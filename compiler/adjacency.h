/* adjacency.h: count and synapse-size adjacency in CSR (BIONIC.md §1). */
#ifndef CONNC_ADJACENCY_H
#define CONNC_ADJACENCY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t n, nnz;
    int64_t *indptr;   /* n + 1 */
    int32_t *indices;  /* presynaptic cell of each entry, ascending within a row */
    int32_t *count;    /* number of synapses pre -> post */
    double *size;      /* summed size, or NULL when sizes are absent */
} adjacency;

/* Builds the n x n adjacency from nsyn (pre, post, size) triples of cell
 * table rows; order[row] is the IR index of a row (mapped here, so that the
 * triples need no remapped copy).  Sizes are >= 0; size may be NULL. */
int adjacency_build(int64_t n, const int32_t *order, size_t nsyn, const int32_t *pre, const int32_t *post,
                    const float *size, adjacency *out);
void adjacency_free(adjacency *a);

#endif
