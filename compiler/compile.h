/* compile.h: cell table + synapse table + mapping -> IR (BIONIC.md §1). */
#ifndef CONNC_COMPILE_H
#define CONNC_COMPILE_H

#include "adjacency.h"
#include "cells.h"
#include "derived.h"
#include "ir.h"
#include "mapping.h"
#include "synapses.h"

typedef struct {
    int threshold;            /* mask entry where count >= threshold (default 1) */
    int autapses;             /* keep the diagonal of intra-layer masks */
    inhibition_mode inhibition;
    int skip_unknown;         /* recorded in the metadata; applied by synapses_read */
    const char *source_json;  /* provenance of the tables (datastack, version...), or NULL */
} compile_options;

void compile_options_default(compile_options *o);
/* Compiles in memory: the synapses, all read, are in syn. */
int compile_column(const cell_table *cells, const synapse_list *syn, const mapping *map,
                   const compile_options *opt, ir *out);

/* The steps of compile_column, which the out-of-core compile (stream.h)
 * takes too.  cells, map and opt are borrowed until compile_finish; after a
 * failure of any step, ir_free(out) frees what the steps made.
 *
 * compile_begin orders the cells (newpos[row]: the IR index of cell table
 * row `row`, ncells entries) and finds the layers. */
int compile_begin(const cell_table *cells, const mapping *map, const compile_options *opt, int32_t *newpos, ir *out);
/* Starts the adjacency, the masks and the rest derived from it; their
 * arrays go to scratch files in dir, or stay in memory when dir is NULL. */
int compile_adjacency_begin(ir *x, int with_size, const char *dir);
/* The rest of compile_column after compile_begin: the synapses, all read,
 * are in syn. */
int compile_synapses(ir *x, const int32_t *newpos, const synapse_list *syn);
/* Adds rows r0 .. r1 - 1 (rows come in order): row r's synapses are
 * e[start[r - r0] .. start[r - r0 + 1]) (reordered here); exact as for
 * adjacency_add_row. */
int compile_rows(ir *x, adj_entry *e, const int64_t *start, int64_t r0, int64_t r1, int exact);
/* Points the IR at its arrays and writes its metadata; syn gives the counts
 * of the table's rows (its arrays are not used). */
int compile_finish(ir *x, const synapse_list *syn);

#endif
