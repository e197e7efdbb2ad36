/* adjacency.h: count and synapse-size adjacency in CSR (BIONIC.md §1).
 *
 * Built in two steps that the in-memory and the out-of-core compile
 * (stream.h) share, so that both give the same bytes: synapses are grouped
 * by postsynaptic cell (adjacency_group; the out-of-core compile groups
 * chunk by chunk), then rows are added in order, each sorted and its
 * synapses merged into connections (adjacency_add_row).
 */
#ifndef CONNC_ADJACENCY_H
#define CONNC_ADJACENCY_H

#include "spill.h"

#include <stddef.h>
#include <stdint.h>

/* One synapse of a row: its presynaptic cell (IR index) and size. */
typedef struct {
    int32_t pre;
    float size;
} adj_entry;

typedef struct {
    int64_t n, nnz;
    int64_t rows;          /* rows added so far */
    int64_t *indptr;       /* n + 1, in memory */
    spill indices;         /* int32: presynaptic cell of each entry, ascending within a row */
    spill count;           /* int32: number of synapses pre -> post */
    spill size;            /* double: summed size; empty without sizes */
    int with_size;
    /* the row added last, merged: row_n connections */
    int32_t *row_pre, *row_count;
    double *row_size;
    size_t row_n, row_cap;
    /* scratch for sorting rows */
    int64_t *col_count;    /* n + 1, zero between rows */
    adj_entry *tmp;
    size_t tmp_cap;
} adjacency;

/* An empty n x n adjacency whose entries go to scratch files in dir, or
 * stay in memory when dir is NULL. */
int adjacency_init(adjacency *a, int64_t n, int with_size, const char *dir);
/* Adds the next row from its m synapses, reordering them: sorted by (pre,
 * size), so that every sum of sizes runs in one fixed order whatever order
 * the table's rows came in, then merged into connections.  exact: every sum
 * of sizes is exact in any order (adjacency_sums_exact), so sizes may stay
 * unsorted. */
int adjacency_add_row(adjacency *a, adj_entry *e, size_t m, int exact);
void adjacency_free(adjacency *a);

/* Groups nsyn (pre, post, size) triples of cell table rows by the IR index
 * of post, order[row] being the IR index of a row (mapped here, so that the
 * triples need no remapped copy): row r's synapses go to out[start[r] ..
 * start[r + 1]) (start: n + 1 entries).  size may be NULL (sizes 0). */
void adjacency_group(int64_t n, const int32_t *order, size_t nsyn, const int32_t *pre, const int32_t *post,
                     const float *size, adj_entry *out, int64_t *start);
/* 1 when every sum of these sizes is exact in double, whatever its order. */
int adjacency_sums_exact(const float *size, size_t nsyn);

#endif
