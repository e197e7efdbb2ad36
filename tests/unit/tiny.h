/* tiny.h: the hand-made 10-cell connectome shared by test_compile.c (which
 * defines these), test_ir.c and test_emit.c.  The expected layers, masks and
 * inhibition vectors are worked out by hand in test_compile.c. */
#ifndef CONNC_TEST_TINY_H
#define CONNC_TEST_TINY_H

#include "compile.h"

enum { TINY_CSV, TINY_CSV_GZ, TINY_JSON };

/* Writes the tiny cell and synapse tables in a layout (synapse rows in a
 * shuffled order when shuffle != 0) and returns their paths (static). */
void tiny_tables(const char *tag, int layout, int shuffle, const char **cells, const char **synapses);
/* Compiles cell and synapse tables with the default mapping and options o
 * (NULL: defaults). */
int compile_tables(const char *cells_path, const char *syn_path, const compile_options *o, ir *out);
/* Compiles the tiny tables (CSV, default mapping) with options o (NULL: defaults). */
int tiny_compile(const compile_options *o, ir *out);

#endif
