/* synapses.h: the synapse table (CAVE layout, PROTOCOL.md §9.1), read as a
 * stream and mapped onto the cells of a cell table.
 *
 * Required columns: pre_pt_root_id, post_pt_root_id.  Optional: size (cleft
 * voxels, >= 0), valid.  Other columns (id, positions, supervoxels) are ignored.
 */
#ifndef CONNC_SYNAPSES_H
#define CONNC_SYNAPSES_H

#include "cells.h"

typedef struct {
    size_t n;
    int32_t *pre, *post;     /* row indices into the cell table */
    float *size;             /* NULL when the table has no size column */
    uint64_t rows;           /* data rows read */
    uint64_t skipped_unknown;/* rows with a cell outside the table (only with skip_unknown) */
    uint64_t skipped_invalid;/* rows with valid = false */
} synapse_list;

/* skip_unknown: drop synapses whose pre or post cell is not in `cells`
 * instead of failing (for whole-volume tables). */
int synapses_read(const char *path, const cell_table *cells, int skip_unknown, synapse_list *out);

/* A plain CSV table of at least this many bytes is read in two threads, one
 * half each (smaller ones are not worth a thread). */
#define SYNAPSES_SPLIT_BYTES (4ull << 20)
/* synapses_read with that size as a parameter: the same result for any
 * split_bytes (tests split small tables with 0). */
int synapses_read_split(const char *path, const cell_table *cells, int skip_unknown, uint64_t split_bytes,
                        synapse_list *out);
void synapses_free(synapse_list *s);

#endif
