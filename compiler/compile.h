/* compile.h: cell table + synapse table + mapping -> IR (BIONIC.md §1). */
#ifndef CONNC_COMPILE_H
#define CONNC_COMPILE_H

#include "cells.h"
#include "ir.h"
#include "mapping.h"
#include "masks.h"
#include "synapses.h"

typedef struct {
    int threshold;            /* mask entry where count >= threshold (default 1) */
    int autapses;             /* keep the diagonal of intra-layer masks */
    inhibition_mode inhibition;
    int skip_unknown;         /* recorded in the metadata; applied by synapses_read */
    const char *source_json;  /* provenance of the tables (datastack, version...), or NULL */
} compile_options;

void compile_options_default(compile_options *o);
int compile_column(const cell_table *cells, const synapse_list *syn, const mapping *map,
                   const compile_options *opt, ir *out);

#endif
