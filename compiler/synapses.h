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

/* A table larger than memory is read in chunks, each handed to a sink. */
typedef struct {
    size_t chunk;     /* synapses per chunk, >= 2 */
    /* Takes (copies out) the s->n synapses of s.  A table read in two
     * threads (as synapses_read does) hands over chunks of chunk / 2 from
     * each, part 0 and part 1, possibly at the same time. */
    int (*take)(void *ctx, int part, const synapse_list *s);
    /* Forgets every chunk part 1 handed over: its rows are read again as
     * part 0 (after a split inside a quoted field or an error). */
    void (*drop)(void *ctx);
    void *ctx;
} synapse_sink;

/* synapses_read_split, but the synapses go to sink in chunks: those that
 * did not fill a chunk (at most sink->chunk) are left in *out, whose counts
 * (rows, skipped_unknown, skipped_invalid) are those of the whole table. */
int synapses_stream(const char *path, const cell_table *cells, int skip_unknown, uint64_t split_bytes,
                    const synapse_sink *sink, synapse_list *out);

#endif
